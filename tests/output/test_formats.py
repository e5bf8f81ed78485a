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


# -- small nonzero values are never printed as zero -----------------------------------------------------
def test_a_small_rate_keeps_its_significant_digits() -> None:
    from optimizer.output.formats import percent

    assert percent(0.00001) == "0.001%"  # a rate of 0.001%, once "0.0%"
    assert percent(0.0000123) == "0.0012%"
    assert percent(-0.00001) == "-0.001%"
    assert [percent(v) for v in (0.389, 0.0005, 0.00049, 0.0, 1.0)] == ["38.9%", "0.1%", "0.049%", "0.0%", "100.0%"]


def test_a_small_ratio_or_count_keeps_its_significant_digits() -> None:
    from optimizer.output.formats import number

    assert number(0.0004) + "x" == "0.0004x"  # a return of 0.0004x, once "0x"
    assert [number(v) for v in (0.0004, 0.00123, -0.0004, 0.004, 0.005, 12.345, 1234567.8, 0.0)] == [
        "0.0004", "0.0012", "-0.0004", "0.004", "0.01", "12.35", "1,234,568", "0"]


def test_money_below_a_cent_is_not_zero() -> None:
    from optimizer.output.formats import money

    assert [money(v) for v in (0.0001, 0.00001, 0.0000015, -0.00002)] == ["$0.0001", "$0.00001", "$0.0000015",
                                                                          "-$0.00002"]
    # normal amounts keep their format
    assert [money(v) for v in (545600, 4167.3, 12.5, 1.0, 0.85, 0.004, 0.0)] == [
        "$545,600", "$4,167", "$12.50", "$1.00", "$0.85", "$0.004", "$0"]
    assert money(0.00001, "JPY") == "¥0.00001" and money(0.00001, "CHF") == "0.00001 CHF"


def test_validate_shows_a_tiny_price_and_its_yield(tmp_path) -> None:
    # a channel at $0.00001 a contact with a 0.001% response rate: what $1,000 buys is 100,000,000
    # contacts and 1,000 leads; the price once printed as "$0"
    path = tmp_path / "tiny.yaml"
    path.write_text("targets: {leads: 10}\nchannels:\n  - name: tv\n    cost_per_contact: 0.00001\n"
                    "    response_rate: 0.001%\n")
    done = subprocess.run([sys.executable, "-m", "optimizer", "validate", str(path)], capture_output=True, text=True,
                          env={"COLUMNS": "200", "NO_COLOR": "1", "PATH": ""})
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith("│ tv"))
    assert "$0.00001 / contact" in row and "100,000,000" in row and "1,000" in row
