"""Writing output files atomically: a reader never sees a half-written file."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from hashtide.errors import HashtideError, InvalidInputError


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``.

    If ``write`` raises, ``path`` is left as it was and the temporary file is removed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent
    )
    os.close(handle)
    tmp = Path(tmp_name)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


# --- output folders -----------------------------------------------------------------------------

_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]+")


def safe_folder_name(name: str, *, fallback: str = "scenario") -> str:
    """``name`` (e.g. a scenario's name) as one folder name that cannot leave its parent.

    Anything but letters, digits, ``.``, ``_``, ``+`` and ``-`` becomes ``-``; leading and
    trailing dots and dashes go, so ``..``, ``/`` and ``\\`` can never make a path outside the
    output root. An empty result gives ``fallback``.

    Examples
    --------
    >>> safe_folder_name("us-state-reserve")
    'us-state-reserve'
    >>> safe_folder_name("../../../tmp/x")
    'tmp-x'
    >>> safe_folder_name("China ban: 2021 / counterfactual")
    'China-ban-2021-counterfactual'
    >>> safe_folder_name("..")
    'scenario'
    """
    slug = _SLUG_UNSAFE.sub("-", name).strip(".-")
    slug = re.sub(r"\.{2,}", ".", slug)
    return slug[:100] or fallback


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists() or candidate.is_symlink():
            return candidate
    return Path.cwd()  # pragma: no cover - a relative path's parents end at '.', which exists


def check_output_folder(path: Path, *, option: str = "--out") -> Path:
    """Check, before any work, that the folder ``path`` can be created or written into.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    InvalidInputError
        If ``path`` is an existing file, lies below a file (``/dev/null/x``), or no file can be
        made in its nearest existing folder (a temporary one is made and removed to check:
        ``/proc``, a read-only mount) — naming ``option`` and the path.
    """
    path = Path(path)
    existing = _nearest_existing(path)
    if not existing.is_dir():
        if existing == path:
            raise InvalidInputError(
                f"{option} {str(path)!r} is a file; give a folder (or move the file away)"
            )
        raise InvalidInputError(
            f"{option} {str(path)!r} cannot be created: {str(existing)!r} is not a folder"
        )
    where = "" if existing == path else f" (its folder {str(existing)!r})"
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InvalidInputError(f"{option} {str(path)!r}{where} is not writable")
    # os.access trusts the mode bits (and root passes them all): /proc, a read-only mount or a
    # full disk only show when a file is made there. Make one and remove it.
    try:
        handle, probe = tempfile.mkstemp(prefix=".hashtide-write-check-", dir=existing)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InvalidInputError(
            f"{option} {str(path)!r}{where} is not writable: no file can be made there ({reason})"
        ) from None
    os.close(handle)
    os.unlink(probe)
    return path


def check_output_file(path: Path, *, option: str) -> Path:
    """Check, before any work, that the file ``path`` can be written (see
    :func:`check_output_folder`); an existing folder of that name is refused."""
    path = Path(path)
    if path.is_dir():
        raise InvalidInputError(f"{option} {str(path)!r} is a folder; give a file name")
    check_output_folder(path.parent, option=f"{option} {str(path)!r}: the folder")
    return path


def write_folder(
    target: Path, fill: Callable[[Path], object], *, option: str = "--out"
) -> list[Path]:
    """Write a command's outputs into ``target`` all at once, or not at all.

    ``fill(folder)`` writes every file into a scratch folder created beside ``target`` (same
    file system); only when it has returned are the files moved into place: the scratch folder
    is renamed to ``target`` if that does not exist yet, else each file replaces its namesake
    there (one rename each; other files in ``target`` are left alone). If ``fill`` raises —
    a full disk, a bug — the scratch folder and any parent folders made for it are removed, and
    ``target`` is as it was.

    Returns
    -------
    list of Path
        The files (and folders) written, at their final place, sorted by name.

    Raises
    ------
    InvalidInputError
        If ``target`` cannot be a folder (see :func:`check_output_folder`).
    HashtideError
        If writing fails (``OSError``, e.g. no space left); nothing is left behind.
    """
    target = Path(target)
    check_output_folder(target, option=option)
    real = Path(os.path.abspath(target))  # '.' and 'a/..' have a usable name and parent
    made = [p for p in (real.parent, *real.parent.parents) if not p.exists()]
    scratch: Path | None = None
    moving = False
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{real.name}.partial-", dir=real.parent))
        fill(scratch)
        names = sorted(entry.name for entry in scratch.iterdir())
        if not real.exists():
            os.chmod(scratch, 0o777 & ~_umask())
            scratch.rename(real)
            scratch = None
        else:
            moving = True
            for name in names:
                if (scratch / name).is_dir() and (real / name).is_dir():
                    shutil.rmtree(real / name)
                os.replace(scratch / name, real / name)
        return [target / name for name in names]
    except OSError as exc:
        raise HashtideError(
            f"could not write {str(target)!r}: {exc.strerror or exc}"
            + ("" if moving else "; nothing was written")
        ) from exc
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
            if not real.exists():
                for folder in made:  # innermost first; only the ones made here, if empty
                    try:
                        folder.rmdir()
                    except OSError:
                        break


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask
