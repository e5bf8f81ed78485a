"""A sweep of a tier's cost as a cheap variant (the coefficient map, no rebuild per point) where the
model keeps its shape over the range: every point agrees with the same point built and solved anew
(the rebuild path), and one point with a hand-built LP (scipy linprog); where the shape would change
(a cost out of order, a spend limit read through the schedule) the sweep builds each point anew."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog

from optimizer import Scenario, load_scenario
from optimizer.analysis import sweeps
from optimizer.analysis.sweeps import run_sweep
from optimizer.analysis.variation import Explorer

SEARCH = [{"up_to": 2000, "cost": 35}, {"up_to": 5000, "cost": 55}, {"cost": 90}]
PATH = "channels[search].cost_per_lead[1].cost"


def scenario(**search) -> Scenario:
    return Scenario(channels=[{"name": "search", "cost_per_lead": SEARCH, **search},
                              {"name": "email", "cost_per_lead": 60, "max_units": 1500},
                              {"name": "display", "cost_per_lead": 120}],
                    targets={"leads": 6000}, budget=600_000)


def rebuilt(s: Scenario, parameters: dict) -> list:
    """Every point built and solved anew, as the sweep does for a reshaping change."""
    import itertools

    return [sweeps._rebuilt(s, dict(zip(parameters, combo))) for combo in itertools.product(*parameters.values())]


def agree(result, points) -> None:
    for i, point in enumerate(points):
        assert result.status[i] == point.status
        if point.has_plan:
            assert result.objective_value[i] == pytest.approx(point.objective_value, rel=1e-9)
            spend = point.program.channel_spend(point.units)
            assert list(result.spend[i]) == pytest.approx(list(spend), rel=1e-9, abs=1e-6)


@pytest.fixture
def no_rebuild(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("a point was rebuilt")

    monkeypatch.setattr(sweeps, "_rebuilt", fail)


def test_a_tier_cost_inside_its_neighbours_is_mapped_and_agrees_with_the_rebuild_path(monkeypatch):
    s = scenario()
    values = list(np.linspace(36, 89, 12)) + [0.0, -3.0]  # 0 leaves the map's range; -3 is invalid
    expected = rebuilt(s, {PATH: values})
    calls = []
    original = sweeps._rebuilt
    monkeypatch.setattr(sweeps, "_rebuilt", lambda *a: calls.append(a) or original(*a))
    result = run_sweep(s, {PATH: values})
    assert calls == []  # every point a variant of the kept model
    agree(result, expected)
    assert result.status[-1] == "invalid" and "cost_per_lead[1].cost" in result.messages[-1]
    # and one point by hand: x0 <= 2000 at 35, x1 <= 3000 at c, x2 at 90, email <= 1500 at 60, display
    # at 120; leads >= 6000
    for i, c in enumerate(values[:12]):
        lp = linprog([35, c, 90, 60, 120], A_ub=[[-1] * 5, [0, 0, 0, 1, 0], [35, c, 90, 60, 120]],
                     b_ub=[-6000, 1500, 600_000], bounds=[(0, 2000), (0, 3000), (0, None), (0, None), (0, None)],
                     method="highs")
        assert result.objective_value[i] == pytest.approx(lp.fun)


def test_the_explorer_maps_a_tier_cost(no_rebuild):
    explorer = Explorer(scenario())
    assert explorer.maps_tier_costs({PATH: [40.0, 50.0]})
    assert PATH in explorer.values.paths
    outcome = explorer.solve({PATH: 45.0})
    assert outcome.program.columns[1].price == pytest.approx(45.0)
    group = outcome.program.tier_groups[0]
    assert group.costs == pytest.approx((35, 45, 90))  # the schedule the plan reports, at the point's cost


def test_a_grid_of_a_tier_cost_and_the_budget_agrees_with_the_rebuild_path():
    s = scenario()
    parameters = {PATH: [40.0, 50.0, 60.0], "budget": [300_000.0, 400_000.0, 600_000.0]}
    agree(run_sweep(s, parameters), rebuilt(s, parameters))


def test_a_tier_cost_per_period_is_mapped_and_agrees_with_the_rebuild_path(no_rebuild):
    s = Scenario(periods=["H1", "H2"],
                 channels=[{"name": "search", "cost_per_lead": {"H1": SEARCH, "H2": 70}},
                           {"name": "display", "cost_per_lead": 120}],
                 targets={"leads": {"H1": 4000, "H2": 500}})
    path = "channels[search].cost_per_lead.H1[1].cost"
    values = [40.0, 60.0, 80.0]
    result = run_sweep(s, {path: values})
    from optimizer import optimize
    from optimizer.scenario.paths import apply_changes

    for i, v in enumerate(values):
        assert result.objective_value[i] == pytest.approx(optimize(apply_changes(s, {path: v})).objective_value)
    # by hand: H1 2,000 at 35 and 2,000 at the swept cost; H2 500 at 70
    assert list(result.objective_value) == pytest.approx([2000 * 35 + 2000 * v + 500 * 70 for v in values])


@pytest.mark.parametrize(("s", "values"), [
    (scenario(), [20.0, 50.0]),  # 20 is below tier 0's 35: a volume discount, binaries
    (scenario(), [50.0, 95.0]),  # 95 is above tier 2's 90
    (scenario(max_spend=200_000), [40.0, 50.0]),  # a spend limit is a bound on units through the schedule
])
def test_where_the_shape_would_change_each_point_is_built_anew_and_exact(s, values):
    explorer = Explorer(s)
    assert not explorer.maps_tier_costs({PATH: values})
    assert explorer.values is None and explorer.scenario is s
    agree(run_sweep(s, {PATH: values}), rebuilt(s, {PATH: values}))


def test_the_bundled_tiered_scenario_sweeps_a_tier_cheaply(no_rebuild):
    from pathlib import Path

    s = load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "b2b-tiered-search.yaml")
    result = run_sweep(s, {"channels[paid_search].cost_per_lead[1].cost": [40.0, 50.0, 60.0]})
    assert list(result.spend[:, 0]) == pytest.approx([94_800, 101_000, 107_200])  # as the README shows
