"""Money printed as money, decided in one place (optimizer.output.formats.is_money)."""

import subprocess
import sys
from pathlib import Path

from optimizer.output.formats import is_money, quantity

ROOT = Path(__file__).resolve().parents[2]


def test_what_is_money() -> None:
    money = ["revenue", "targets.revenue", "caps.revenue", "budget", "channels[x].min_spend", "channels[x].max_spend",
             "min_spend", "max_profit", "max_revenue", "deal_value", "cost_per_lead", "total_spend"]
    counts = ["deals", "targets.deals", "caps.qualified_leads", "channels[x].max_units", "max_deals", "leads"]
    assert all(is_money(name) for name in money)
    assert not any(is_money(name) for name in counts)
    assert quantity("targets.revenue", 4.8e6, "EUR") == "€4,800,000"
    assert quantity("targets.deals", 120.0) == "120"


def test_optimize_prints_the_revenue_target_as_money() -> None:
    done = subprocess.run([sys.executable, "-m", "optimizer", "optimize", str(ROOT / "scenarios/b2b-annual-plan.yaml")],
                          capture_output=True, text=True, env={"COLUMNS": "150", "NO_COLOR": "1", "PATH": ""})
    assert done.returncode == 0
    assert "  targets.revenue: $4,800,000 (>= $4,800,000)" in done.stdout.splitlines()
    assert "  caps.qualified_leads: 1,300 (<= 1,300)" in done.stdout.splitlines()
