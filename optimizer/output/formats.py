"""JSON that holds only finite numbers, and number formats for people.

One place decides what is money: :func:`is_money` (spend, revenue, budget, profit, prices, spend
limits, constraints over spend or revenue), and :func:`quantity` prints any metric, limit or field
by it, so ``targets.revenue`` reads ``$4,800,000`` in every command.

One place writes CSV: :func:`csv_document`, whose text cells go through :func:`csv_text`, so a
scenario's own words (its name, metric keys, constraint names) never open as formulas in a
spreadsheet.

>>> quantity("targets.revenue", 4.8e6), quantity("caps.qualified_leads", 1300)
('$4,800,000', '1,300')
"""

from __future__ import annotations

import csv
import io
import json
import math
import numbers
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario.schema import Scenario

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


INDENT_UP_TO = 1_000_000  # characters: larger documents stay on one line (indenting them is partly pure Python)


def to_json(document: Any) -> str:
    """One JSON document; any inf or NaN left becomes null (JSON has neither).

    Indented for people (:func:`indented_json`), except past about a megabyte, where indenting would
    cost seconds (measured with Python's encoder: 2.2 s of 3.1 s for a 30,000-channel plan) and a
    program reads it anyway.
    """
    try:  # the usual case: every number is finite already, and the walk below is skipped
        clean, text = document, json.dumps(document, allow_nan=False, ensure_ascii=False)
    except ValueError:
        clean = _clean(document)
        text = json.dumps(clean, allow_nan=False, ensure_ascii=False)
    if len(text) <= INDENT_UP_TO:
        text = indented_json(clean)
    return text + "\n"


def indented_json(data: Any) -> str:
    """``json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)``, the same text, for data
    that ``json.dumps`` has just written once (finite numbers, no cycles), about twice as fast.

    Python's indenting encoder runs in pure Python, one generator step per item; here a list or
    mapping of plain values (most of a plan's or an analysis's containers) is written by the C
    encoder in one call, its separator carrying the line break and the indentation of its level,
    and only the containers around them are walked in Python.
    """
    if _c_make_encoder is None:  # pragma: no cover (CPython has its C accelerator)
        return json.dumps(data, indent=2, allow_nan=False, ensure_ascii=False)
    out: list[str] = []
    _indent_into(out.append, data, 0)
    return "".join(out)


_c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
_encode_text = json.encoder.encode_basestring  # ensure_ascii=False: text as it is, quotes and controls escaped
_CONTAINERS = (dict, list, tuple)
_flat_encoders: dict[int, Any] = {}


def _flat_encoder(level: int):
    """The C encoder of a container at ``level`` whose items are plain values: items one per line,
    indented for ``level + 1``."""
    encoder = _flat_encoders.get(level)
    if encoder is None:
        encoder = _flat_encoders[level] = _c_make_encoder(
            None, _not_serializable, _encode_text, None, ": ", ",\n" + "  " * (level + 1), False, False, False)
    return encoder


def _not_serializable(value: Any) -> Any:
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


