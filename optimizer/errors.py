"""The named exceptions of campaign-optimizer, and the exit code each one means on the command line."""

from __future__ import annotations

from dataclasses import dataclass


class CampaignOptimizerError(Exception):
    """Base class of every error the tool reports as a message rather than a traceback."""

    exit_code = 1


@dataclass(frozen=True)
class Issue:
    """One thing wrong with the input: where (a field path), what is wrong, and what is allowed."""

    path: str
    message: str
    file: str | None = None  # the file the issue is in, where it is not the error's own (a channels sheet)

    def render(self, source: str | None = None) -> str:
        where = f"{self.path}: " if self.path else ""
        source = self.file or source
        return f"{source}: {where}{self.message}" if source else f"{where}{self.message}"


class ScenarioError(CampaignOptimizerError):
    """Bad input: a scenario, plan or option the tool cannot use (exit code 2)."""

    exit_code = 2

    def __init__(self, issues: list[Issue] | Issue, source: str | None = None):
        self.issues = [issues] if isinstance(issues, Issue) else list(issues)
        self.source = source
        super().__init__("\n".join(self.lines()))

    @property
    def path(self) -> str:
        """The field path of the first issue (e.g. ``channels[email].win_rate``)."""
        return self.issues[0].path if self.issues else ""

    def lines(self, limit: int = 20) -> list[str]:
        out = [issue.render(self.source) for issue in self.issues[:limit]]
        if len(self.issues) > limit:
            out[-1] = f"... and {len(self.issues) - limit + 1} more problems"
        return out

    def to_dict(self) -> dict:
        return {
            "status": "invalid",
            "errors": [
                {"path": i.path, "message": i.message, **({"file": i.file or self.source}
                                                          if i.file or self.source else {})}
                for i in self.issues
            ],
        }


class OutputError(CampaignOptimizerError):
    """An output file cannot be written where it was asked (a missing folder, no permission): bad input."""

    exit_code = 2


class SolverError(CampaignOptimizerError):
    """The solver failed, or returned a plan that does not pass verification (exit code 1)."""


class NoPlanError(CampaignOptimizerError):
    """A library call that needs a proven plan (or a proven analysis of one) has none (exit code 3);
    ``status`` says why, in the statuses' words (``infeasible``, ``unbounded``, ``unverified``)."""

    exit_code = 3

    def __init__(self, message: str, status: str = "infeasible"):
        super().__init__(message)
        self.status = status
