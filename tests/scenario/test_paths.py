"""Typed numbers become floats in one place: ``--set`` values and the points of ``--vary`` ranges
are computed in decimal from the text, then converted once, so both give the same floats and the
same fingerprints. Expected floats are what Python reads from the decimal text (independent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer import apply_changes, load_scenario
from optimizer.analysis.sweeps import parse_values
from optimizer.scenario.fingerprint import scenario_sha256
from optimizer.scenario.paths import changes_from_options

B2B = Path(__file__).resolve().parents[2] / "scenarios" / "b2b-annual-plan.yaml"


@pytest.mark.parametrize("text, expected", [
    ("0.1:0.3:3", ["0.1", "0.2", "0.3"]),
    ("0.1:0.7:7", ["0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7"]),  # linspace gives 0.30000000000000004
    ("1.1%:3.3%:3", ["0.011", "0.022", "0.033"]),
    ("10%:30%:3", ["0.1", "0.2", "0.3"]),
    ("4e6:6e6:5", ["4000000", "4500000", "5000000", "5500000", "6000000"]),
    ("1_000:2_000:3", ["1000", "1500", "2000"]),
    ("1.1%, 7%, 0.07", ["0.011", "0.07", "0.07"]),
])
def test_range_points_are_the_floats_their_decimal_text_parses_to(text, expected):
    assert parse_values("x", text) == [float(e) for e in expected]


@pytest.mark.parametrize("path, vary, sets", [
    ("funnel.win_rate", "1.1%:3.3%:3", ["1.1%", "2.2%", "3.3%"]),
    ("channels[webinars].qualification_rate", "0.1:0.7:7", ["0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7"]),
    ("budget", "5e5:7e5:3", ["5e5", "6e5", "7e5"]),
])
def test_set_and_vary_give_the_same_numbers_and_fingerprints(path, vary, sets):
    scenario = load_scenario(B2B)
    for point, typed in zip(parse_values(path, vary), sets, strict=True):
        by_set = apply_changes(scenario, changes_from_options([f"{path}={typed}"]))
        by_vary = apply_changes(scenario, {path: point})
        assert by_set.to_data() == by_vary.to_data()
        assert scenario_sha256(by_set) == scenario_sha256(by_vary)
