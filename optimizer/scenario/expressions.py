"""Parse a custom constraint such as ``spend[paid_search] <= 0.3 * total_spend``.

The text is tokenised and parsed by a small recursive-descent parser into a linear form; it is
never executed. Text of the usual shape (sums of signed products, no parentheses, no division)
takes a quick pass that computes the same floats in the same order (tested against the parser).
Names are checked later, against the scenario's channels and metrics.

>>> c = parse_constraint("spend[a] + 2 * units[b] <= 0.3 * total_spend + 10")
>>> c.sense, sorted(c.terms.items()), c.constant
('<=', [(('spend', 'a'), 1.0), (('total_spend', None), -0.3), (('units', 'b'), 2.0)], -10.0)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .rules import LARGEST, LONGEST_NUMBER, parse_decimal, scientific, shorten, show_limit, to_float

Term = tuple[str, str | None]  # (kind or metric, channel or None)

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|==|[-+*/()\[\]<>=])
""", re.VERBOSE | re.ASCII)  # ASCII: \\d would also match other scripts' digits, which float() reads
SENSES = ("<=", ">=", "==")
MAX_NESTING = 50  # parentheses and signs inside one another (deeper would be a RecursionError)


class ExpressionError(ValueError):
    """A constraint's text that is not a linear comparison."""

    def __init__(self, message: str, column: int | None = None):
        self.column = column
        super().__init__(message + (f" (at column {column + 1})" if column is not None else ""))


@dataclass(frozen=True)
class LinearConstraint:
    """``sum(terms) + constant SENSE 0``: the left side minus the right side, compared with zero."""

    terms: dict[Term, float]
    constant: float
    sense: str


@dataclass
class _Form:
    terms: dict[Term, float]
    constant: float

    def scaled(self, k: float) -> _Form:
        return _Form({t: c * k for t, c in self.terms.items()}, self.constant * k)

    def plus(self, other: _Form, sign: float = 1.0) -> _Form:
        terms = dict(self.terms)
        for t, c in other.terms.items():
            terms[t] = terms.get(t, 0.0) + sign * c
        return _Form(terms, self.constant + sign * other.constant)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ExpressionError(f"unexpected character {text[pos]!r}", pos)
        if m.lastgroup != "space":
            out.append((m.lastgroup, m.group(), pos))
        pos = m.end()
    out.append(("end", "", len(text)))
    return out


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self, value: str | None = None) -> tuple[str, str, int]:
        tok = self.tokens[self.i]
        if value is not None and tok[1] != value:
            found = _quoted(tok[1]) if tok[0] != "end" else "the end of the text"
            raise ExpressionError(f"expected {value!r}, found {found}", tok[2])
        self.i += 1
        return tok

    def expr(self) -> _Form:
        form = self.product()
        while self.peek()[1] in ("+", "-"):
            sign = 1.0 if self.take()[1] == "+" else -1.0
            form = form.plus(self.product(), sign)
        return form

    def product(self) -> _Form:
        form = self.unary()
        while self.peek()[1] in ("*", "/"):
            op, _, pos = self.take()[1], None, self.peek()[2]
            right = self.unary()
            if op == "*":
                if form.terms and right.terms:
                    raise ExpressionError("a product of two quantities is not linear; multiply by a number only", pos)
                form = right.scaled(form.constant) if not form.terms else form.scaled(right.constant)
            else:
                if right.terms:
                    raise ExpressionError("dividing by a quantity is not linear; divide by a number only", pos)
                if right.constant == 0:
                    raise ExpressionError("division by zero", pos)
                form = form.scaled(1.0 / right.constant)
        return form

    def unary(self) -> _Form:
        self.depth += 1
        try:
            return self._unary()
        finally:
            self.depth -= 1

    def _unary(self) -> _Form:
        kind, value, pos = self.peek()
        if self.depth > MAX_NESTING:
            raise ExpressionError(f"parentheses and signs nest more than {MAX_NESTING} deep", pos)
        if value in ("+", "-"):
            self.take()
            inner = self.unary()
            return inner if value == "+" else inner.scaled(-1.0)
        if value == "(":
            self.take()
            inner = self.expr()
            self.take(")")
            return inner
        if kind == "number":
            self.take()
            return _Form({}, _number(value, pos))
        if kind == "name":
            self.take()
            if self.peek()[1] == "[":
                self.take()
                kind2, channel, pos2 = self.take()
                if kind2 != "name":
                    raise ExpressionError(f"expected a channel name inside [ ], found {_quoted(channel)}", pos2)
                self.take("]")
                return _Form({(value, channel): 1.0}, 0.0)
            return _Form({(value, None): 1.0}, 0.0)
        found = _quoted(value) if kind != "end" else "the end of the text"
        raise ExpressionError(f"expected a number, a name or '(', found {found}", pos)


