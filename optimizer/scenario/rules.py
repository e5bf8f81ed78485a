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
from decimal import Context, Decimal

from pydantic_core import PydanticCustomError

ERROR_TYPE = "campaign_value"


SHOWN_IN_FULL = 80  # characters: a user's text up to this long is quoted whole in a message
SHOWN_START = 40  # characters: of longer text, the start is quoted, then "…" and its length


def shorten(text: str) -> str:
    """A user's text as every message echoes it: whole up to :data:`SHOWN_IN_FULL` characters, else
    its first :data:`SHOWN_START`, "…" and its length (a 10,000-character name must not fill the screen).

    >>> shorten("email"), shorten("a" * 10_000)
    ('email', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa… (10,000 characters)')
    """
    if len(text) <= SHOWN_IN_FULL:
        return text
    return f"{text[:SHOWN_START]}… ({len(text):,} characters)"


LISTED = 20  # names: a longer list in a message shows its first ones and how many there are


def listing(words) -> str:
    """Names as a message lists them (an "allowed" list of channels, metrics, periods): each by
    :func:`shorten`, at most :data:`LISTED` of them.

    >>> listing(["email", "events"]), listing([f"c{i}" for i in range(30)])[-28:]
    ('email, events', 'c17, c18, c19, … (30 in all)')
    """
    words = [str(w) for w in words]
    shown = ", ".join(shorten(w) for w in words[:LISTED])
    return shown + (f", … ({len(words):,} in all)" if len(words) > LISTED else "")


def scientific(number: Decimal | int) -> str:
    """A number too long to quote digit by digit, in scientific notation to 7 digits: ``1e400``.

    >>> scientific(10 ** 400), scientific(Decimal("-12345678912e300"))
    ('1e400', '-1.234568e310')
    """
    exact = Decimal(number) if isinstance(number, int) else number
    rounded = Context(prec=7).create_decimal(exact).normalize()
    return f"{rounded:e}".replace("e+", "e").replace("e0", "")


LONGEST_NUMBER = 40  # characters: a longer typed number is quoted in scientific notation


def show(value: object) -> str:
    """A user's value as the message quotes it: text in quotes, numbers as written (shortened, one line)."""
    if isinstance(value, str):  # one line, whatever the text: a message is one line per problem
        return '"' + shorten(value).replace("\r", "\\r").replace("\n", "\\n") + '"'
    if isinstance(value, bool):
        return "true" if value else "false"  # as YAML spells it
    if value is None:
        return "an empty value"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, int) and abs(value) >= 10 ** LONGEST_NUMBER:
        return scientific(value)
    return shorten(str(value))


def fail(wrong: str, allowed: str) -> PydanticCustomError:
    """The one error template: what is wrong; allowed: what is allowed."""
    return PydanticCustomError(ERROR_TYPE, "{wrong}; allowed: {allowed}", {"wrong": wrong, "allowed": allowed})


LARGEST = 1e15  # the documented range of the input: typed numbers at most 1e15 in size,
SMALLEST_RATE = 1e-12  # and rates at least 1e-12 (see "Limits of the input" in docs/scenario-format.md)
LIMITS_DOC = 'docs/scenario-format.md, "Limits of the input"'


def show_limit(number: float) -> str:
    """A limit as the docs write it: 1e15, 1e-12, 0, 1."""
    return show(number) if abs(number) < 1e6 and number == int(number) else f"{number:g}".replace("e+", "e")


