"""campaign-optimizer: allocate a marketing budget across channels with linear programming.

>>> from optimizer import Scenario, optimize
>>> plan = optimize(Scenario(channels=[{"name": "email", "cost_per_lead": 20}], targets={"leads": 50}))
>>> plan.total_spend
1000.0
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# Names resolve on first use, so `campaign-optimizer --help` does not import the solver stack.
_EXPORTS = {
    "Scenario": "scenario", "Channel": "scenario", "Funnel": "scenario",
    "load_scenario": "loading", "apply_changes": "paths",
    "optimize": "plan", "Plan": "plan",
    "check": "proposal", "CheckResult": "proposal", "write_report": "report",
    "sensitivity": "sensitivities", "Sensitivity": "sensitivities",
    "sweep": "sweeps", "run_sweep": "sweeps", "Sweep": "sweeps",
    "compare": "comparison", "compare_files": "comparison", "Comparison": "comparison",
    "CampaignOptimizerError": "errors", "ScenarioError": "errors", "SolverError": "errors", "NoPlanError": "errors",
}
__all__ = [*_EXPORTS, "__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from .comparison import Comparison, compare, compare_files
    from .errors import CampaignOptimizerError, NoPlanError, ScenarioError, SolverError
    from .loading import load_scenario
    from .paths import apply_changes
    from .plan import Plan, optimize
    from .proposal import CheckResult, check
    from .report import write_report
    from .scenario import Channel, Funnel, Scenario
    from .sensitivities import Sensitivity, sensitivity
    from .sweeps import Sweep, run_sweep, sweep


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'optimizer' has no attribute {name!r}")
