"""Reproducible numbers: the scenario's fingerprint and the versions that produced an answer.

>>> from optimizer import Scenario
>>> provenance(Scenario(channels=[{"name": "email", "cost_per_lead": 20}], targets={"leads": 100}), "highs").solver
'highs'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..scenario.fingerprint import scenario_sha256

if TYPE_CHECKING:  # pragma: no cover
    from ..model.solve import SolverInfo
    from ..scenario.schema import Scenario


@dataclass(frozen=True)
class Provenance:
    """What produced a number: the scenario's fingerprint, this tool's version and the solver's."""

    scenario_sha256: str
    tool_version: str
    solver: str
    solver_version: str

    def to_dict(self) -> dict[str, str]:
        return {"scenario_sha256": self.scenario_sha256, "tool_version": self.tool_version,
                "solver": self.solver, "solver_version": self.solver_version}


def provenance(scenario: Scenario, solver: SolverInfo | str = "highs") -> Provenance:
    """The provenance of an answer for ``scenario``, solved by ``solver`` (a SolverInfo or a solver name)."""
    from ..model.solve import solver_version
    from ..version import __version__

    if isinstance(solver, str):
        name, version = solver, solver_version(solver)
    else:
        name, version = solver.name, solver.version
    return Provenance(scenario_sha256(scenario), __version__, name, version)
