"""The sales funnel: its stages, the rate into each, and what one unit of a channel yields.

Pure arithmetic on plain numbers, imported by the scenario schema (to validate) and by the model.

>>> y = channel_yields("cost_per_lead", None, {}, {"qualification_rate": 0.5, "win_rate": 0.2})
>>> y.entry, y.per_unit["qualified_leads"], y.per_unit["deals"]
('leads', 0.5, 0.1)
"""

from __future__ import annotations

from dataclasses import dataclass, field

STAGES = ("reach", "leads", "qualified_leads", "opportunities", "deals", "revenue")
RATE_INTO = {
    "leads": "response_rate",
    "qualified_leads": "qualification_rate",
    "opportunities": "opportunity_rate",
    "deals": "win_rate",
    "revenue": "deal_value",
}
RATE_FIELDS = tuple(RATE_INTO.values())
CONVERSION_RATES = RATE_FIELDS[:-1]
PRICE_FIELDS = ("cost_per_contact", "cost_per_lead", "cost_per_qualified_lead", "unit_cost")
PRICE_ENTRY = {"cost_per_contact": "reach", "cost_per_lead": "leads", "cost_per_qualified_lead": "qualified_leads"}
PRICE_UNIT = {"cost_per_contact": "contact", "cost_per_lead": "lead", "cost_per_qualified_lead": "qualified lead",
              "unit_cost": "unit"}
STAGE_LABEL = {"reach": "reach", "leads": "leads", "qualified_leads": "qualified leads",
               "opportunities": "opportunities", "deals": "deals", "revenue": "revenue"}
DEFAULT_RATES = {"opportunity_rate": 1.0}


@dataclass(frozen=True)
class ChannelYields:
    """What one unit of a channel yields: per metric an amount, or None where a rate is missing."""

    entry: str | None
    per_unit: dict[str, float | None]
    missing: dict[str, str] = field(default_factory=dict)  # stage -> the rate field it lacks
    ignored_rates: tuple[str, ...] = ()  # rates given on the channel that cannot apply


def entry_stage(price_field: str, yields: dict[str, float] | None) -> str | None:
    """The funnel stage a channel's unit enters at (None: outside the funnel)."""
    if price_field in PRICE_ENTRY:
        return PRICE_ENTRY[price_field]
    given = [s for s in STAGES if s in (yields or {})]
    return given[0] if given else None


def channel_yields(price_field: str, yields: dict[str, float] | None, own_rates: dict[str, float | None],
                   default_rates: dict[str, float | None]) -> ChannelYields:
    """Per-unit yield of every funnel stage and yields metric for one channel."""
    yields = dict(yields or {})
    entry = entry_stage(price_field, yields)
    per_unit: dict[str, float | None] = {}
    missing: dict[str, str] = {}
    ignored = [r for stage, r in RATE_INTO.items() if own_rates.get(r) is not None
               and (entry is None or STAGES.index(stage) <= STAGES.index(entry) or stage in yields)]
    if entry is None:
        per_unit.update({s: 0.0 for s in STAGES})
    else:
        start = STAGES.index(entry)
        previous: float | None = None
        first_missing: str | None = None
        for i, stage in enumerate(STAGES):
            if i < start:
                per_unit[stage] = 0.0
                continue
            if stage in yields:
                per_unit[stage], first_missing = float(yields[stage]), None
            elif i == start:
                per_unit[stage] = 1.0
            else:
                rate_field = RATE_INTO[stage]
                rate = _first_given(own_rates.get(rate_field), default_rates.get(rate_field),
                                    DEFAULT_RATES.get(rate_field))
                if previous is None or rate is None:
                    first_missing = first_missing or rate_field
                    per_unit[stage] = None
                    missing[stage] = first_missing
                else:
                    per_unit[stage] = previous * rate
            previous = per_unit[stage]
    for metric, amount in yields.items():
        if metric not in STAGES:
            per_unit[metric] = float(amount)
    return ChannelYields(entry, per_unit, missing, tuple(ignored))


def _first_given(*values: float | None) -> float | None:
    return next((v for v in values if v is not None), None)
