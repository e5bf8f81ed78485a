"""The sensitivity analysis against the algorithm it replaced (tests/analysis/sensitivity_oracle.py),
figure by figure, on 20 random generated scenarios (seeded, so a failure names its scenario)."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from optimizer import Scenario, apply_changes, optimize
from optimizer.analysis.sensitivity import sensitivity
from optimizer.analysis.variation import MIX_TOLERANCE
from optimizer.model.build import build_program
from optimizer.model.highs import WarmModel
from optimizer.model.solve import solve

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


generate = _load("generate", ROOT / "benchmarks" / "generate.py")
oracle = _load("sensitivity_oracle", Path(__file__).parent / "sensitivity_oracle.py")

OBJECTIVES = ("min_spend", "max_deals", "max_revenue", "max_profit")


def random_scenario(seed: int) -> Scenario | None:
    """A generated scenario (benchmarks/generate.py) of 4 to 12 channels, with its objective, budget and
    limits varied by ``seed``; None where it has no optimal plan."""
    rng = np.random.default_rng(seed)
    data = generate.scenario_data(int(rng.integers(4, 13)), seed=seed)
    objective = OBJECTIVES[int(rng.integers(len(OBJECTIVES)))]
    data["objective"] = objective
    data["budget"] = round(data["budget"] * float(rng.uniform(0.3, 1.2)), 2)
    if objective != "min_spend" and rng.random() < 0.5:
        del data["targets"]
    if rng.random() < 0.4:  # a committed spend on one channel
        channel = data["channels"][int(rng.integers(len(data["channels"])))]
        channel["min_spend"] = round(channel["max_spend"] * float(rng.uniform(0.05, 0.5)), 2)
    if rng.random() < 0.3:  # sales capacity that binds harder
        data["caps"]["qualified_leads"] = round(data["caps"]["qualified_leads"] * float(rng.uniform(0.2, 0.6)), 2)
    scenario = Scenario.model_validate(data)
    plan = optimize(scenario)
    return scenario if plan.status == "optimal" else None


def scenarios(count: int = 20) -> list[tuple[int, Scenario]]:
    out, seed = [], 0
    while len(out) < count:
        scenario = random_scenario(seed)
        if scenario is not None:
            out.append((seed, scenario))
        seed += 1
    return out


def same(a: float | None, b: float | None, scale: float = 1.0, rel: float = 2e-6) -> bool:
    """Equal within ``rel``: both algorithms locate an end to 1e-6 relative (the old by bisection),
    so two answers may differ by twice that."""
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-9 * max(1.0, scale))


def mix_at(scenario: Scenario, changes: dict | None = None, bound: tuple[int, float] | None = None):
    """The mix (columns with units, limits that bind) of the scenario changed, solved from scratch
    (not the kept model sensitivity uses), unscaled as the old algorithm solved it: where a price
    ties two channels, the vertex HiGHS picks depends on the scaling."""
    program = build_program(apply_changes(scenario, changes or {}))
    if bound is not None:
        program = program.with_bounds({bound[0]: bound[1]})
    solution = WarmModel(program, scale=None).solve()
    if solution.status != "optimal":
        return solution.status
    units = solution.units
    return (frozenset(np.flatnonzero(units > MIX_TOLERANCE * max(1.0, float(units.max()))).tolist()),
            frozenset(np.flatnonzero(program.binding(units, MIX_TOLERANCE)).tolist()))


def confirmed(scenario: Scenario, base, end: float, direction: int, h: float, path: str) -> bool:
    """A range end where the two algorithms differ, checked by solves from scratch ``h`` either side
    of it: the mix holds just inside and changes just outside."""
    return mix_at(scenario, {path: end - direction * h}) == base and mix_at(scenario, {path: end + direction * h}) \
        != base


def limit_end_confirmed(scenario: Scenario, plan, k: int, end: float, direction: int, price: float) -> bool:
    """A limit's range end where the two algorithms differ (the old one's bisection takes a point as
    on the line when it is within 1e-8 of it, so with a small shadow price it overshoots): by solves
    from scratch, the objective is on the shadow price's line just inside, and the mix changes just
    outside (a channel has reached zero, or another limit its bound)."""
    limit = plan.program.limits[k]
    h = 1e-6 * max(1.0, abs(end), abs(limit.bound))
    inside = solve(plan.program.with_bounds({k: end - direction * h}))
    expected = plan.objective_value + price * (end - direction * h - limit.bound)
    on_line = inside.status == "optimal" and math.isclose(plan.program.objective_value(inside.units), expected,
                                                          rel_tol=1e-9, abs_tol=1e-9)
    return on_line and mix_at(scenario, bound=(k, end + direction * h)) != mix_at(scenario)


@pytest.mark.parametrize("seed,scenario", scenarios(), ids=lambda x: str(x) if isinstance(x, int) else "")
def test_every_figure_matches_the_old_algorithm(seed, scenario):
    plan = optimize(scenario)
    new, old = sensitivity(plan), oracle.sensitivity(plan)
    base = mix_at(scenario)
    assert new.objective_value == pytest.approx(old.objective_value, rel=1e-9)
    assert [x.name for x in new.limits] == [x.name for x in old.limits]
    for k, (a, b) in enumerate(zip(new.limits, old.limits)):
        scale = max(abs(b.limit), abs(b.value))
        assert a.binding == b.binding, a.name
        assert same(a.shadow_price, b.shadow_price, rel=1e-6), (a.name, a.shadow_price, b.shadow_price)
        assert same(a.shadow_price_down, b.shadow_price_down, rel=1e-6), (a.name, a.shadow_price_down,
                                                                           b.shadow_price_down)
        for field, direction in (("valid_from", -1), ("valid_to", +1)):
            mine, theirs = getattr(a, field), getattr(b, field)
            if same(mine, theirs, scale) or (a.binding and mine is not None and theirs is not None and
                                             limit_end_confirmed(scenario, plan, k, mine, direction, a.shadow_price)):
                continue
            pytest.fail(f"{a.name}.{field}: {mine} against {theirs}")
    assert [x.name for x in new.channels] == [x.name for x in old.channels]
    for a, b in zip(new.channels, old.channels):
        assert a.in_plan == b.in_plan, a.name
        path = f"channels[{a.name}].{a.price_field}"
        # the price drop that brings a channel in is as precise as the price it drops to
        assert a.reduced_cost is None and b.reduced_cost is None or math.isclose(
            a.reduced_cost, b.reduced_cost, abs_tol=2e-6 * b.price), (a.name, a.reduced_cost, b.reduced_cost)
        for field, direction in (("price_from", -1), ("price_to", +1)):
            mine, theirs = getattr(a, field), getattr(b, field)
            if same(mine, theirs, b.price) or (mine is not None and theirs is not None and mine > 0 and confirmed(
                    scenario, base, mine, direction, 1e-5 * mine, path)):
                continue
            pytest.fail(f"{a.name}.{field}: {mine} against {theirs}")
    assert [x.name for x in new.rates] == [x.name for x in old.rates]
    for a, b in zip(new.rates, old.rates):
        for mine, theirs, why_mine, why_theirs, direction in ((a.low, b.low, a.low_reason, b.low_reason, -1),
                                                              (a.high, b.high, a.high_reason, b.high_reason, +1)):
            if why_mine != why_theirs:
                # a root at rounding level (6e-16) is the end of the domain: "mix" there is "domain"
                assert abs(mine) <= 1e-12 and abs(theirs) <= 1e-12, (a.name, why_mine, why_theirs)
            if same(mine, theirs) or (0 < mine < 1 and confirmed(scenario, base, mine, direction, 1e-5 * mine,
                                                                  a.name)):
                continue
            pytest.fail(f"{a.name}: {mine} against {theirs}")
        for mine, theirs in ((a.objective_at_low, b.objective_at_low), (a.objective_at_high, b.objective_at_high)):
            # the old algorithm reports the objective at its last point inside (within 1e-6 of the end)
            assert (mine is None) == (theirs is None), a.name
            if mine is not None:
                assert mine == pytest.approx(theirs, rel=1e-5, abs=1e-6), a.name
    if new.alternative is None and old.alternative is not None:
        # the old search accepted plans within 1e-9 of the optimum: such a plan is no exact tie
        units = np.array([old.alternative_units[c] for c in plan.program.channels])
        assert abs(plan.program.objective_value(units) - plan.objective_value) > 1e-10 * abs(plan.objective_value)
    else:
        assert (new.alternative is None) == (old.alternative is None)
