"""A starter scenario for ``campaign-optimizer template``: a commented YAML file and its channels sheet.

>>> import tempfile
>>> from optimizer.scenario.loading import load_scenario
>>> written = write_template(tempfile.mkdtemp())
>>> [p.name for p in written]
['scenario.yaml', 'channels.csv']
>>> load_scenario(written[0]).channel_names
('email', 'paid_search', 'webinars', 'events', 'partners')
"""

from __future__ import annotations

from pathlib import Path

from ..errors import Issue, ScenarioError
from ..files import make_folder, write_atomic

SCENARIO = """\
# A starter scenario: edit the numbers, then run
#   campaign-optimizer validate scenario.yaml
#   campaign-optimizer optimize scenario.yaml
# Every field is described in docs/scenario-format.md; the channels sheet in docs/spreadsheets.md.
name: starter-plan
currency: USD
budget: 500_000          # the most marketing may spend (optional under min_spend)
deal_value: 25_000       # average revenue per deal

objective: min_spend     # the cheapest plan meeting the targets; or max_deals, max_revenue, max_profit

funnel:                  # defaults for every channel; a column in the sheet overrides them per channel
  response_rate: 2%      # people reached -> leads
  qualification_rate: 0.25   # leads -> qualified leads
  opportunity_rate: 0.5      # qualified leads -> opportunities
  win_rate: 0.2              # opportunities -> deals

targets:                 # minimums over all channels together
  revenue: 2_000_000     # 80 deals at 25,000

caps:                    # maximums over all channels together
  qualified_leads: 900   # what the sales team can follow up

# The channels are kept in a spreadsheet beside this file: a row per channel, a column per
# channel field (name, exactly one price, rates, min_/max_spend, min_/max_units, integer) and
# caps.METRIC / yields.METRIC for the nested ones. Empty cells mean "not given".
# For a workbook: channels: {file: channels.xlsx, sheet: Channels}
channels: channels.csv

constraints:             # linear rules over spend, units and metrics
  - name: search_share
    expr: "spend[paid_search] <= 0.4 * total_spend"
"""

CHANNELS = """\
name,cost_per_contact,cost_per_lead,cost_per_qualified_lead,unit_cost,yields.leads,qualification_rate,win_rate,\
min_units,max_units,max_spend,integer
email,,40,,,,0.12,,,3000,,
paid_search,,150,,,,0.30,,,,,
webinars,,,,12000,100,0.35,,,24,,true
events,,,,50000,280,,0.26,1,4,,true
partners,,,800,,,,0.30,,200,,
"""

FILES = {"scenario.yaml": SCENARIO, "channels.csv": CHANNELS}


def write_template(folder: str | Path, force: bool = False) -> list[Path]:
    """Write the starter ``scenario.yaml`` and ``channels.csv`` into ``folder`` (made if missing).

    Existing files are kept unless ``force``: a template never overwrites work silently.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ScenarioError(Issue("--output", f"{folder} is a file; allowed: a folder (made if missing)"))
    targets = [folder / name for name in FILES]
    existing = [str(p) for p in targets if p.exists()]
    if existing and not force:
        raise ScenarioError(Issue("--output", f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}"
                                              "; allowed: another folder, or --force to replace them"))
    make_folder(folder, "--output")
    for path in targets:
        write_atomic(path, FILES[path.name])
    return targets
