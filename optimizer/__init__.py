"""campaign-optimizer: allocate a marketing budget across channels with linear programming.

>>> from optimizer import Scenario, optimize
>>> plan = optimize(Scenario(channels=[{"name": "email", "cost_per_lead": 20}], targets={"leads": 50}))
>>> plan.total_spend
1000.0
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from .version import __version__

# Names resolve on first use, so `campaign-optimizer --help` does not import the solver stack.
_EXPORTS = {
    "Scenario": "scenario.schema", "Channel": "scenario.schema", "Funnel": "scenario.schema",
    "load_scenario": "scenario.loading", "apply_changes": "scenario.paths",
    "optimize": "analysis.plan", "Plan": "analysis.plan", "plan_from_pulp": "analysis.plan",
    "to_pulp": "model.pulp_model",
    "check": "analysis.check", "CheckResult": "analysis.check", "write_report": "output.report",
    "sensitivity": "analysis.sensitivity", "Sensitivity": "analysis.sensitivity",
    "sweep": "analysis.sweeps", "run_sweep": "analysis.sweeps", "Sweep": "analysis.sweeps",
    "compare": "analysis.compare", "compare_files": "analysis.compare", "Comparison": "analysis.compare",
    "CampaignOptimizerError": "errors", "ScenarioError": "errors", "SolverError": "errors", "NoPlanError": "errors",
}
__all__ = [*_EXPORTS, "__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from .analysis.check import CheckResult, check
    from .analysis.compare import Comparison, compare, compare_files
    from .analysis.plan import Plan, optimize, plan_from_pulp
    from .analysis.sensitivity import Sensitivity, sensitivity
    from .analysis.sweeps import Sweep, run_sweep, sweep
    from .errors import CampaignOptimizerError, NoPlanError, ScenarioError, SolverError
    from .model.pulp_model import to_pulp
    from .output.report import write_report
    from .scenario.loading import load_scenario
    from .scenario.paths import apply_changes
    from .scenario.schema import Channel, Funnel, Scenario


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'optimizer' has no attribute {name!r}")
