"""Generated scenarios of any size, for benchmarks: realistic funnels, every kind of limit.

``scenario_data(n)`` returns the scenario as plain data (what a YAML or JSON file holds): a budget,
a revenue target, a sales-capacity cap, per-channel spend limits, and one custom constraint per 10
channels. Seeded, so every run times the same model; feasible by construction (the target asks for
a third of what the channels could bring at their spend limits).

    python benchmarks/generate.py 1000 > /tmp/scenario-1000.json
    python benchmarks/generate.py 100 12 > /tmp/scenario-100-by-12.json   # by month (periodic_data)
    python benchmarks/generate.py 1000 tiered > /tmp/scenario-1000-tiered.json   # three tiers a channel
"""

from __future__ import annotations

import json
import sys

import numpy as np

PRICES = ("cost_per_contact", "cost_per_lead", "cost_per_qualified_lead", "unit_cost")


def scenario_data(n: int, seed: int = 7) -> dict:
    rng = np.random.default_rng(seed)
    funnel = {"response_rate": 0.02, "qualification_rate": 0.25, "opportunity_rate": 0.4, "win_rate": 0.2}
    deal_value = 25_000.0
    channels, revenue_at_max, ql_at_max = [], 0.0, 0.0
    for i in range(n):
        kind = PRICES[i % 4]
        channel: dict = {"name": f"ch{i}"}
        qualification = float(rng.uniform(0.08, 0.45))
        win = float(rng.uniform(0.12, 0.32))
        if kind == "cost_per_contact":
            price = float(rng.uniform(0.5, 4.0))
            per_unit_ql = funnel["response_rate"] * qualification
        elif kind == "cost_per_lead":
            price = float(rng.uniform(20, 250))
            per_unit_ql = qualification
        elif kind == "cost_per_qualified_lead":
            price = float(rng.uniform(300, 1500))
            per_unit_ql = 1.0
        else:
            price = float(rng.uniform(5_000, 60_000))
            leads = float(rng.integers(50, 400))
            channel["yields"] = {"leads": leads}
            per_unit_ql = leads * qualification
        channel[kind] = round(price, 2)
        if kind != "cost_per_qualified_lead":
            channel["qualification_rate"] = round(qualification, 4)
        channel["win_rate"] = round(win, 4)
        max_spend = float(rng.uniform(20_000, 300_000))
        channel["max_spend"] = round(max_spend, 2)
        units_at_max = max_spend / price
        ql_at_max += units_at_max * per_unit_ql
        revenue_at_max += units_at_max * per_unit_ql * funnel["opportunity_rate"] * win * deal_value
        channels.append(channel)
    constraints = [{"name": f"mix{k}", "expr": f"spend[ch{k}] <= 2 * spend[ch{k + 1}] + 50000"}
                   for k in range(0, n - 1, 10)]
    return {"name": f"generated-{n}", "budget": round(sum(c["max_spend"] for c in channels) * 0.6, 2),
            "deal_value": deal_value, "funnel": funnel,
            "targets": {"revenue": round(revenue_at_max / 3, 2)},
            "caps": {"qualified_leads": round(ql_at_max * 0.8, 2)},
            "channels": channels, "constraints": constraints}



