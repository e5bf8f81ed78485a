"""Writing results: atomic files, JSON that holds only finite numbers, number formats for people."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}


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
    from .errors import OutputError

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


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


INDENT_UP_TO = 1_000_000  # characters: larger documents stay on one line (indenting runs in pure Python)


def to_json(document: Any) -> str:
    """One JSON document; any inf or NaN left becomes null (JSON has neither).

    Indented for people, except past about a megabyte, where Python's indenting encoder would cost
    seconds (measured: 2.2 s of 3.1 s for a 30,000-channel plan) and a program reads it anyway.
    """
    try:  # the usual case: every number is finite already, and the walk below is skipped
        clean, text = document, json.dumps(document, allow_nan=False, ensure_ascii=False)
    except ValueError:
        clean = _clean(document)
        text = json.dumps(clean, allow_nan=False, ensure_ascii=False)
    if len(text) <= INDENT_UP_TO:
        text = json.dumps(clean, indent=2, allow_nan=False, ensure_ascii=False)
    return text + "\n"


def number(value: float | None, digits: int = 2) -> str:
    """1234567.8 -> '1,234,568'; 12.345 -> '12.35'; None -> '-'."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if round(value, digits) == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}".rstrip("0").rstrip(".")


def money(value: float | None, currency: str = "USD") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    symbol = SYMBOLS.get(currency)
    size = abs(value)
    if size >= 100 or round(size, 4) == 0:
        text = f"{size:,.0f}"
    elif size >= 1:
        text = f"{size:,.2f}"
    else:  # a price per contact such as $0.004: keep up to 4 decimals, at least 2
        text = f"{size:.4f}".rstrip("0")
        text += "0" * max(0, 4 - len(text))
    sign = "-" if value < 0 and text.strip("0.,") else ""
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def make_folder(folder: str | Path, option: str) -> Path:
    """The folder an option names as a destination, made if missing; its parent must exist (a typo
    in it should not scatter files somewhere unexpected)."""
    from .errors import OutputError

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{option} {folder}: cannot write into it: it is a file; allowed: a folder (made if missing)")
    if not folder.parent.is_dir():
        raise OutputError(f"{option} {folder}: cannot make the folder: {folder.parent} does not exist")
    folder.mkdir(exist_ok=True)
    return folder
