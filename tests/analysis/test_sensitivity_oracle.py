"""The sensitivity analysis against the algorithm it replaced (tests/analysis/sensitivity_oracle.py),
figure by figure, on 20 random generated scenarios (seeded, so a failure names its scenario)."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from optimizer import Scenario, optimize
from optimizer.analysis.sensitivity import sensitivity

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
RELATIVE = 1e-6


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


def same(a: float | None, b: float | None, scale: float = 1.0) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=RELATIVE, abs_tol=1e-9 * max(1.0, scale))


@pytest.mark.parametrize("seed,scenario", scenarios(), ids=lambda x: str(x) if isinstance(x, int) else "")
def test_every_figure_matches_the_old_algorithm(seed, scenario):
    plan = optimize(scenario)
    new, old = sensitivity(plan), oracle.sensitivity(plan)
    assert new.objective_value == pytest.approx(old.objective_value, rel=1e-9)
    assert [x.name for x in new.limits] == [x.name for x in old.limits]
    for a, b in zip(new.limits, old.limits):
        scale = max(abs(b.limit), abs(b.value))
        assert a.binding == b.binding, a.name
        assert same(a.shadow_price, b.shadow_price), (a.name, a.shadow_price, b.shadow_price)
        assert same(a.shadow_price_down, b.shadow_price_down), (a.name, a.shadow_price_down, b.shadow_price_down)
        assert same(a.valid_from, b.valid_from, scale), (a.name, a.valid_from, b.valid_from)
        assert same(a.valid_to, b.valid_to, scale), (a.name, a.valid_to, b.valid_to)
    assert [x.name for x in new.channels] == [x.name for x in old.channels]
    for a, b in zip(new.channels, old.channels):
        assert a.in_plan == b.in_plan, a.name
        for field in ("reduced_cost", "price_from", "price_to"):
            assert same(getattr(a, field), getattr(b, field), b.price), (a.name, field, getattr(a, field),
                                                                          getattr(b, field))
    assert [x.name for x in new.rates] == [x.name for x in old.rates]
    for a, b in zip(new.rates, old.rates):
        assert (a.low_reason, a.high_reason) == (b.low_reason, b.high_reason), a.name
        assert same(a.low, b.low) and same(a.high, b.high), (a.name, (a.low, a.high), (b.low, b.high))
        for mine, theirs in ((a.objective_at_low, b.objective_at_low), (a.objective_at_high, b.objective_at_high)):
            # the old algorithm reports the objective at its last point inside (within 1e-6 of the end)
            assert (mine is None) == (theirs is None), a.name
            if mine is not None:
                assert mine == pytest.approx(theirs, rel=1e-5, abs=1e-6), a.name
    assert (new.alternative is None) == (old.alternative is None)
