"""Bitcoin's compact target encoding ("nBits") and difficulty.

A 256-bit target is stored in a block header as 32 bits: one byte of size (in bytes) and a
three-byte mantissa whose top bit is a sign bit. Functions here reproduce Bitcoin Core's
``arith_uint256::SetCompact`` / ``GetCompact`` (``src/arith_uint256.cpp``) bit for bit.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from hashtide._checks import integer
from hashtide.errors import InvalidInputError

#: The target of difficulty 1 (nBits 0x1d00ffff), the reference Core's ``GetDifficulty`` uses.
DIFFICULTY_1_TARGET: Final = 0xFFFF << 208

_SIGN_BIT: Final = 0x0080_0000
_MANTISSA_MASK: Final = 0x007F_FFFF


class DecodedCompact(NamedTuple):
    """The three outputs of Core's ``SetCompact``."""

    value: int
    negative: bool
    overflow: bool


def _check_bits(bits: int) -> int:
    """``bits`` as a Python int (numpy integers accepted, ``bool`` refused), checked."""
    value = integer("bits", bits, what="an unsigned 32-bit integer")
    if not 0 <= value <= 0xFFFF_FFFF:
        raise InvalidInputError(f"bits={bits!r} must be an unsigned 32-bit integer")
    return value


def decode_compact(bits: int) -> DecodedCompact:
    """Decode compact bits exactly as Core's ``arith_uint256::SetCompact`` does.

    Parameters
    ----------
    bits : int
        The 32-bit compact value.

    Returns
    -------
    DecodedCompact
        ``value`` (the magnitude, truncated to 256 bits as Core's shift would), ``negative``
        (sign bit set on a non-zero mantissa) and ``overflow`` (the value does not fit 256 bits).

    Notes
    -----
    ``size = bits >> 24``, ``word = bits & 0x007fffff``; when ``size <= 3`` the word is first
    shifted right by ``8*(3-size)`` and is the value, otherwise the value is
    ``word << 8*(size-3)``. Negative iff the (shifted) ``word != 0`` and bit
    ``0x00800000`` is set; overflow iff ``word != 0`` and ``size > 34``, or ``word > 0xff`` and
    ``size > 33``, or ``word > 0xffff`` and ``size > 32``.
    """
    bits = _check_bits(bits)
    size = bits >> 24
    word = bits & _MANTISSA_MASK
    if size <= 3:
        word >>= 8 * (3 - size)  # Core shifts nWord itself, so the flags below see the result
        value = word
    else:
        value = (word << (8 * (size - 3))) % 2**256
    negative = word != 0 and (bits & _SIGN_BIT) != 0
    overflow = word != 0 and (
        size > 34 or (word > 0xFF and size > 33) or (word > 0xFFFF and size > 32)
    )
    return DecodedCompact(value, negative, overflow)


def bits_to_target(bits: int) -> int:
    """Expand compact ``bits`` to the 256-bit target they encode.

    Parameters
    ----------
    bits : int
        The 32-bit compact value from a block header.

    Returns
    -------
    int
        The target (may be 0 for a zero mantissa; such a target no block can meet).

    Raises
    ------
    InvalidInputError
        If the sign bit is set on a non-zero mantissa (a negative target) or the value overflows
        256 bits: Core's ``DeriveTarget`` rejects both.

    Examples
    --------
    >>> hex(bits_to_target(0x1D00FFFF))
    '0xffff0000000000000000000000000000000000000000000000000000'
    """
    decoded = decode_compact(bits)
    if decoded.negative:
        raise InvalidInputError(f"bits=0x{bits:08x} encodes a negative target (sign bit set)")
    if decoded.overflow:
        raise InvalidInputError(f"bits=0x{bits:08x} encodes a target that overflows 256 bits")
    return decoded.value


def target_to_bits(target: int) -> int:
    """Encode a target in compact form, as Core's ``arith_uint256::GetCompact`` does.

    Precision beyond the three-byte mantissa is truncated (never rounded), and a mantissa whose
    top bit would read as the sign bit is shifted down one byte.

    Parameters
    ----------
    target : int
        A non-negative integer below 2**256.

    Returns
    -------
    int
        The compact bits.

    Examples
    --------
    >>> hex(target_to_bits(2**224 - 1))
    '0x1d00ffff'
    """
    target = integer("target", target, what="an integer in [0, 2**256)")
    if not 0 <= target < 2**256:
        raise InvalidInputError(f"target={target!r} must be an integer in [0, 2**256)")
    size = (target.bit_length() + 7) // 8
    compact = target << (8 * (3 - size)) if size <= 3 else target >> (8 * (size - 3))
    if compact & _SIGN_BIT:
        compact >>= 8
        size += 1
    return compact | (size << 24)


def difficulty(bits: int) -> float:
    """Difficulty of ``bits``: how many times harder than difficulty 1 (nBits 0x1d00ffff).

    Reproduces Core's ``GetDifficulty`` (``src/rpc/blockchain.cpp``) operation for operation, so
    the float equals what ``getblockheader`` prints.

    Parameters
    ----------
    bits : int
        The 32-bit compact value.

    Returns
    -------
    float
        ``0xffff / mantissa * 256**(29 - size)``, computed with Core's loop of exact
        multiplications by 256.

    Examples
    --------
    >>> difficulty(0x1D00FFFF)
    1.0
    """
    bits = _check_bits(bits)
    shift = (bits >> 24) & 0xFF
    mantissa = bits & 0x00FF_FFFF
    if mantissa == 0:
        raise InvalidInputError(f"bits=0x{bits:08x} has a zero mantissa: difficulty is undefined")
    result = float(0xFFFF) / float(mantissa)
    while shift < 29:
        result *= 256.0
        shift += 1
    while shift > 29:
        result /= 256.0
        shift -= 1
    return result


def target_to_difficulty(target: int) -> float:
    """Difficulty of a full 256-bit target: ``DIFFICULTY_1_TARGET / target`` (a float)."""
    target = integer("target", target, minimum=1)
    return DIFFICULTY_1_TARGET / target
