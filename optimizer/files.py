"""Files written completely or not at all, and destination folders: shared by every stage."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import OutputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: str | Path, content: str | bytes) -> None:
    """Write a file completely or not at all: a temporary file in the same folder, then a rename.

    The file gets the permissions of the one it replaces, or those of a newly created file (not
    the owner-only mode of a temporary file). A folder that does not exist is an error, not
    created: a typo in it should not put the file somewhere unexpected.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise OutputError(f"{target}: cannot write: the folder {target.parent} does not exist")
    if target.is_dir():
        raise OutputError(f"{target}: cannot write: it is a folder; allowed: a file name")
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask()
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"{target}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def make_folder(folder: str | Path, option: str) -> Path:
    """The folder an option names as a destination, made if missing; its parent must exist (a typo
    in it should not scatter files somewhere unexpected)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{option} {folder}: cannot write into it: it is a file; allowed: a folder (made if missing)")
    if not folder.parent.is_dir():
        raise OutputError(f"{option} {folder}: cannot make the folder: {folder.parent} does not exist")
    folder.mkdir(exist_ok=True)
    return folder
