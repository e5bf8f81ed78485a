"""Vary numbers of a scenario and re-solve fast: which paths are numbers, and the :class:`Explorer`.

Sweeps and sensitivity ask the same question many times: "solve this scenario with that number
changed". Every variant is a newly validated scenario (``paths.apply_changes``), so a value that
makes the scenario invalid (a rate of 1.2) is reported with the scenario's own message. The
Explorer keeps one HiGHS model (``resolve.WarmModel``) and changes only the numbers that differ:

- ``budget``, ``targets.METRIC``, ``caps.METRIC`` and ``channels[NAME].caps.METRIC`` move one row
  bound; the value is checked by the field's own rule (no other rule reads these values), and no
  scenario or program is rebuilt;
- any other number (a price, a rate, a channel bound, a yield) gives a new scenario and program,
  and only the coefficients that differ are changed on the kept model; a change of structure
  (a field the scenario left unset, which adds a limit) loads the new program in full.

A value its field's own rule rejects (a rate of 1.2) is reported with that rule's message, the
whole validation's exact words, without building a scenario (``own_rule_issue``).

Every answer is proven as :func:`~optimizer.optimize`'s are (:mod:`optimizer.model.certify`);
what the warm model cannot prove is solved again by the full ladder, and then carries its status
(``unverified`` when nothing proves it).

>>> from optimizer import Scenario
>>> s = Scenario(channels=[{"name": "email", "cost_per_lead": 20}], targets={"leads": 100})
>>> explorer = Explorer(s)
>>> explorer.solve({"targets.leads": 150}).objective_value
3000.0
>>> explorer.solve({"channels[email].win_rate": 1.2}).message
'channels[email].win_rate: 1.2 is not a rate; allowed: a number in (0, 1], or a percentage such as "12%"'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from pydantic_core import PydanticCustomError

from ..errors import Issue, ScenarioError
from ..model.build import build_program
from ..model.certify import infeasibility, optimality
from ..model.highs import WarmModel
from ..model.program import Program
from ..model.solve import solve
from ..model.status import Status
from ..scenario.funnel import CONVERSION_RATES, PRICE_FIELDS
from ..scenario.paths import parse_path
from ..scenario.rules import NON_NEGATIVE, POSITIVE, RATE, NumberRule
from ..scenario.schema import Funnel, Scenario, nearest

MIX_TOLERANCE = 1e-9  # relative: a channel is in the plan, a limit binds, beyond this
CHANNEL_NUMBERS = ("response_rate", "qualification_rate", "opportunity_rate", "win_rate", "deal_value",
                   "min_spend", "max_spend", "min_units", "max_units")


# -- paths that name numbers ----------------------------------------------------------------------
def numeric_paths(scenario: Scenario) -> list[str]:
    """Every path to a number this scenario has or may set, in the canonical ``channels[NAME]`` form."""
    out = ["budget", "deal_value", *(f"funnel.{f}" for f in Funnel.model_fields if f != "sales_cycle")]
    out += [f"targets.{m}" for m in scenario.metrics] + [f"caps.{m}" for m in scenario.metrics]
    for c in scenario.channels:
        out += [f"channels[{c.name}].{c.price_field}", *(f"channels[{c.name}].{f}" for f in CHANNEL_NUMBERS)]
        out += [f"channels[{c.name}].caps.{m}" for m in scenario.metrics]
        if c.yields:
            out += [f"channels[{c.name}].yields.{m}" for m in scenario.metrics]
    return out


def canonical_path(scenario: Scenario, path: str) -> str:
    """``channels.webinars.win_rate`` or ``channels[4].win_rate`` -> ``channels[webinars].win_rate``."""
    parts = list(parse_path(path))
    if parts[0] == "channels" and len(parts) > 1:
        names = scenario.channel_names
        if parts[1] not in names and parts[1].isdigit() and int(parts[1]) < len(names):
            parts[1] = names[int(parts[1])]
        return f"channels[{parts[1]}]" + "".join(f".{p}" for p in parts[2:])
    return ".".join(parts)


def check_numeric_path(scenario: Scenario, path: str) -> str:
    """The canonical form of ``path`` if it names a number of ``scenario``; else a ScenarioError
    naming the nearest path that does (exit code 2 on the command line)."""
    canonical = canonical_path(scenario, path)
    known = numeric_paths(scenario)
    if canonical in known:
        return canonical
    guess = nearest(canonical, known)
    hint = f" (did you mean {guess}?)" if guess else ""
    parts = parse_path(path)
    if parts[0] == "channels" and len(parts) > 2 and parts[2] in PRICE_FIELDS and parts[1] in scenario.channel_names:
        own = next(c for c in scenario.channels if c.name == parts[1]).price_field
        hint = f" (the channel is priced by {own}: channels[{parts[1]}].{own})"
    raise ScenarioError(Issue(path, f"is not a number of this scenario{hint}; allowed: a number's path such as "
                                    "budget, targets.revenue, caps.qualified_leads, funnel.win_rate, "
                                    f"channels[{scenario.channel_names[0]}].max_spend"))


def effective_rates(scenario: Scenario) -> dict[str, float]:
    """Each conversion rate that shapes the model, at its value: every channel's own or inherited
    rate into a stage after its entry (``channels[NAME].RATE``), then the funnel defaults given."""
    out: dict[str, float] = {}
    defaults = scenario.default_rates
    for c in scenario.channels:
        y = scenario.yields[c.name]
        if y.entry is None:
            continue
        for stage, rate in zip(("leads", "qualified_leads", "opportunities", "deals"), CONVERSION_RATES):
            if STAGE_ORDER[stage] <= STAGE_ORDER[y.entry] or stage in (c.yields or {}):
                continue
            value = getattr(c, rate) if getattr(c, rate) is not None else defaults.get(rate)
            if value is None and rate == "opportunity_rate":
                value = 1.0
            if value is not None:
                out[f"channels[{c.name}].{rate}"] = float(value)
    for rate in CONVERSION_RATES:
        if getattr(scenario.funnel, rate) is not None:
            out[f"funnel.{rate}"] = float(getattr(scenario.funnel, rate))
    return out


STAGE_ORDER = {"reach": 0, "leads": 1, "qualified_leads": 2, "opportunities": 3, "deals": 4, "revenue": 5}


def _with_value(node: Any, parts: tuple[str, ...], value: Any) -> Any:
    """A copy of scenario data with ``value`` at ``parts``; only the containers on the path are copied."""
    if not parts:
        return value
    head, rest = parts[0], parts[1:]
    if isinstance(node, list):
        names = [item.get("name") if isinstance(item, dict) else None for item in node]
        i = names.index(head) if head in names else int(head)
        out = list(node)
        out[i] = _with_value(node[i], rest, value)
        return out
    out = dict(node or {})
    out[head] = _with_value(out.get(head), rest, value)
    return out


def field_rule(path: str) -> NumberRule:
    """The rule of the number at a canonical numeric path (as the schema declares it)."""
    last = path.rsplit(".", 1)[-1]
    if last in CONVERSION_RATES:
        return RATE
    if path == "budget" or last == "deal_value":
        return POSITIVE
    return NON_NEGATIVE  # prices, spend and unit bounds, targets, caps, yields


def own_rule_issue(changes: dict[str, Any]) -> str | None:
    """The message of a variant whose one bad value fails its field's own rule, exactly as the whole
    scenario's validation words it, without validating the scenario; None: no such value (or one the
    own rule alone cannot word exactly, which the full validation then reports).

    A field that fails its own rule stops the rules that read it (its channel's and the scenario's),
    so the field's message is the whole answer, unless another channel is changed too (its own
    cross-field rules still run) or a second value fails (the order of messages is the schema's).
    """
    failed = []
    for path, value in changes.items():
        try:
            field_rule(path).parse(value)
        except PydanticCustomError as exc:
            failed.append(Issue(path, exc.message()))
    if len(failed) != 1:
        return None
    owner = failed[0].path.split(".", 1)[0]
    others = {p.split(".", 1)[0] for p in changes if p.startswith("channels[")} - {owner}
    return None if others else failed[0].render()


# -- one solved variant ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """A variant solved: status (optimal, infeasible, unbounded, unverified, invalid, error), the
    program it solved, units per column and the objective; ``message`` says why it is invalid or an error."""

    status: str
    program: Program | None
    units: np.ndarray | None = None
    objective_value: float | None = None
    duals: np.ndarray | None = None
    reduced_costs: np.ndarray | None = None
    message: str | None = None

    @property
    def has_plan(self) -> bool:
        return self.units is not None and self.status in ("optimal", "time_limit")

    @cached_property
    def mix(self) -> tuple[frozenset, frozenset] | None:
        """The plan's mix: the names of the channels with units above zero, and the indices of the
        limits that bind."""
        if not self.has_plan:
            return None
        units, program = self.units, self.program
        bought = program.channel_units(units)
        scale = MIX_TOLERANCE * max(1.0, float(bought.max(initial=0.0)))
        in_plan = frozenset(name for name, amount in zip(program.channels, bought) if amount > scale)
        return in_plan, frozenset(np.flatnonzero(program.binding(units, MIX_TOLERANCE)).tolist())


class Explorer:
    """One scenario and its kept HiGHS model: solve variants of it ({path: value}), warm-started.

    ``scale``: how the model's arrays are scaled for HiGHS (:class:`~optimizer.model.highs.WarmModel`);
    sensitivity analysis, which reads HiGHS's basis in the program's units, keeps them as they are.
    """

    def __init__(self, scenario: Scenario, scale: str | None = "geometric"):
        self.scenario = scenario
        self.data = scenario.to_data()
        self.program = build_program(scenario)
        self.scale = scale
        self.model = WarmModel(self.program, scale=scale)
        self._loaded: Program = self.program  # the program whose numbers the model holds
        self._moved: dict[int, float] = {}  # bounds moved away from the loaded program's
        self._limit_index = {limit.name: k for k, limit in enumerate(self.program.limits)}
        self.solves = 0

    def limit_index(self, path: str) -> int | None:
        """The limit a top-level number moves as a bound only (budget, a target or cap), if any."""
        head = path.split(".", 1)[0].split("[", 1)[0]
        rule_path = head in ("budget", "targets", "caps") or (head == "channels" and ".caps." in path)
        return self._limit_index.get(path) if rule_path else None

    def scenario_at(self, changes: dict[str, Any]) -> Scenario:
        """The scenario with ``changes`` applied and validated (raises ScenarioError).

        Paths were checked (``check_numeric_path``), so the data is copied only along each path
        rather than in full. The new scenario is validated as a whole, as ``paths.apply_changes``
        does, except that channels no change touches are handed over as the validated, frozen
        objects they are (pydantic does not validate them twice).
        """
        data = dict(self.data)
        channels: list[Any] = list(self.scenario.channels)
        for path, value in changes.items():
            parts = parse_path(path)
            if parts[0] == "channels":
                i = self.scenario.channel_names.index(parts[1])
                base = channels[i] if isinstance(channels[i], dict) else self.data["channels"][i]
                channels[i] = _with_value(base, parts[2:], value)
            else:
                data = _with_value(data, parts, value)
        data["channels"] = channels
        return Scenario.model_validate(data)

    def program_at(self, changes: dict[str, Any]) -> Program:
        return build_program(self.scenario_at(changes)) if changes else self.program

    def solve(self, changes: dict[str, Any]) -> Outcome:
        """Solve the scenario with ``changes`` ({canonical path: number}) on the kept model."""
        own = own_rule_issue(changes)
        if own is not None:
            return Outcome("invalid", None, message=own)
        fast = {self.limit_index(p): v for p, v in changes.items()}
        if None not in fast and all(self._value_ok(p, v) for p, v in changes.items()):
            return self.solve_bounds(fast)
        try:
            program = build_program(self.scenario_at(changes))
        except ScenarioError as exc:
            return Outcome("invalid", None, message="; ".join(issue.render() for issue in exc.issues))
        return self.solve_program(program)

    def _value_ok(self, path: str, value: Any) -> bool:
        rule = POSITIVE if path == "budget" else NON_NEGATIVE
        try:
            return rule.parse(value) is not None
        except Exception:  # the full path reports the scenario's own message
            return False

    def solve_bounds(self, bounds: dict[int, float], duals: bool = False) -> Outcome:
        """Solve the base program with some limits' bounds moved ({limit index: bound})."""
        if self._loaded is not self.program:
            self.model.load(self.program)
            self._loaded, self._moved = self.program, {}
        for k in set(self._moved) | set(bounds):
            wanted = float(bounds.get(k, self.program.limits[k].bound))
            if self._moved.get(k, self.program.limits[k].bound) != wanted:
                self.model.set_bound(k, wanted)
        self._moved = {k: float(v) for k, v in bounds.items()}
        return self._run(self.program.with_bounds(bounds) if bounds else self.program, duals)

    def solve_program(self, program: Program) -> Outcome:
        """Solve any program of the same scenario family, changing only what differs on the kept model."""
        self.model.load(program)
        self._loaded, self._moved = program, {}
        return self._run(program)

    def _run(self, program: Program, duals: bool = False) -> Outcome:
        """Solve the loaded ``program`` warm and prove the answer as every solve is proven
        (:mod:`optimizer.model.certify`): an LP optimum by its duals, an infeasible LP by its dual
        ray. What the warm model cannot prove (a whole-unit plan, an unbounded answer, a failed
        certificate) goes through the full ladder of :func:`~optimizer.model.solve.solve`, cold,
        whose status (``unverified`` included) the variant carries."""
        self.solves += 1
        solution = self.model.solve(True)
        if not program.integer:
            if solution.status == Status.OPTIMAL and solution.units is not None:
                if optimality(program, solution.units, solution.duals).passed:
                    return Outcome(solution.status, program, solution.units, program.objective_value(solution.units),
                                   solution.duals if duals else None, solution.reduced_costs if duals else None)
            elif solution.status == Status.INFEASIBLE and infeasibility(program, self.model.dual_ray()) is None:
                return Outcome(solution.status, program)
        proven = solve(program, "highs")
        if not proven.has_plan:
            return Outcome(proven.status, program)
        return Outcome(proven.status, program, proven.units, program.objective_value(proven.units),
                       proven.duals if duals else None, proven.reduced_costs if duals else None)

