"""The kept HiGHS model: answers in domain terms, dual signs of min and max problems, changes of
numbers and of structure, and the second LP for alternative optima; checked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer import Scenario, apply_changes
from optimizer.model.build import build_program
from optimizer.model.highs import WarmModel

# Two channels: email 20 per lead (at most 150 leads), search 50 per lead.
BASE = Scenario(channels=[{"name": "email", "cost_per_lead": 20, "max_units": 150},
                          {"name": "search", "cost_per_lead": 50}], targets={"leads": 100})


def test_min_problem_duals_are_the_change_per_unit_more():
    model = WarmModel(build_program(BASE))
    solution = model.solve()
    assert solution.units.tolist() == [100, 0]
    names = [limit.name for limit in model.program.limits]
    # one more lead costs 20 (email has room); email's cap does not bind
    assert solution.duals[names.index("targets.leads")] == pytest.approx(20)
    assert solution.duals[names.index("channels[email].max_units")] == pytest.approx(0)
    assert solution.reduced_costs.tolist() == pytest.approx([0, 30])


def test_max_problem_duals_keep_their_sign():
    """With 2,000 to spend, email (20 per lead, room for 150) buys 100 leads and the budget binds:
    one more unit of money buys 1/20 lead, a positive dual of a max problem."""
    s = apply_changes(BASE, {"objective": "max_leads", "budget": 2000})
    model = WarmModel(build_program(s))
    solution = model.solve()
    names = [limit.name for limit in model.program.limits]
    assert solution.units.tolist() == pytest.approx([100, 0])
    assert solution.duals[names.index("budget")] == pytest.approx(1 / 20)


def test_bounds_numbers_and_structure_change_on_the_kept_model():
    model = WarmModel(build_program(BASE))
    model.solve()
    model.set_bound(0, 200)  # targets.leads: 150 from email, 50 from search
    assert model.solve().units.tolist() == pytest.approx([150, 50])
    assert model.load(build_program(apply_changes(BASE, {"channels[search].cost_per_lead": 10})))
    assert model.solve().units.tolist() == pytest.approx([0, 100])  # the target is back at 100 too
    grown = build_program(apply_changes(BASE, {"channels[search].max_units": 10}))
    assert not model.load(grown)  # a new limit: the model is loaded in full
    assert model.solve().units.tolist() == pytest.approx([100, 0])


def test_extremes_find_equal_plans_and_restore_the_model():
    twins = Scenario(channels=[{"name": "a", "cost_per_lead": 10}, {"name": "b", "cost_per_lead": 10}],
                     targets={"leads": 100})
    model = WarmModel(build_program(twins))
    model.solve()
    extremes = model.extremes(1000.0, 1e-6)
    lows, highs = [pair[0][j] for j, pair in enumerate(extremes)], [pair[1][j] for j, pair in enumerate(extremes)]
    assert lows == pytest.approx([0, 0]) and highs == pytest.approx([100, 100])
    assert model.program.objective_value(model.solve().units) == pytest.approx(1000)
    assert np.isclose(model.solve().units.sum(), 100)


def test_a_process_without_stdout_still_solves():
    # pythonw, a daemon, `>&-`: sys.stdout is None and descriptor 1 closed (was: AttributeError on flush)
    import subprocess
    import sys
    from pathlib import Path

    code = ("import os, sys\nos.close(1)\nsys.stdout = None\nfrom optimizer import Scenario, optimize\n"
            "plan = optimize(Scenario.model_validate({'deal_value': 1000, 'targets': {'leads': 10},\n"
            "    'channels': [{'name': 'email', 'cost_per_lead': 3}]}))\n"
            "sys.stderr.write(f'{plan.status} {plan.objective_value}')\n")
    done = subprocess.run([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    status, value = done.stderr.split()
    assert status == "optimal" and float(value) == 30  # 10 leads at 3 each
