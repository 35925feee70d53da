"""Uploaded files: size limits, decoding, and a private folder per upload.

An upload arrives as a ``data:…;base64,…`` URL (Dash's ``dcc.Upload``). It is checked against
its size limit, decoded and written under the server's work folder with a safe name, so that
hashtide's own loaders (:func:`hashtide.scenario.load_scenario`,
:func:`hashtide.regulation.load_meters`, :func:`hashtide.regulation.facilities.load_facilities`)
read it exactly as the CLI reads a file: same checks, same messages.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from hashtide.errors import InvalidInputError

#: Largest scenario, facilities or rule-pack file accepted [bytes] (the CLI's YAML limit).
MAX_YAML_UPLOAD_BYTES: Final = 1_000_000
#: Largest meter CSV accepted from the browser [bytes] (the CLI reads up to 200 MB from disk).
MAX_METER_UPLOAD_BYTES: Final = 20_000_000
#: Largest total of one meter upload (all files together) [bytes].
MAX_METERS_UPLOAD_BYTES: Final = 60_000_000
#: Most meter files in one upload.
MAX_METER_FILES: Final = 200
#: Largest request the server accepts at all [bytes]: the meter total, base64-encoded, plus room.
MAX_REQUEST_BYTES: Final = 90_000_000

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_TOKEN = re.compile(r"^[0-9a-f]{16}$")


def safe_name(filename: str, *, suffixes: Sequence[str]) -> str:
    """A file name safe to write: no folders, only ``[A-Za-z0-9._-]``, one of ``suffixes``.

    Examples
    --------
    >>> safe_name("../../etc/my scenario.yaml", suffixes=(".yaml", ".yml"))
    'my_scenario.yaml'
    >>> safe_name("meters.txt", suffixes=(".csv",))
    Traceback (most recent call last):
    ...
    hashtide.errors.InvalidInputError: 'meters.txt': expected a .csv file
    """
    base = Path(filename.replace("\\", "/")).name
    stem, dot, suffix = base.rpartition(".")
    if not dot or f".{suffix.lower()}" not in suffixes:
        raise InvalidInputError(f"{base or filename!r}: expected a {' or '.join(suffixes)} file")
    stem = _UNSAFE.sub("_", stem).strip("._") or "upload"
    return f"{stem[:80]}.{suffix.lower()}"


def decode(contents: str, filename: str, *, limit_bytes: int) -> bytes:
    """The bytes of one upload; refuses more than ``limit_bytes`` before decoding it all.

    Examples
    --------
    >>> decode("data:text/csv;base64,YSxiCg==", "x.csv", limit_bytes=100)
    b'a,b\\n'
    >>> decode("data:text/csv;base64,YSxiCg==", "x.csv", limit_bytes=2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hashtide.errors.InvalidInputError: x.csv: 4 bytes is more than the dashboard accepts (2 ...
    """
    _, sep, payload = contents.partition(",")
    if not sep:
        raise InvalidInputError(f"{filename}: the upload is not a data URL")
    size = len(payload) * 3 // 4 - payload[-2:].count("=")
    if size > limit_bytes:
        raise InvalidInputError(
            f"{filename}: {size:,} bytes is more than the dashboard accepts ({limit_bytes:,} "
            "bytes); run the CLI on a file this large"
        )
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInputError(f"{filename}: the upload is not valid base64") from None


def new_folder(root: Path) -> tuple[str, Path]:
    """A fresh, private upload folder under ``root``: ``(token, folder)``."""
    token = secrets.token_hex(8)
    folder = root / "uploads" / token
    folder.mkdir(parents=True, mode=0o700)
    return token, folder


def folder_of(root: Path, token: str) -> Path:
    """The upload folder of ``token`` (refuses anything but a token this server made)."""
    folder = root / "uploads" / token
    if not _TOKEN.match(token) or not folder.is_dir():
        raise InvalidInputError("the uploaded files are gone; upload them again")
    return folder


def save_one(
    root: Path, contents: str, filename: str, *, suffixes: Sequence[str], limit_bytes: int
) -> Path:
    """Check, decode and write one uploaded file; return its path."""
    name = safe_name(filename, suffixes=suffixes)
    data = decode(contents, filename, limit_bytes=limit_bytes)
    _, folder = new_folder(root)
    path = folder / name
    path.write_bytes(data)
    return path


def save_meters(root: Path, contents: Sequence[str], filenames: Sequence[str]) -> tuple[str, Path]:
    """Check and write uploaded meter CSVs into one folder; every problem listed at once."""
    if len(contents) > MAX_METER_FILES:
        raise InvalidInputError(
            f"{len(contents)} files: the dashboard screens at most {MAX_METER_FILES} meters at "
            "once; use 'hashtide screen FOLDER' for more"
        )
    problems: list[str] = []
    files: dict[str, bytes] = {}
    total = 0
    for text, filename in zip(contents, filenames, strict=True):
        try:
            name = safe_name(filename, suffixes=(".csv",))
            if name in files:
                raise InvalidInputError(f"{filename}: two files named {name!r}")
            data = decode(text, filename, limit_bytes=MAX_METER_UPLOAD_BYTES)
        except InvalidInputError as exc:
            problems.append(str(exc))
            continue
        total += len(data)
        files[name] = data
    if total > MAX_METERS_UPLOAD_BYTES:
        problems.append(
            f"{total:,} bytes in all: more than the dashboard accepts at once "
            f"({MAX_METERS_UPLOAD_BYTES:,} bytes)"
        )
    if problems:
        raise InvalidInputError("\n".join(problems))
    token, folder = new_folder(root)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return token, folder
