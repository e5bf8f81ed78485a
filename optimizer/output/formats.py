"""JSON that holds only finite numbers, and number formats for people."""

from __future__ import annotations

import json
import math
from typing import Any

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}


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
