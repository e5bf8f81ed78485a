"""A search over the documented range of the input (docs/scenario-format.md, "Limits of the
input"): random small scenarios, written in the scenario format, whose programs have at most 4
columns and 5 limits, and whose coefficients span at most 1e12 even unscaled (so certainly at most
1e12 after scaling). Every answer the solve ladder certifies is compared with the exact oracle of
``exact_oracle.py`` (rational vertex enumeration, no solver): an ``optimal`` must be the exact
optimum (1e-6 relative), an ``infeasible`` or ``unbounded`` must be exactly that. ``unverified`` is
no wrong answer, but the docs promise a certified one inside this range: only a small share may
be unverified.

scipy is not used: it runs the same HiGHS the ladder does.
"""

from __future__ import annotations

import os
from collections import Counter

import numpy as np
import pytest
from exact_oracle import exact_solve
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from optimizer import Scenario
from optimizer.errors import ScenarioError
from optimizer.model.build import build_program
from optimizer.model.solve import solve
from optimizer.model.status import Status

MAX_COLUMNS, MAX_LIMITS, MAX_SPAN = 4, 5, 1e12
EXAMPLES = int(os.environ.get("CERTIFY_EXAMPLES", "200"))
UNVERIFIED_SHARE = 0.05  # at most this share of the scenarios drawn may end unverified
MANTISSAS = (1, 1.5, 2, 2.5, 3, 4, 5, 7.5)
METRICS = ("reach", "leads", "qualified_leads", "deals")


def decimal(low: int, high: int) -> st.SearchStrategy[float]:
    """A number m * 10^e with e in [low, high], as a user would type it (``7.5e-10``)."""
    return st.builds(lambda m, e: float(f"{m}e{e}"), st.sampled_from(MANTISSAS), st.integers(low, high))


# rates in [1e-12, 1]: mostly ordinary, some at the documented edge
RATES = st.one_of(decimal(-3, -1), decimal(-12, -1), st.just(1.0))
PRICES = st.one_of(decimal(-10, 6), decimal(-2, 4), st.just(0.0))


@st.composite
def channel(draw, name: str) -> dict:
    kind = draw(st.sampled_from(("cost_per_contact", "cost_per_lead", "cost_per_qualified_lead", "unit_cost")))
    out: dict = {"name": name, kind: draw(PRICES)}
    if kind == "unit_cost":
        out["yields"] = {draw(st.sampled_from(METRICS[:3])): draw(decimal(-3, 9))}
    for rate in draw(st.sets(st.sampled_from(("response_rate", "qualification_rate", "win_rate")), max_size=2)):
        out[rate] = draw(RATES)
    bound = draw(st.sampled_from((None, None, "min_units", "max_units", "max_spend", "min_spend")))
    if bound is not None and not (bound == "min_spend" and out[kind] == 0):
        out[bound] = draw(decimal(-2, 12))
    return out


@st.composite
def scenarios(draw) -> dict:
    n = draw(st.integers(1, MAX_COLUMNS))
    names = [f"c{k}" for k in range(n)]
    data: dict = {"name": "drawn", "funnel": {r: draw(RATES) for r in ("response_rate", "qualification_rate",
                                                                         "opportunity_rate", "win_rate")},
                  "channels": [draw(channel(name)) for name in names]}
    objective = draw(st.sampled_from(("min_spend", "min_spend", "max_leads", "max_deals", "max_reach")))
    if objective != "min_spend" or draw(st.booleans()):
        data["budget"] = draw(decimal(0, 12))
    data["objective"] = objective
    targets = draw(st.dictionaries(st.sampled_from(METRICS), decimal(0, 9), min_size=objective == "min_spend",
                                   max_size=2))
    if targets:
        data["targets"] = targets
    if draw(st.booleans()):
        data["caps"] = {draw(st.sampled_from(METRICS)): draw(decimal(0, 12))}
    if n > 1 and draw(st.booleans()):
        a, b = draw(st.permutations(names))[:2]
        factor = draw(decimal(-2, 1))
        data["constraints"] = [draw(st.sampled_from((
            f"spend[{a}] <= {factor / 20} * total_spend",
            f"spend[{a}] >= {factor} * spend[{b}]",
            f"units[{a}] == {factor} * units[{b}]",
            f"leads[{a}] + leads[{b}] >= {factor}")))]
    return data


def span(program) -> float:
    """Largest over smallest nonzero magnitude among the matrix and objective coefficients."""
    _, _, coefs = program.terms
    values = np.abs(np.concatenate([coefs, program.objective_coefs]))
    values = values[values > 0]
    return float(values.max() / values.min()) if len(values) else 1.0


def test_every_certified_answer_in_the_documented_range_is_the_exact_one():
    seen: Counter = Counter()
    unverified: list[str] = []

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.filter_too_much,
                                                                           HealthCheck.too_slow])
    @given(scenarios())
    def search(data):
        try:
            program = build_program(Scenario.model_validate(data))
        except ScenarioError:
            assume(False)  # a drawn scenario that breaks a rule (e.g. a minimum above a maximum)
        assume(len(program.columns) <= MAX_COLUMNS and len(program.limits) <= MAX_LIMITS)
        assume(span(program) <= MAX_SPAN)
        solution = solve(program)
        seen[solution.status] += 1
        if solution.status == Status.UNVERIFIED:
            unverified.append(f"{data}: {solution.failed}")
            return
        status, value, _ = exact_solve(program)
        assert solution.status == status, (data, solution.failed)
        if status == "optimal":
            assert program.objective_value(solution.units) == pytest.approx(float(value), rel=1e-6, abs=1e-9)

    search()
    total = sum(seen.values())
    # the search is no formality: it meets every status
    print(seen, *unverified, sep="\n")
    assert seen[Status.OPTIMAL] and seen[Status.INFEASIBLE] and seen[Status.UNBOUNDED], seen
    assert len(unverified) <= UNVERIFIED_SHARE * total, "\n".join(unverified)