def _number(text: str, pos: int) -> float:
    """A number literal, by the rule of every typed number (``1_000``, ``4.8e6``, ``30%``; not ``1__0``)."""
    decimal = parse_decimal(text, percent=True)
    if decimal is None:
        raise ExpressionError(f"{shorten(text)} is not a number (an underscore goes between two digits)", pos)
    number = to_float(decimal)
    if not math.isfinite(number) or abs(number) > LARGEST:
        shown = text if len(text) <= LONGEST_NUMBER else scientific(decimal)  # 300 digits: 1e299
        raise ExpressionError(f"{shown} is above {show_limit(LARGEST)}, the largest number the tool reads", pos)
    return number


def _quoted(token: str) -> str:
    """A token of the user's text as a message quotes it (shortened: a name may be 10,000 characters)."""
    return repr(shorten(token))


# The usual constraint (``spend[a] <= 2 * spend[b] + 50000``: signed products of numbers and names,
# added up, one comparison) in one regular expression, and its factors in another. Text of that shape
# is worked out by `_quick_parse` in one flat pass, three times faster; any other text, and any text
# the parser would refuse, goes to `_Parser`, which gives the result or the message.
_SPACE = r"[ \t\n\r\f\v]*"  # \s in ASCII mode, as _TOKEN skips it
_PLAIN_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"  # no _ and no %: float() reads it as _number does
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_FACTOR = rf"(?:[-+]{_SPACE})?(?:{_PLAIN_NUMBER}|{_NAME}(?:{_SPACE}\[{_SPACE}{_NAME}{_SPACE}\])?)"
_SIDE = rf"{_FACTOR}(?:{_SPACE}[-+*]{_SPACE}{_FACTOR})*"
_USUAL = re.compile(rf"{_SPACE}{_SIDE}{_SPACE}(?:<=|>=|==){_SPACE}{_SIDE}{_SPACE}", re.ASCII)
# one factor with what stands before it: (operator or "", sign or "", number, name, channel)
_USUAL_FACTOR = re.compile(
    rf"{_SPACE}(<=|>=|==|[-+*]|){_SPACE}([-+]?){_SPACE}(?:({_PLAIN_NUMBER})|({_NAME})(?:{_SPACE}\[{_SPACE}({_NAME}){_SPACE}\])?)",
    re.ASCII)