def periodic_data(n: int, periods: int = 12, seed: int = 7) -> dict:
    """``scenario_data(n)`` planned by month: ``periods`` periods with a three-period sales cycle,
    seasonal sales capacity (a cap on qualified leads per period), a seasonal qualification rate on
    every fourth channel, unit-cost channels available every other period, pipeline in flight and
    a share rule within every period. The horizon's revenue target asks for a quarter of what the
    channels could bring (less than a third: the last periods' deals close after the horizon)."""
    data = scenario_data(n, seed)
    names = [f"M{k + 1:02d}" for k in range(periods)]
    season = [1.0 + 0.25 * ((k % 4) - 1.5) / 1.5 for k in range(periods)]  # 0.75 .. 1.25
    data["name"] = f"generated-{n}-by-{periods}"
    data["periods"] = names
    data["funnel"] = {**data["funnel"], "sales_cycle": [0.3, 0.5, 0.2]}
    data["targets"] = {"revenue": round(data["targets"]["revenue"] * 0.75, 2)}
    ql = data["caps"]["qualified_leads"]
    data["caps"] = {"qualified_leads": {p: round(ql * s / periods, 2) for p, s in zip(names, season)}}
    data["pipeline"] = {"deals": {names[0]: 20, names[1]: 8}}
    for i, channel in enumerate(data["channels"]):
        if i % 4 == 1 and "qualification_rate" in channel:
            base = channel["qualification_rate"]
            channel["qualification_rate"] = {p: round(min(1.0, base * s), 4) for p, s in zip(names, season)}
        if "unit_cost" in channel:
            channel["available"] = names[i % 2::2]
    data["constraints"] = data["constraints"] + [
        {"name": "ch0_share", "expr": "spend[ch0] <= 0.3 * total_spend", "each_period": True}]
    return data

def set_up_data(n: int, seed: int = 7) -> dict:
    """``scenario_data(n)`` with set-up costs and minimum buys (a mixed-integer model): every channel
    a ``fixed_cost`` of 5% to 30% of its ``max_spend`` (which bounds its units), and every third a
    ``min_spend_if_used`` of 40% of it. The revenue target asks for a fifth of what the channels
    could bring at their spend limits (a third before the set-ups, which buy nothing), so the plan
    must choose which channels are worth setting up."""
    data = scenario_data(n, seed)
    rng = np.random.default_rng(seed + 1)
    data["name"] = f"generated-{n}-set-up"
    for i, channel in enumerate(data["channels"]):
        channel["fixed_cost"] = round(float(rng.uniform(0.05, 0.3)) * channel["max_spend"], 2)
        if i % 3 == 0:
            channel["min_spend_if_used"] = round(0.4 * channel["max_spend"], 2)
    data["targets"] = {"revenue": round(data["targets"]["revenue"] * 0.6, 2)}
    return data


def tiered_data(n: int, seed: int = 7) -> dict:
    """``scenario_data(n)`` with every channel's price in three tiers, each dearer than the one before
    (an LP: the cheap inventory runs out): the channel's price up to a quarter of the units its
    ``max_spend`` bought at that price, 1.35 times it up to 60%, then 1.8 times it. The mix rules
    become caps on pairs of channels' spend (a rule such as ``spend[a] <= 2 * spend[b]`` rewards
    spending on ``b``, which would need binaries for the order), and the revenue target asks for a
    fifth of what the channels could bring at their flat prices."""
    data = scenario_data(n, seed)
    data["name"] = f"generated-{n}-tiered"
    for channel in data["channels"]:
        kind = next(k for k in PRICES if k in channel)
        price = channel[kind]
        units = channel["max_spend"] / price
        channel[kind] = [{"up_to": round(0.25 * units, 4), "cost": price},
                         {"up_to": round(0.6 * units, 4), "cost": round(1.35 * price, 2)},
                         {"cost": round(1.8 * price, 2)}]
    data["constraints"] = [{"name": f"pair{k}", "expr": f"spend[ch{k}] + spend[ch{k + 1}] <= 250000"}
                           for k in range(0, n - 1, 10)]
    data["targets"] = {"revenue": round(data["targets"]["revenue"] * 3 / 5, 2)}
    return data


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    if len(sys.argv) > 2 and sys.argv[2] == "tiered":
        json.dump(tiered_data(size), sys.stdout, indent=1)
        raise SystemExit(0)
    by = int(sys.argv[2]) if len(sys.argv) > 2 else 0  # periods: 0 for none
    json.dump(periodic_data(size, by) if by else scenario_data(size), sys.stdout, indent=1)
