"""The quick pass for the usual constraint shapes against the recursive-descent parser.

The quick pass must give exactly the parser's result (the same floats bit for bit, signed zeros
included, the terms in the same order, the same sense) wherever it answers, and must not answer
where the parser refuses the text: every message stays the parser's.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.scenario.expressions import ExpressionError, _parse, _quick_parse, parse_constraint

GOOD_SPACES = st.sampled_from(["", "", "", " ", " ", "  ", "\t", "\n", "\x0b", "\x0c", "\r"])
SPACES = st.one_of(GOOD_SPACES, st.sampled_from(["\x1c", "\u00a0"]))  # not spaces to the parser
GOOD_NUMBERS = st.one_of(
    st.sampled_from(["0", "00", "1", "2", "0.3", ".5", "5.", "1e5", "1E-3", "1.e2", "2.5e-7", "1e15", "0.1",
                     "1000000000000001", "3.0000000000000004", "0e0", "00.00", "1e-400"]),
    st.floats(min_value=0, max_value=1e15, allow_nan=False).map(repr),
    st.integers(min_value=0, max_value=10**15).map(str))
NUMBERS = st.one_of(GOOD_NUMBERS, st.sampled_from(["1e16", "1e999", "1_000", "1__0", "30%", "1e", "1e+", "1.5.3"]))
NAMES = st.sampled_from(["spend", "units", "total_spend", "leads", "deals", "a", "b", "_x1", "e", "E5", "ch0"])
OPERATORS = st.sampled_from(["+", "-", "*", "/", "(", ")", "[", "]", "<=", ">=", "==", "<", ">", "=", ".", "%",
                             "é", "٣", ",", "**"])


def outcome(parse, text: str):
    """What a parser makes of the text: its result with every float as its exact text, or its message."""
    try:
        c = parse(text)
    except ExpressionError as exc:
        return ("refused", str(exc))
    return ([(term, repr(weight)) for term, weight in c.terms.items()], repr(c.constant), c.sense)


@st.composite
def factors(draw, good: bool) -> str:
    spaces, numbers = (GOOD_SPACES, GOOD_NUMBERS) if good else (SPACES, NUMBERS)
    sign = draw(st.sampled_from(["", "", "-", "+", "- "] if good else ["", "-", "--", "(", "+("]))
    if draw(st.booleans()):
        atom = draw(numbers)
    else:
        atom = draw(NAMES)
        if draw(st.booleans()):
            atom += draw(spaces) + "[" + draw(spaces) + draw(NAMES) + draw(spaces) + "]"
    return sign + draw(spaces) + atom


@st.composite
def sides(draw, good: bool) -> str:
    spaces = GOOD_SPACES if good else SPACES
    text = draw(factors(good))
    for _ in range(draw(st.integers(0, 5))):
        operator = draw(st.sampled_from(["+", "-", "*", "*"] if good else ["+", "*", "/", ")"]))
        text += draw(spaces) + operator + draw(spaces) + draw(factors(good))
    return text


@st.composite
def usual_shapes(draw, good: bool = True) -> str:
    """Sums of products of signed numbers and names, one comparison; ``good=False``: with flaws mixed in."""
    spaces = GOOD_SPACES if good else SPACES
    sense = draw(st.sampled_from(["<=", ">=", "=="] if good else ["<=", "<", "=<", "="]))
    return (draw(spaces) + draw(sides(good)) + draw(spaces) + sense + draw(spaces) + draw(sides(good))
            + draw(spaces))


@st.composite
def token_soup(draw) -> str:
    """Any sequence of the grammar's tokens and stray characters."""
    parts = draw(st.lists(st.one_of(NUMBERS, NAMES, OPERATORS), max_size=14))
    return "".join(part + draw(SPACES) for part in parts)


@settings(max_examples=3000, deadline=None)
@given(st.one_of(usual_shapes(), usual_shapes(), usual_shapes(good=False), token_soup()))
def test_quick_pass_gives_the_parsers_result_or_leaves_the_text_to_it(text: str) -> None:
    slow = outcome(_parse, text)
    quick = _quick_parse(text)
    if slow[0] == "refused":
        assert quick is None
    elif quick is not None:
        assert outcome(lambda _: quick, text) == slow
    assert outcome(parse_constraint, text) == slow


@pytest.mark.parametrize("text", [
    "spend[ch0] <= 2 * spend[ch1] + 50000",
    "spend[paid_search] <= 0.3 * total_spend",
    "units[partners] >= 2 * units[events] + 10",
    "  impressions[video]>=.5*impressions  ",
    "-spend[a] <= 0",  # a constant of -0.0, as the parser computes it
    "2 * -3 * spend [ a ] - - 1e3 * leads == -deals[b] * 4 + 5.",
])
def test_the_usual_shapes_take_the_quick_pass(text: str) -> None:
    quick = _quick_parse(text)
    assert quick is not None
    assert outcome(lambda _: quick, text) == outcome(_parse, text)


@pytest.mark.parametrize("text", [
    "(spend[a]) <= 1", "spend[a] / 2 <= 1", "spend[a] <= 30%", "spend[a] <= 1_000", "spend[a] <= 1e16",
    "spend[a] * spend[b] <= 1", "3 <= 5", "spend[a] - spend[a] <= 5", "spend[a] <= 1 <= 2", "spend[a] < 1",
    "spend[ä] <= 1", "--spend[a] <= 1",
    "1e15 * " * 21 + "spend[a] <= 1",  # a weight beyond any float: the parser says so
])
def test_anything_else_is_left_to_the_parser(text: str) -> None:
    assert _quick_parse(text) is None
