"""What a solver returned, in domain terms: the :class:`Status`, the :class:`Solution` and the
:class:`SolverInfo`; each solver's status words are translated to ours here, in one place.

>>> Status.from_highs("kOptimal"), Status.from_pulp(-2), Status.from_highs("kMemoryLimit")
('optimal', 'unbounded', 'error')
>>> Status.OPTIMAL == "optimal"
True
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

import numpy as np


class Status(StrEnum):
    """How a solve ended. Members are the plain strings JSON prints (``"optimal"``...)."""

    OPTIMAL = "optimal"
    TIME_LIMIT = "time_limit"  # stopped by a limit: a plan only if one was found in time
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INVALID = "invalid"  # a variant of the scenario broke a rule (sweeps, sensitivity)
    ERROR = "error"
    UNVERIFIED = "unverified"  # the solver's answer failed its proof (optimizer.model.certify): no proven plan

    def __repr__(self) -> str:
        return repr(self.value)  # prints as the string it stands for, as statuses always did

    @classmethod
    def from_highs(cls, model_status: str) -> Status:
        """HiGHS's model status name -> ours. ``kUnboundedOrInfeasible`` is no answer: the HiGHS
        adapter probes it (:meth:`~optimizer.model.highs.WarmModel.solve`) before calling this."""
        return _FROM_HIGHS.get(model_status, cls.ERROR)

    @classmethod
    def from_pulp(cls, code: int) -> Status:
        """PuLP's status code (``LpProblem.status``) -> ours."""
        return _FROM_PULP.get(code, cls.ERROR)


_FROM_HIGHS = {
    "kOptimal": Status.OPTIMAL,
    "kInfeasible": Status.INFEASIBLE,
    "kUnbounded": Status.UNBOUNDED,
    "kTimeLimit": Status.TIME_LIMIT,
    "kIterationLimit": Status.TIME_LIMIT,
    "kSolutionLimit": Status.TIME_LIMIT,
    "kInterrupt": Status.TIME_LIMIT,
    "kObjectiveBound": Status.OPTIMAL,
    "kObjectiveTarget": Status.OPTIMAL,
}
# PuLP 3.3: 1 Optimal, 0 Not Solved (CBC stopped before any plan), -1 Infeasible, -2 Unbounded, -3 Undefined
_FROM_PULP = {1: Status.OPTIMAL, 0: Status.TIME_LIMIT, -1: Status.INFEASIBLE, -2: Status.UNBOUNDED, -3: Status.ERROR}


@cache
def solver_version(name: str) -> str:
    """The text JSON shows as ``solver.version``; read from the packages (importlib.metadata costs start-up)."""
    if name == "highs":
        import highspy

        return f"{highspy.HIGHS_VERSION_MAJOR}.{highspy.HIGHS_VERSION_MINOR}.{highspy.HIGHS_VERSION_PATCH}"
    import pulp

    return f"CBC (bundled with PuLP {pulp.__version__})"


@dataclass(frozen=True)
class SolverInfo:
    name: str
    version: str
    seconds: float
    solver_seconds: float | None = None  # the solver's own run time, within ``seconds``
    model_seconds: float | None = None  # stating the model for the solver (arrays or PuLP), within ``seconds``

    def to_dict(self, timing: bool = True) -> dict:
        """``timing=False`` leaves out ``seconds``, so two runs of one scenario give identical JSON."""
        out = {"name": self.name, "version": self.version, "seconds": round(self.seconds, 6)}
        if not timing:
            del out["seconds"]
        return out


@dataclass(frozen=True)
class Solution:
    """What a solver returned, in domain terms: units per column and per-limit duals.

    ``certificate`` (an :class:`optimizer.model.certify.Certificate`) is the proof of a plan's
    status, None where no plan; ``claimed`` is what the solver said when the proof failed
    (``status`` is then ``unverified``) and ``failed`` the test that failed, in words.
    """

    status: Status
    units: np.ndarray | None
    duals: np.ndarray | None  # per limit: change of the objective per one unit more of its bound
    reduced_costs: np.ndarray | None
    mip_gap: float | None
    solver: SolverInfo
    mip_bound: float | None = None  # a MIP's dual bound (HiGHS), in the objective's units
    certificate: object | None = None
    claimed: Status | None = None
    failed: str | None = None

    @property
    def has_plan(self) -> bool:
        return self.units is not None and self.status in (Status.OPTIMAL, Status.TIME_LIMIT)
