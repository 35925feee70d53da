"""The difficulty retarget and compact-target arithmetic, vectorised over simulation paths.

:func:`hashtide.protocol.next_bits` is exact but scalar; a 10,000-path, 20-year Monte Carlo needs
about 5 million retargets. The functions here give bit-identical answers on numpy arrays, using
exact 64-bit integer arithmetic, and fall back to the scalar function element by element
wherever an input leaves the domain in which the fast path is proven exact.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hashtide.errors import InvalidInputError
from hashtide.protocol import MAINNET, ChainParams, bits_to_target, next_bits

_SIGN_BIT: Final = 0x0080_0000
_MANTISSA_MASK: Final = 0x007F_FFFF
#: Largest product ``mantissa * span`` (times 2**16, the largest shift tried) that int64 holds.
_INT64_PRODUCT_LIMIT: Final = 2**63 // 2**16
#: Candidate byte shifts of the result relative to the old size (see ``next_bits_array``).
_SHIFTS: Final = (16, 8, 0, -8, -16, -24)


def _as_int64(name: str, values: ArrayLike) -> NDArray[np.int64]:
    array = np.asarray(values)
    if array.dtype.kind not in "iu":
        raise InvalidInputError(f"{name} must be an integer array, got dtype {array.dtype}")
    return array.astype(np.int64, copy=False)


def next_bits_array(
    last_bits: ArrayLike,
    first_block_time_s: ArrayLike,
    last_block_time_s: ArrayLike,
    *,
    params: ChainParams = MAINNET,
) -> NDArray[np.int64]:
    """Compact target of the next retarget period, element-wise over arrays.

    Parameters
    ----------
    last_bits : array_like of int
        Compact targets of the periods that just ended.
    first_block_time_s : array_like of int
        Header times [s since 1970, UTC] of each period's first block.
    last_block_time_s : array_like of int
        Header times [s] of each period's last block.
    params : ChainParams
        Consensus parameters (``MAINNET`` by default).

    Returns
    -------
    numpy.ndarray of int64
        The next compact bits, broadcast to the inputs' common shape; equal element for element
        to :func:`hashtide.protocol.next_bits`.

    Notes
    -----
    Core's ``CalculateNextWorkRequired`` (``src/pow.cpp``) computes
    ``target' = min(target * span // T, powLimit)`` and encodes it with ``GetCompact``
    (``src/arith_uint256.cpp``), which keeps the top three bytes. With
    ``target = m * 256**(s-3)`` (mantissa ``m < 2**23``, size ``s >= 3``) and
    ``X = m * span < 2**47``, the kept bytes of ``target'`` are

    .. math:: c = \\lfloor X \\cdot 2^{d} / T \\rfloor, \\quad d = 8 (s - s'),

    because ``floor(floor(a / b) / c) = floor(a / (b c))`` for positive integers. Exactly one
    ``d`` in {16, 8, 0, -8, -16, -24} puts ``c`` in ``[2**16, 2**24)``; that ``d`` gives the new
    size ``s' = s - d / 8``, and ``c`` is then shifted one byte down if its top bit would read
    as the sign bit, as ``GetCompact`` does. Every step is an exact int64 operation.
    ``target' < 256**s'`` never exceeds ``powLimit`` while ``s'`` is below the byte length of
    ``powLimit``; elements where it might, where ``s < 3``, where ``X`` could overflow, or where
    no ``d`` fits (non-normalised input bits) are computed by the scalar
    :func:`hashtide.protocol.next_bits`.

    References
    ----------
    Bitcoin Core ``src/pow.cpp`` (``CalculateNextWorkRequired``) and ``src/arith_uint256.cpp``
    (``GetCompact``): https://github.com/bitcoin/bitcoin

    Examples
    --------
    Bitcoin Core's ``pow_tests.cpp`` vector ``get_next_work``:

    >>> [hex(b) for b in next_bits_array([0x1D00FFFF], [1261130161], [1262152739])]
    ['0x1d00d86a']
    """
    bits, first, last = np.broadcast_arrays(
        _as_int64("last_bits", last_bits),
        _as_int64("first_block_time_s", first_block_time_s),
        _as_int64("last_block_time_s", last_block_time_s),
    )
    if params.pow_no_retargeting:
        for value in np.unique(bits):
            bits_to_target(int(value))  # validates, as the scalar function does
        return bits.copy()
    timespan = params.pow_target_timespan_s
    span = np.clip(last - first, timespan // 4, timespan * 4)
    size = bits >> 24
    mantissa = bits & _MANTISSA_MASK
    sign = (bits & _SIGN_BIT) != 0
    product = mantissa * span
    ok = (
        (bits >= 0)
        & (bits <= 0xFFFF_FFFF)
        & (size >= 3)
        & (size <= 32)
        & (mantissa > 0)
        & ~sign
        & (span <= _INT64_PRODUCT_LIMIT // max(1, int(mantissa.max(initial=1))))
    )
    new_size = np.zeros_like(bits)
    compact = np.zeros_like(bits)
    found = np.zeros(bits.shape, dtype=bool)
    safe_product = np.where(ok, product, 0)
    for shift in _SHIFTS:
        if shift >= 0:
            candidate = (safe_product << shift) // timespan
        else:
            candidate = (safe_product // timespan) >> -shift
        fits = ok & ~found & (candidate >= 1 << 16) & (candidate < 1 << 24)
        compact = np.where(fits, candidate, compact)
        new_size = np.where(fits, size - shift // 8, new_size)
        found |= fits
    limit_size = (params.pow_limit.bit_length() + 7) // 8
    fast = found & (new_size >= 3) & (new_size < limit_size)
    needs_shift = (compact & _SIGN_BIT) != 0
    compact = np.where(needs_shift, compact >> 8, compact)
    new_size = np.where(needs_shift, new_size + 1, new_size)
    result = np.where(fast, compact | (new_size << 24), 0)
    for index in zip(*np.nonzero(~fast), strict=True):
        result[index] = next_bits(
            int(bits[index]), int(first[index]), int(last[index]), params=params
        )
    return result


def difficulty_array(bits: ArrayLike) -> NDArray[np.float64]:
    """Difficulty of each compact target, equal to :func:`hashtide.protocol.difficulty`.

    Parameters
    ----------
    bits : array_like of int
        Compact targets (valid, non-zero mantissa).

    Returns
    -------
    numpy.ndarray of float64
        ``0xffff / mantissa * 256**(29 - size)``.

    Notes
    -----
    Core's ``GetDifficulty`` (``src/rpc/blockchain.cpp``) multiplies or divides by 256 in a loop;
    scaling a float by a power of two is exact (barring overflow), so one ``ldexp`` gives the
    identical float.
    """
    values = _as_int64("bits", bits)
    mantissa = values & 0x00FF_FFFF
    if np.any(mantissa == 0):
        raise InvalidInputError("bits with a zero mantissa have no difficulty")
    shift = (values >> 24) & 0xFF
    result: NDArray[np.float64] = np.ldexp(
        float(0xFFFF) / mantissa.astype(np.float64), 8 * (29 - shift)
    )
    return result


def work_per_block_hashes(bits: ArrayLike) -> NDArray[np.float64]:
    """Expected hashes per block at each compact target [hashes].

    Parameters
    ----------
    bits : array_like of int
        Compact targets (valid, non-zero, size >= 3).

    Returns
    -------
    numpy.ndarray of float64
        ``2**256 / (target + 1)`` rounded to float (relative error below 1e-15).

    Notes
    -----
    One hash meets the target with probability ``(target + 1) / 2**256``, so the number of
    hashes until a block is geometric with this mean; it is Core's ``GetBlockProof``
    (``src/chain.cpp``). With ``target = m * 2**(8 (s - 3))``:
    ``2**256 / (target + 1) = 2**(256 - 8 (s - 3)) / m / (1 + 1 / target)``. The common
    convention ``difficulty * 2**32`` is smaller by the factor 65535 / 65536.
    """
    values = _as_int64("bits", bits)
    mantissa = (values & _MANTISSA_MASK).astype(np.float64)
    size = values >> 24
    if np.any(mantissa == 0) or np.any(size < 3):
        raise InvalidInputError("bits must encode a target >= 2**16 with a non-zero mantissa")
    exponent = 8 * (size - 3)
    inverse_target = np.ldexp(1.0 / mantissa, -exponent)
    result: NDArray[np.float64] = np.ldexp(1.0 / mantissa, 256 - exponent) / (1.0 + inverse_target)
    return result
