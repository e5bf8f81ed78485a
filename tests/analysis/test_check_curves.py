"""check on response curves: a proposal's spend buys along the curve, each jump in spend paid before
its segment buys (numbers by hand from the points), and it is held to the user's limits only."""

import pytest
from typer.testing import CliRunner

from optimizer import Scenario, ScenarioError
from optimizer.analysis.check import check
from optimizer.cli import app

# $10,000 for 500 leads; then $15,000 buys nothing more, then $15,000 for 1,000 and $20,000 for 500
JUMPY = {"stage": "leads", "points": [[0, 0], [10000, 500], [25000, 500], [40000, 1500], [60000, 2000]]}
VIDEO = {"stage": "leads", "points": [[0, 0], [30000, 200], [60000, 1500], [90000, 1800]]}  # not concave


def scenario(**extra):
    return Scenario(targets={"leads": 100}, channels=[{"name": "search", "response_curve": JUMPY, **extra},
                                                      {"name": "video", "response_curve": VIDEO}])


def search(result):
    return next(c for c in result.channels if c.name == "search")


@pytest.mark.parametrize(("spend", "leads"), [
    (5000, 250),                      # half the first segment, at $20
    (10000, 500),                     # the end of the first segment
    (25000, 500),                     # the jump paid, nothing more bought yet: a point of the curve
    (30000, 500 + 5000 / 15),         # after the jump, $15 a lead
    (50000, 1500 + 10000 / 40),       # into the last segment, $40 a lead
])
def test_a_proposal_spend_buys_along_the_curve_paying_the_jump(spend, leads):
    r = check(scenario(), {"search": spend})
    assert search(r).units == pytest.approx(leads)
    assert search(r).spend == pytest.approx(spend)
    assert r.violations == ()


def test_a_spend_inside_a_jump_is_an_input_error():
    with pytest.raises(ScenarioError) as info:
        check(scenario(), {"search": 12000})
    assert str(info.value) == ("search: spend 12000 stops inside a jump in spend of search's response curve "
                               "(10000 buys 500, and the curve buys more only from 25000 on), so part of it buys "
                               "nothing; allowed: at most 10000, or at least 25000")


def test_a_spend_past_the_last_point_breaks_the_curve_s_cap_only():
    r = check(scenario(), {"search": 70000})  # $60,000 reaches 2,000 leads; $10,000 more at $40: 250 past the cap
    assert [(v.name, v.value, v.limit) for v in r.violations] == [("channels[search].response_curve", 2250, 2000)]


def test_a_non_concave_curve_s_proposal_breaks_no_order_row():
    # video: $30,000 for 200 leads, $30,000 more for 1,300, then $100 a lead: $75,000 buys 1,650
    r = check(scenario(), {"video": 75000})
    assert next(c for c in r.channels if c.name == "video").units == pytest.approx(1650)
    assert r.violations == ()


def test_check_exits_2_on_a_spend_inside_a_jump(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: s\ntargets: {leads: 100}\nchannels:\n  - name: search\n    response_curve: "
                    "{stage: leads, points: [[0, 0], [10000, 500], [25000, 500], [40000, 1500]]}\n")
    proposal = tmp_path / "p.yaml"
    proposal.write_text("search: 12000\n")
    result = CliRunner().invoke(app, ["check", str(path), str(proposal)])
    assert result.exit_code == 2
    assert "stops inside a jump in spend" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(("spend", "leads"), [(8000, 0), (14000, 200), (20000, 400), (28000, 600)])
def test_a_jump_before_the_first_segment_is_paid_first(spend, leads):
    # $8,000 buys nothing, then $30 a lead to 400, then $40 a lead
    late = {"stage": "leads", "points": [[0, 0], [8000, 0], [20000, 400], [36000, 800]]}
    r = check(Scenario(targets={"leads": 10}, channels=[{"name": "search", "response_curve": late}]),
              {"search": spend})
    assert search(r).units == pytest.approx(leads)
    assert search(r).spend == pytest.approx(spend)
    assert r.total_spend == pytest.approx(spend)