def _quick_parse(text: str) -> LinearConstraint | None:
    """`parse_constraint`'s result for text of the usual shape, by the same arithmetic in the same order; else None.

    None also where the parser would raise (a product of two quantities, a number above the limit,
    nothing named), so that every message comes from the parser.
    """
    if not text.isascii() or _USUAL.fullmatch(text) is None:
        return None
    factors = _USUAL_FACTOR.findall(text)
    op, sign, number, name, channel = factors[0]
    if op:  # a sign before the first factor is found as an operator
        factors[0] = ("", op, number, name, channel)
    sides = []
    terms: dict[Term, float] = {}
    constant = 0.0
    # the product being formed, as _Parser.product forms it: (term or None, its weight, the constant)
    term, weight, value = None, 0.0, 0.0
    adding = 0.0  # how the product goes into its side: 0 (the side's first product), +1 or -1
    sense = ""
    for op, sign, number, name, channel in factors:
        if number:
            f_term, f_weight, f_value = None, 0.0, float(number)
            if not f_value <= LARGEST:
                return None
        else:
            f_term, f_weight, f_value = (name, channel or None), 1.0, 0.0
        if sign == "-":
            f_weight, f_value = f_weight * -1.0, f_value * -1.0
        if op == "*":
            if term is None:  # a number times the factor: the factor scaled by it
                term, weight, value = f_term, f_weight * value, f_value * value
            elif f_term is None:
                weight, value = weight * f_value, value * f_value
            else:
                return None  # a product of two quantities
            continue
        if op:  # the product before this factor is complete
            constant = _add_product(terms, constant, adding, term, weight, value)
            if op in SENSES:
                sides.append((terms, constant))
                terms, constant, adding, sense = {}, 0.0, 0.0, op
            else:
                adding = 1.0 if op == "+" else -1.0
        term, weight, value = f_term, f_weight, f_value
    constant = _add_product(terms, constant, adding, term, weight, value)
    (left_terms, left_constant), right_terms, right_constant = sides[0], terms, constant
    terms = left_terms
    for term, weight in right_terms.items():
        terms[term] = terms.get(term, 0.0) + -1.0 * weight
    constant = left_constant + -1.0 * right_constant
    if not all(math.isfinite(c) for c in (constant, *terms.values())):
        return None
    terms = {t: c for t, c in terms.items() if c != 0.0}
    if not terms:
        return None
    return LinearConstraint(terms, constant, sense)


def _add_product(terms: dict[Term, float], constant: float, adding: float, term: Term | None, weight: float,
                 value: float) -> float:
    """A product into its side, as `_Form.plus` adds it (``adding`` 0: the side's first); the side's constant."""
    if adding == 0.0:
        if term is not None:
            terms[term] = weight
        return value
    if term is not None:
        terms[term] = terms.get(term, 0.0) + adding * weight
    return constant + adding * value


def parse_constraint(text: str) -> LinearConstraint:
    """Parse ``LEFT OP RIGHT`` (OP one of <=, >=, ==) into ``LEFT - RIGHT OP 0``."""
    quick = _quick_parse(text)
    if quick is not None:
        return quick
    return _parse(text)


def _parse(text: str) -> LinearConstraint:
    """`parse_constraint` by the recursive-descent parser: any text, and every message."""
    if not text.strip():
        raise ExpressionError("the constraint is empty; write it as LEFT <= RIGHT, LEFT >= RIGHT or LEFT == RIGHT")
    parser = _Parser(text)
    left = parser.expr()
    kind, op, pos = parser.peek()
    if op not in SENSES:
        if op in ("<", ">", "="):
            raise ExpressionError(f"{op!r} is not a comparison here; use <=, >= or ==", pos)
        found = _quoted(op) if kind != "end" else "the end of the text"
        raise ExpressionError(f"expected one of <=, >=, == , found {found}", pos)
    parser.take()
    right = parser.expr()
    kind, extra, pos = parser.peek()
    if extra in SENSES:
        raise ExpressionError("a constraint has exactly one comparison; write two constraints", pos)
    if kind != "end":
        raise ExpressionError(f"unexpected {_quoted(extra)} after the right-hand side", pos)
    form = left.plus(right, -1.0)
    if not all(math.isfinite(c) for c in (form.constant, *form.terms.values())):
        raise ExpressionError("a product of its numbers is beyond any number the tool can compute with")
    terms = {t: c for t, c in form.terms.items() if c != 0.0}
    if not terms:
        raise ExpressionError("the constraint names no quantity (spend[...], units[...], a metric or total_spend)")
    return LinearConstraint(terms, form.constant, op)