@dataclass(frozen=True)
class NumberRule:
    """A number field's rule: its bounds, whether "12%" is accepted, and how to name a bad value.

    ``low`` and ``high`` are the bounds the check applies; unless a field has tighter ones they
    are the documented range of the input (:data:`LARGEST`; :data:`SMALLEST_RATE` for a rate,
    whose range reads (0, 1]). The "allowed" text shows the field's own range; a value outside
    only the documented range is told so, with that range.

    >>> RATE("1e-13")
    Traceback (most recent call last):
    pydantic_core._pydantic_core.PydanticCustomError: "1e-13" is below 1e-12; allowed: a rate in [1e-12, 1]: \
rates at least 1e-12 (docs/scenario-format.md, "Limits of the input")
    """

    noun: str
    low: float | None = -LARGEST
    high: float | None = LARGEST
    low_open: bool = False
    percent: bool = False
    optional: bool = True

    @property
    def _own_low(self) -> tuple[float | None, bool]:
        """The field's own lower bound, open or not, as its message shows it (None: none)."""
        if self.low == -LARGEST:
            return None, False
        if self.low == SMALLEST_RATE:
            return 0.0, True
        return self.low, self.low_open

    @property
    def _own_high(self) -> float | None:
        return None if self.high == LARGEST else self.high

    @property
    def allowed(self) -> str:
        low, low_open = self._own_low
        high = self._own_high
        if low is not None and high is not None:
            text = f"a number in {'(' if low_open else '['}{show(float(low))}, {show(float(high))}]"
        elif low is not None:
            text = f"a number {'>' if low_open else '>='} {show(float(low))}"
        else:
            text = "a number"
        if self.percent:
            text += ', or a percentage such as "12%"'
        elif low is None or high is None:
            text += " (4800000, 4_800_000 or 4.8e6)"
        return text

    def _documented(self, which: str) -> str:
        """The "allowed" text of a value outside the documented range of the input only."""
        if which == "rate":
            return f"a rate in [{show_limit(self.low)}, {show_limit(self.high)}]: rates at least " \
                   f"{show_limit(SMALLEST_RATE)} ({LIMITS_DOC})"
        low, low_open = self._own_low
        low_text = f"{'(' if low_open else '['}{show_limit(low)}" if low is not None else f"[{show_limit(-LARGEST)}"
        return f"a number in {low_text}, {show_limit(self.high)}]: typed numbers at most {show_limit(LARGEST)} " \
               f"in size ({LIMITS_DOC})"

    def parse(self, value: object) -> float | None:
        if value is None and self.optional:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise fail(f"{show(value)} is not a number", self.allowed)
        number = parse_number(value, self.percent)
        if number is None:
            raise fail(f"{show(value)} is not a number", self.allowed)
        shown = show(value)
        if isinstance(value, str) and len(value) > LONGEST_NUMBER:  # 300 digits: in scientific notation
            exact = parse_decimal(value, self.percent)
            shown = scientific(exact) if exact.is_finite() else shown
        low, low_open = self._own_low
        if not math.isfinite(number):
            exact = Decimal(value) if isinstance(value, int) else parse_decimal(value, self.percent)
            if exact is not None and not isinstance(value, float) and exact.is_finite():
                # typed digits beyond any float (1e400, or 400 digits): outside the field's own range,
                # or else the documented range of the input, never "not a finite number"
                if (self._own_high is not None and exact > 0) or (low is not None and exact < 0):
                    raise fail(f"{shown} is not {self.noun}", self.allowed)
                where = "larger than the documented " if exact > 0 else "smaller than the documented -"
                raise fail(f"{shown} is {where}{show_limit(LARGEST)}", self._documented("size"))
            raise fail(f"{shown} is not a finite number", self.allowed)
        below = low is not None and (number <= low if low_open else number < low)
        above = self._own_high is not None and number > self._own_high
        if below or above:
            raise fail(f"{shown} is not {self.noun}", self.allowed)
        if self.low is not None and number < self.low:
            documented = "rate" if self.low == SMALLEST_RATE else "size"
            raise fail(f"{shown} is below {show_limit(self.low)}", self._documented(documented))
        if self.high is not None and number > self.high:
            raise fail(f"{shown} is above {show_limit(self.high)}", self._documented("size"))
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
    # ASCII only: Decimal and float also read other scripts' digits ("١٢٣" as 123), which no one types as a number
    if not text or not text.isascii() or "," in text or " " in text:
        return None
    try:
        number = Decimal(_underscores(text))
        if number.is_snan():  # float() refuses a signalling NaN; it is NaN as any other
            number = Decimal("NaN")
        return number / scale if scale != 1 else number
    except (ArithmeticError, ValueError):  # InvalidOperation, and Overflow dividing 1e999999999%
        return None


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
        try:
            return float(value)
        except OverflowError:  # an integer beyond any float (copysign would overflow converting it too)
            return math.inf if value > 0 else -math.inf
    number = parse_decimal(value, percent)
    return None if number is None else to_float(number)


POSITIVE = NumberRule("a positive number", low=0, low_open=True)
NON_NEGATIVE = NumberRule("a number >= 0", low=0)
RATE = NumberRule("a rate", low=SMALLEST_RATE, high=1, percent=True)
SHARE = NumberRule("a share", low=0, high=1, percent=True)
ANY_NUMBER = NumberRule("a number")
