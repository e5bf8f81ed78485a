"""What a numeric field allows, declared once as data.

The same ``NumberRule`` object parses a value, checks it and renders the "allowed" part of the
message, so what the error says cannot drift from what the check does (the scikit-learn habit).

>>> RATE("12%")
0.12
>>> POSITIVE("4.8e6")
4800000.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from pydantic_core import PydanticCustomError

ERROR_TYPE = "campaign_value"


def show(value: object) -> str:
    """A user's value as the message quotes it: text in quotes, numbers as written."""
    if isinstance(value, str):  # one line, whatever the text: a message is one line per problem
        return '"' + value.replace("\r", "\\r").replace("\n", "\\n") + '"'
    if isinstance(value, bool):
        return "true" if value else "false"  # as YAML spells it
    if value is None:
        return "an empty value"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def fail(wrong: str, allowed: str) -> PydanticCustomError:
    """The one error template: what is wrong; allowed: what is allowed."""
    return PydanticCustomError(ERROR_TYPE, "{wrong}; allowed: {allowed}", {"wrong": wrong, "allowed": allowed})


@dataclass(frozen=True)
class NumberRule:
    """A number field's rule: its bounds, whether "12%" is accepted, and how to name a bad value."""

    noun: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    percent: bool = False
    optional: bool = True

    @property
    def allowed(self) -> str:
        if self.low is not None and self.high is not None:
            text = f"a number in {'(' if self.low_open else '['}{show(float(self.low))}, {show(float(self.high))}]"
        elif self.low is not None:
            text = f"a number {'>' if self.low_open else '>='} {show(float(self.low))}"
        else:
            text = "a number"
        if self.percent:
            text += ', or a percentage such as "12%"'
        elif self.low is None or self.high is None:
            text += " (4800000, 4_800_000 or 4.8e6)"
        return text

    def parse(self, value: object) -> float | None:
        if value is None and self.optional:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise fail(f"{show(value)} is not a number", self.allowed)
        number = parse_number(value, self.percent)
        if number is None:
            raise fail(f"{show(value)} is not a number", self.allowed)
        if not math.isfinite(number):
            raise fail(f"{show(value)} is not a finite number", self.allowed)
        below = self.low is not None and (number <= self.low if self.low_open else number < self.low)
        above = self.high is not None and number > self.high
        if below or above:
            raise fail(f"{show(value)} is not {self.noun}", self.allowed)
        return number

    __call__ = parse


def parse_decimal(value: int | float | str, percent: bool = False) -> Decimal | None:
    """The exact number a YAML scalar or a typed text names, in decimal (None: not a number).

    Typed numbers become floats in one place, :func:`parse_number`, from this decimal: so "7%"
    is the same float as 0.07, and a range's points computed from it (``sweeps.parse_values``)
    are the floats their text would parse to.

    >>> parse_decimal("4_800_000"), parse_decimal("1.1%", percent=True)
    (Decimal('4800000'), Decimal('0.011'))
    """
    if isinstance(value, bool):
        return None
    if not isinstance(value, str):
        # repr is the shortest text that reads back as the same float: 0.1 stays 0.1
        return Decimal(repr(float(value))) if math.isfinite(value) else Decimal(str(float(value)))
    text = value.strip()
    scale = 1
    if percent and text.endswith("%"):
        text, scale = text[:-1].strip(), 100
    if not text or "," in text or " " in text:
        return None
    try:
        number = Decimal(text.replace("_", "") if scale == 100 else _underscores(text))
    except (InvalidOperation, ValueError):
        return None
    return number / scale if scale != 1 else number


def _underscores(text: str) -> str:
    """Underscores as Python's float() takes them: between digits only ("4_800_000", not "_4")."""
    float(text)  # raises ValueError where float() would not read the text
    return text.replace("_", "")


def to_float(number: Decimal) -> float:
    """The float nearest a decimal (the one conversion of a typed number)."""
    return float(number)


def parse_number(value: int | float | str, percent: bool = False) -> float | None:
    """A number from a YAML scalar: 4800000, 4_800_000, "4.8e6", "1e6", and "12%" where allowed."""
    if not isinstance(value, str):
        return float(value)
    number = parse_decimal(value, percent)
    return None if number is None else to_float(number)


POSITIVE = NumberRule("a positive number", low=0, low_open=True)
NON_NEGATIVE = NumberRule("a number >= 0", low=0)
RATE = NumberRule("a rate", low=0, high=1, low_open=True, percent=True)
SHARE = NumberRule("a share", low=0, high=1, percent=True)
ANY_NUMBER = NumberRule("a number")