def _plain(value: Any) -> str:
    """A value that is no list or mapping, as json.dumps writes it."""
    if isinstance(value, str):
        return _encode_text(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return float.__repr__(value)
    return "".join(_flat_encoder(0)([value], 0))[1:-1]  # anything else: as the C encoder says (TypeError)


def _key(key: Any) -> str:
    """A mapping's key as json.dumps writes it: text, or a number, true, false or null quoted."""
    if isinstance(key, str):
        return _encode_text(key)
    if isinstance(key, float):
        return '"' + float.__repr__(key) + '"'
    if key is True or key is False or key is None:
        return '"' + {True: "true", False: "false", None: "null"}[key] + '"'
    if isinstance(key, int):
        return '"' + int.__repr__(key) + '"'
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


def _indent_into(put, value: Any, level: int) -> None:
    if not isinstance(value, _CONTAINERS):
        put(_plain(value))
        return
    mapping = isinstance(value, dict)
    if not value:
        put("{}" if mapping else "[]")
        return
    pad = "  " * level
    items = value.values() if mapping else value
    if not any(isinstance(item, _CONTAINERS) for item in items):
        text = "".join(_flat_encoder(level)(value, 0))
        put(f"{text[0]}\n{pad}  {text[1:-1]}\n{pad}{text[-1]}")
        return
    between = ",\n" + pad + "  "
    put(("{" if mapping else "[") + "\n" + pad + "  ")
    for k, item in enumerate(value.items() if mapping else value):
        if k:
            put(between)
        if mapping:
            key, item = item
            put(_key(key) + ": ")
        if isinstance(item, _CONTAINERS):
            _indent_into(put, item, level + 1)
        else:
            put(_plain(item))
    put("\n" + pad + ("}" if mapping else "]"))


# Below this size a number prints as 0: a billionth is the rounding noise of a difference between two
# solves' amounts in the millions, and no count, share or price the tool reads is that small in practice.
NOISE = 1e-9


def significant(value: float, digits: int = 2) -> str:
    """A small nonzero number in plain decimals, to ``digits`` significant digits: never "0".

    >>> significant(0.0004), significant(0.00123), significant(-0.000015)
    ('0.0004', '0.0012', '-0.000015')
    """
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return f"{value:.{decimals}f}".rstrip("0").rstrip(".")


def number(value: float | None, digits: int = 2) -> str:
    """1234567.8 -> '1,234,568'; 12.345 -> '12.35'; 0.0004 -> '0.0004' (a small nonzero value keeps
    two significant digits, never '0'); None -> '-'.

    >>> number(1234567.8), number(12.345), number(0.0004), number(0.004), number(1e-12)
    ('1,234,568', '12.35', '0.0004', '0.004', '0')
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if abs(value) < NOISE:
        return "0"
    if round(value, digits) == 0:
        return significant(value)
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}".rstrip("0").rstrip(".")


def money(value: float | None, currency: str = "USD") -> str:
    """An amount of ``currency``: whole units from 100, cents from 1, and below that 4 decimals or
    2 significant digits, whichever shows more ($0.3542, $0.004, $0.00001): nonzero is never $0.

    >>> money(545600), money(12.5), money(0.354166), money(0.00001), money(-0.0004, "EUR"), money(1e-12)
    ('$545,600', '$12.50', '$0.3542', '$0.00001', '-€0.0004', '$0')
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    symbol = SYMBOLS.get(currency)
    size = abs(value)
    if size >= 100 or size < NOISE:  # below a billionth: the noise of differences (NOISE)
        text = f"{size:,.0f}"
    elif size >= 1:
        text = f"{size:,.2f}"
    else:  # a price per contact such as $0.004 or $0.00015: 4 decimals, more below $0.001 so that
        # 2 significant digits show (0.00015 is not 0.0001), at least 2
        decimals = max(4, 2 - math.floor(math.log10(size)))
        text = f"{size:.{decimals}f}".rstrip("0")
        text += "0" * max(0, 4 - len(text))
    sign = "-" if value < 0 and text.strip("0.,") else ""
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


# Amounts of currency, by the last part of a name: a metric (revenue), a limit (targets.revenue,
# channels[x].max_spend, budget), an objective (min_spend, max_profit) or a field (deal_value).
MONEY_WORDS = frozenset({"spend", "total_spend", "revenue", "profit", "budget", "deal_value", "unit_cost",
                         "cost_per_deal"})


# how many parts a path has before a period's name (``budget.Q4``, ``targets.revenue.Q4``); a channel's
# field has one part after ``channels[NAME]`` (two in ``caps`` and ``yields``)
_PERIOD_DEPTH = {"budget": 1, "deal_value": 1, "funnel": 2, "targets": 2, "caps": 2}


def without_period(name: str) -> str:
    """A limit's or value's path without the period it ends in, by the path's shape alone.

    >>> without_period("budget.Q4"), without_period("channels[a].caps.revenue.Q1")
    ('budget', 'channels[a].caps.revenue')
    >>> without_period("constraints[mix].Q2"), without_period("constraints[mix]")
    ('constraints[mix]', 'constraints[mix]')
    >>> without_period("targets.revenue"), without_period("channels[a].max_spend"), without_period("revenue")
    ('targets.revenue', 'channels[a].max_spend', 'revenue')
    """
    if name.startswith(("constraints[", "channels[")) and "]" in name:
        close = name.rindex("]") if name.startswith("constraints[") else name.index("]")
        head, rest = name[:close + 1], name[close + 1:]
        if name.startswith("constraints["):
            return head
        parts = rest.removeprefix(".").split(".") if rest else []
        depth = 2 if parts and parts[0] in ("caps", "yields") else 1
        return f"{head}.{'.'.join(parts[:depth])}" if len(parts) == depth + 1 else name
    parts = name.split(".")
    depth = _PERIOD_DEPTH.get(parts[0])
    return ".".join(parts[:depth]) if depth is not None and len(parts) == depth + 1 else name


def is_money(name: str, scenario: Scenario | None = None) -> bool:
    """Whether the metric, limit, objective or field ``name`` is an amount of currency.

    A custom constraint is money when every term is (``spend[x] <= 0.3 * total_spend``); that needs
    the ``scenario``, without which a constraint counts as a plain number.

    >>> [is_money(n) for n in ("revenue", "targets.revenue", "channels[a].max_spend", "max_profit", "deals",
    ...                        "channels[a].max_units", "caps.qualified_leads", "cost_per_lead")]
    [True, True, True, True, False, False, False, True]

    With periods, a period's limit or value is money as its field is (``budget.Q4``,
    ``targets.revenue.Q3``, ``channels[a].max_spend.Q1``, ``constraints[mix].Q2``).
    """
    name = without_period(name)
    if name.startswith("constraints["):
        if scenario is None:
            return False
        key = name[len("constraints["):-1]
        spec = next((spec for i, spec in enumerate(scenario.constraints) if key in (spec.name, str(i))), None)
        if spec is None:
            return False
        try:
            terms = spec.parsed.terms
        except ValueError:
            return False
        return bool(terms) and all(kind in MONEY_WORDS for kind, _ in terms)
    last = name.rsplit(".", 1)[-1]
    last = last.removeprefix("max_").removeprefix("min_")
    return last in MONEY_WORDS or last.startswith("cost_per_")


def quantity(name: str, value: float | None, currency: str = "USD", scenario: Scenario | None = None) -> str:
    """``value`` of the metric, limit or field ``name`` for people: money where it is money, else a count.

    >>> quantity("revenue", 2035200.0), quantity("channels[events].max_units", 6), quantity("budget", None)
    ('$2,035,200', '6', '-')
    """
    return money(value, currency) if is_money(name, scenario) else number(value)


def unreachable_sentence(metrics: Sequence[str]) -> str:
    """The line every command prints for targets on a stage no channel reaches (``optimize``'s words).

    >>> unreachable_sentence(["reach", "leads"]).split(":")[0]
    'No channel reaches reach or leads'
    """
    words = metrics[0] if len(metrics) == 1 else ", ".join(metrics[:-1]) + " or " + metrics[-1]
    return (f"No channel reaches {words}: none is priced at or before that stage of the funnel or yields it; "
            "add one or drop the target.")


def percent(value: float | None) -> str:
    """A share as a percentage to one decimal; a small nonzero one to two significant digits.

    >>> percent(0.389), percent(0.00001), percent(0.0), percent(None)
    ('38.9%', '0.001%', '0.0%', '-')
    """
    if value is None:
        return "-"
    if abs(value) >= NOISE and round(value * 100, 1) == 0:
        return significant(value * 100) + "%"
    return f"{value * 100:.1f}%"


# -- CSV -------------------------------------------------------------------------------------------
# A spreadsheet reads a cell starting with one of these as a formula (tab and carriage return: some
# strip them first and read what follows).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def csv_text(text: str) -> str:
    """A text cell that a spreadsheet shows as text: a leading ``'`` where it would start a formula.

    A plain number (``-5``, ``+1.5e3``) is no formula and stays as it is.

    >>> csv_text("=HYPERLINK(A1)"), csv_text("@SUM(A1)"), csv_text("-5"), csv_text("email")
    ("'=HYPERLINK(A1)", "'@SUM(A1)", '-5', 'email')
    """
    if text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_cell(value: Any) -> str:
    """One CSV cell: a number in full precision (``repr``), empty for None, NaN or infinity, text by
    :func:`csv_text`.

    >>> csv_cell(-5.0), csv_cell(3), csv_cell(float("nan")), csv_cell(None), csv_cell("+1 lead")
    ('-5.0', '3', '', '', "'+1 lead")
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return csv_text(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        value = float(value)  # numpy's float64 prints as np.float64(...) under repr
        return repr(value) if math.isfinite(value) else ""
    return csv_text(str(value))


def csv_document(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV document (``\\n`` line ends) of a header and rows of plain values, each by :func:`csv_cell`.

    >>> print(csv_document(["channel", "spend"], [["email", 3000.0], ["=1+1", -5.0]]), end="")
    channel,spend
    email,3000.0
    '=1+1,-5.0
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_cell(v) for v in header])
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return buffer.getvalue()
