"""``write_report(..., timing=False)``: the date left out, the same plan writes the same bytes (.md, .html)."""

from __future__ import annotations

import datetime as dt

import pytest

from optimizer import Scenario, optimize
from optimizer.output.report import write_report


@pytest.fixture(scope="module")
def plan():
    return optimize(Scenario.model_validate({
        "name": "two-channels", "deal_value": 1000, "funnel": {"qualification_rate": 0.5, "win_rate": 0.2},
        "targets": {"deals": 20}, "channels": [{"name": "email", "cost_per_lead": 20, "max_units": 150},
                                               {"name": "search", "cost_per_lead": 50}]}))


@pytest.mark.parametrize("suffix", [".md", ".html"])
def test_without_timing_the_same_plan_writes_the_same_bytes(plan, tmp_path, suffix):
    first, second = tmp_path / "a", tmp_path / "b"
    files = []
    for folder, when in ((first, dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)),
                         (second, dt.datetime(2027, 6, 30, 23, 59, tzinfo=dt.UTC))):
        folder.mkdir()
        files.append(write_report(plan, None, folder / f"plan{suffix}", charts_dir=folder / "charts", when=when,
                                  timing=False))
    assert [p.name for p in files[0]] == [p.name for p in files[1]] == [
        f"plan{suffix}", "spend-by-channel.png", "funnel.png", "cost-per-deal.png"]
    for a, b in zip(*files):
        assert a.read_bytes() == b.read_bytes(), a.name
    text = files[0][0].read_text()
    assert "generated" not in text and "2026" not in text and "UTC" not in text


@pytest.mark.parametrize("suffix", [".md", ".html"])
def test_with_timing_the_report_says_when(plan, tmp_path, suffix):
    path = tmp_path / f"plan{suffix}"
    write_report(plan, None, path, when=dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC))
    assert "2026-01-01 09:00 UTC" in path.read_text()
