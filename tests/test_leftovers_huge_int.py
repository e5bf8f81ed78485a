"""An integer beyond any float (10**400) is an input error with the rule's message, never an OverflowError."""

from __future__ import annotations

import subprocess
import sys

import pytest

from optimizer import Scenario, ScenarioError


def test_the_library_refuses_a_huge_int_as_bad_input():
    with pytest.raises(ScenarioError) as exc:
        Scenario(budget=10**400, channels=[{"name": "a", "cost_per_lead": 1}])
    assert exc.value.issues[0].path == "budget"
    assert exc.value.issues[0].message.startswith("1e400 is larger than the documented 1e15; allowed: a number in "
                                                  "(0, 1e15]")


@pytest.mark.parametrize("how", ["yaml", "set"])
def test_the_cli_exits_2_for_a_400_digit_budget(tmp_path, how):
    digits = "9" * 400
    path = tmp_path / "big.yaml"
    budget = digits if how == "yaml" else "1000"
    path.write_text(f"name: big\nbudget: {budget}\ntargets: {{leads: 1}}\nchannels:\n  - name: a\n"
                    "    cost_per_lead: 1\n")
    extra = [] if how == "yaml" else ["--set", "budget=1e400"]
    done = subprocess.run([sys.executable, "-m", "optimizer", "validate", str(path), *extra], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "budget:" in done.stderr + done.stdout and "Traceback" not in done.stderr
