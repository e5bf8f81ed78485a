"""The constraint grammar of docs/scenario-format.md: linear forms worked out by hand."""

from __future__ import annotations

import pytest

from optimizer.scenario.expressions import ExpressionError, parse_constraint


def form(text: str) -> tuple[dict, float, str]:
    c = parse_constraint(text)
    return c.terms, c.constant, c.sense


@pytest.mark.parametrize(("text", "terms", "constant", "sense"), [
    # left - right OP 0
    ("spend[paid_search] <= 0.3 * total_spend", {("spend", "paid_search"): 1.0, ("total_spend", None): -0.3}, 0.0,
     "<="),
    ("units[partners] >= 2 * units[events] + 10", {("units", "partners"): 1.0, ("units", "events"): -2.0}, -10.0,
     ">="),
    # parentheses, unary minus, division by a number, percentages, underscores, exponents
    ("-(deals[a] - 2 * deals[b]) / 4 == 1_000", {("deals", "a"): -0.25, ("deals", "b"): 0.5}, -1000.0, "=="),
    ("leads >= 30% * 1e3", {("leads", None): 1.0}, -300.0, ">="),
    ("2 * (3 * spend[a] + 4.5e-1 * spend[b]) <= spend[a] * 2", {("spend", "a"): 4.0, ("spend", "b"): 0.9}, 0.0,
     "<="),
    ("spend[a] + spend[a] - 2 * spend[a] + leads <= 5", {("leads", None): 1.0}, -5.0, "<="),  # cancelled terms go
    ("  impressions[video]>=.5*impressions  ", {("impressions", "video"): 1.0, ("impressions", None): -0.5}, 0.0,
     ">="),
])
def test_linear_forms(text: str, terms: dict, constant: float, sense: str) -> None:
    got_terms, got_constant, got_sense = form(text)
    assert got_terms == pytest.approx(terms)
    assert set(got_terms) == set(terms)
    assert got_constant == pytest.approx(constant)
    assert got_sense == sense


@pytest.mark.parametrize(("text", "message"), [
    ("", "the constraint is empty; write it as LEFT <= RIGHT, LEFT >= RIGHT or LEFT == RIGHT"),
    ("spend[a] * spend[b] <= 1", "a product of two quantities is not linear; multiply by a number only (at column 12)"),
    ("1 / leads <= 1", "dividing by a quantity is not linear; divide by a number only (at column 5)"),
    ("leads / 0 <= 1", "division by zero (at column 9)"),
    ("leads", "expected one of <=, >=, == , found the end of the text (at column 6)"),
    ("leads = 5", "'=' is not a comparison here; use <=, >= or == (at column 7)"),
    ("leads > 5", "'>' is not a comparison here; use <=, >= or == (at column 7)"),
    ("1 <= leads <= 5", "a constraint has exactly one comparison; write two constraints (at column 12)"),
    ("3 <= 5", "the constraint names no quantity (spend[...], units[...], a metric or total_spend)"),
    ("spend[a] - spend[a] <= 5", "the constraint names no quantity (spend[...], units[...], a metric or total_spend)"),
    ("spend[3] <= 5", "expected a channel name inside [ ], found '3' (at column 7)"),
    ("(leads <= 5", "expected ')', found '<=' (at column 8)"),
    ("leads <= 5 5", "unexpected '5' after the right-hand side (at column 12)"),
    ("leads ** 2 <= 5", "expected a number, a name or '(', found '*' (at column 8)"),
    ("os.system('x') <= 1", "unexpected character '.' (at column 3)"),
])
def test_what_is_not_a_linear_comparison(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_constraint(text)
    assert str(caught.value) == message
