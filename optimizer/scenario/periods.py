"""Periods: a value or a limit given per period, the sales cycle, and the rules that say which is which.

A scenario with ``periods: [Q1, Q2, Q3, Q4]`` may give any limit (``budget``, a target, a cap, a
channel's ``max_units``...) as a number (over the whole horizon) or a mapping by period (``{Q1:
700, total: 2_400_000}``), and any price, rate, ``deal_value`` or yield as a number (the same in
every period) or a mapping naming every period in which the channel is available. Without
``periods`` every such field is a number, exactly as before periods existed.

>>> horizon({"total": 5, "Q1": 2}), by_period({"total": 5, "Q1": 2}), horizon(3.0)
(5, {'Q1': 2}, 3.0)
>>> at({"Q1": 0.1, "Q2": 0.2}, "Q2"), at(0.3, "Q4")
(0.2, 0.3)
"""

from __future__ import annotations

import difflib
import math
from typing import Any

from pydantic_core import PydanticCustomError

from .rules import ERROR_TYPE, SHARE, NumberRule, fail, show

TOTAL = "total"  # a limit mapping's key for the whole horizon
# keys a period may not be named: they mean something else where a period name may stand
RESERVED = (TOTAL, "low", "expected", "high", "cost", "up_to")
CYCLE_TOLERANCE = 1e-9


def nearest_period(word: str, periods) -> str | None:
    """The period an unknown name most likely means, for "did you mean" hints: the same name in
    another case, else the nearest even when it is not very near (period names are short: Q7 -> Q3).

    >>> nearest_period("JAN", ["Jan", "Feb"]), nearest_period("Q04", ["Q1", "Q4"]), nearest_period("x", ["Q1"])
    ('Jan', 'Q4', None)
    """
    options = [str(p) for p in periods]
    same = [p for p in options if p.casefold() == str(word).casefold()]
    if same:
        return same[0]
    found = difflib.get_close_matches(str(word), options, n=1, cutoff=0.4)
    return found[0] if found else None


def horizon(value: Any) -> Any:
    """A limit over the whole horizon: the number itself, or a mapping's ``total`` (None: none)."""
    return value.get(TOTAL) if isinstance(value, dict) else value


def by_period(value: Any) -> dict[str, float]:
    """A limit's per-period entries (``{}`` for a number)."""
    return {k: v for k, v in value.items() if k != TOTAL} if isinstance(value, dict) else {}


def at(value: Any, period: str | None) -> Any:
    """A value in one period: the number itself (the same in every period), or the mapping's entry."""
    return value.get(period) if isinstance(value, dict) else value


def value_in(value: Any, period: str | None) -> Any:
    """A price, rate or yield in ``period``; where a mapping does not name it (the channel is not
    available then, so it buys nothing there) its first entry stands in."""
    found = at(value, period)
    return first(value) if found is None else found


def first(value: Any) -> Any:
    """A value as one number where one is needed to describe it: a mapping's first entry."""
    return next(iter(value.values()), None) if isinstance(value, dict) else value


VALUE_FIELDS = ("cost_per_contact", "cost_per_lead", "cost_per_qualified_lead", "unit_cost", "response_rate",
                "qualification_rate", "opportunity_rate", "win_rate", "deal_value")


def varies_by_period(channel: Any) -> bool:
    """Whether a channel's price, a rate of its own or a yield is given by period."""
    own = channel.__dict__
    return (any(type(own[f]) is dict for f in VALUE_FIELDS)
            or any(type(v) is dict for v in (own["yields"] or {}).values()))


def per_period(rule: NumberRule, quick, limit: bool):
    """A validator for a field that is ``rule``'s number, or a mapping of period names to such numbers.

    ``quick`` checks a plain number (the usual case, kept as fast as before periods); a bad entry of
    a mapping is named by its key (``channels[email].qualification_rate.Q3``). Whether the keys are
    periods of the scenario is a rule across fields (the scenario knows its periods); ``limit``
    says whether ``total`` is one of them.
    """

    def check(value: Any) -> Any:
        if not isinstance(value, dict):
            return quick(value)
        out: dict[str, float] = {}
        for key, entry in value.items():
            if not isinstance(key, str):
                raise fail(f"the key {show(key)} is not text", "period names" + (" or total" if limit else ""))
            if entry is None:
                raise _at_key(key, fail("an empty value is not a number", rule.allowed))
            try:
                out[key] = rule(entry)
            except PydanticCustomError as exc:
                raise _at_key(key, exc) from None
        return out

    return check


def _at_key(key: str, exc: PydanticCustomError) -> PydanticCustomError:
    """The rule's own error, marked with the mapping key it is about (the field path gains ``.KEY``)."""
    context = dict(exc.context or {})
    context["key"] = key
    return PydanticCustomError(ERROR_TYPE, exc.message_template, context)


def cycle(value: Any) -> tuple[float, ...] | None:
    """A sales cycle: shares (percentages accepted) of a period's deals closing 0, 1, 2... periods later.

    >>> cycle(["30%", 0.5, 0.2])
    (0.3, 0.5, 0.2)
    >>> cycle([1.2, -0.2])
    Traceback (most recent call last):
    pydantic_core._pydantic_core.PydanticCustomError: 2 shares are wrong: [0] 1.2 is not a share, [1] -0.2 is not \
a share; allowed: a number in [0, 1], or a percentage such as "12%"
    """
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or not value:
        raise fail(f"{show(value)} is not a list of shares", 'a list such as [0.3, 0.5, 0.2] (or ["30%", "50%", '
                                                               '"20%"]) summing to 1')
    shares, bad = [], []
    for k, entry in enumerate(value):
        try:
            number = SHARE(entry)
        except PydanticCustomError as exc:
            bad.append((k, exc))
            continue
        if number is None:
            bad.append((k, fail("an empty value is not a share", SHARE.allowed)))
            continue
        shares.append(number)
    if len(bad) == 1:
        raise _at_key(str(bad[0][0]), bad[0][1])
    if bad:  # name every bad share, not only the first: the fix is then made once
        wrong = ", ".join(f"[{k}] {(exc.context or {}).get('wrong', exc.message())}" for k, exc in bad)
        allowed = " / ".join(dict.fromkeys(str((exc.context or {}).get("allowed", SHARE.allowed)) for _, exc in bad))
        raise fail(f"{len(bad)} shares are wrong: {wrong}", allowed)
    total = math.fsum(shares)
    if abs(total - 1.0) > CYCLE_TOLERANCE:
        raise fail(f"the shares sum to {show(total)}, not 1", "shares >= 0 summing to 1 (within 1e-9)")
    return tuple(shares)
