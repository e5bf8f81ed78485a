"""Parameter sweeps: solve a scenario over a range of one number (a curve) or two (a grid).

Each point is a variant of the scenario solved on one kept HiGHS model, warm-started from the
previous point (``variation.Explorer``), and verified. Points whose variant has no plan are kept
with their status (``infeasible``, ``unbounded``); a value that makes the scenario invalid (a rate
of 1.2) is kept as ``invalid`` with the scenario's message.

>>> from optimizer import Scenario
>>> s = Scenario(channels=[{"name": "email", "cost_per_lead": 20, "max_units": 200}], targets={"leads": 100})
>>> frame = sweep(s, {"targets.leads": [100, 200, 300]})
>>> frame[["targets.leads", "status", "objective_value"]].values.tolist()
[[100.0, 'optimal', 2000.0], [200.0, 'optimal', 4000.0], [300.0, 'infeasible', nan]]
"""

from __future__ import annotations

import contextlib
import itertools
import math
import numbers
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

import numpy as np

from ..errors import Issue, ScenarioError
from ..files import cleanup_on_signals
from ..model.program import PAID
from ..scenario.rules import parse_decimal, to_float
from ..scenario.schema import Scenario
from ..scenario.tiers import rebuilt_each_point, tier_path
from .diagnosis import unreachable_targets
from .plan import BINDING_TOLERANCE
from .provenance import Provenance, provenance
from .variation import Explorer, Outcome, check_numeric_path

MAX_PARAMETERS = 2
MAX_POINTS = 1_000_000  # per sweep, and so per --vary
MAX_CELLS = 50_000_000  # points x channels: the result's spend table (8 bytes each, 400 MB)
PROBE_POINTS = 20  # timed first, to decide whether spreading the rest across cores pays
PARALLEL_SECONDS = 10.0  # measured: on 2 busy cores a 6 s sweep ran slower spread (7.2 s), so only long ones
MAX_WORKERS = 8


def parse_values(path: str, text: str) -> list[float]:
    """``START:STOP:STEPS`` (inclusive, STEPS points) or a list ``a,b,c``.

    >>> parse_values("budget", "100:200:3"), parse_values("budget", "1e5, 2e5")
    ([100.0, 150.0, 200.0], [100000.0, 200000.0])
    >>> parse_values("funnel.win_rate", "10%:30%:3"), parse_values("x", "0.1:0.7:7")[2]
    ([0.1, 0.2, 0.3], 0.3)
    """
    where = f"--vary {path}"
    allowed = "START:STOP:STEPS (inclusive, STEPS points, e.g. 4e6:6e6:21) or a list a,b,c"

    def number(item: str) -> Decimal:
        # a percentage, as --set takes one for a rate: 10% is 0.1; exact, in decimal
        value = parse_decimal(item.strip(), percent=True)
        if value is None:
            raise ScenarioError(Issue(where, f"{item.strip()!r} is not a number; allowed: {allowed}"))
        if not value.is_finite():
            raise ScenarioError(Issue(where, f"{item.strip()!r} is not a finite number; allowed: {allowed}"))
        return value

    if ":" in text:
        parts = text.split(":")
        if len(parts) != 3:
            raise ScenarioError(Issue(where, f"{text!r} is not a range; allowed: {allowed}"))
        start, stop = number(parts[0]), number(parts[1])
        try:
            steps = int(parts[2].strip())
        except ValueError:
            steps = 0
        if steps < 1 or str(steps) != parts[2].strip() or (steps == 1 and start != stop):
            raise ScenarioError(Issue(where, f"{parts[2].strip()!r} is not a number of steps; allowed: a whole "
                                             "number >= 2 (1 only when START equals STOP)"))
        if steps > MAX_POINTS:
            raise ScenarioError(Issue(where, f"{steps} points is too many; allowed: at most {MAX_POINTS:,}"))
        if steps == 1:
            return [to_float(start)]
        # each point in decimal, then one conversion: 0.1:0.7:7 gives 0.3, not 0.30000000000000004
        step = (stop - start) / (steps - 1)
        return [to_float(start + step * k) if k < steps - 1 else to_float(stop) for k in range(steps)]
    items = [item for item in text.split(",") if item.strip()]
    if not items:
        raise ScenarioError(Issue(where, f"no values are given; allowed: {allowed}"))
    return [to_float(number(item)) for item in items]


def parameters_from_options(varies: Sequence[str]) -> dict[str, list[float]]:
    """``--vary PATH=RANGE`` options as {path: values}; one or two of them, each path once, at most
    MAX_POINTS points in all (counted before any value is worked out)."""
    if not varies:
        raise ScenarioError(Issue("--vary", "no parameter is varied; allowed: --vary PATH=START:STOP:STEPS, "
                                            "e.g. --vary targets.revenue=4e6:6e6:21"))
    texts: dict[str, str] = {}
    for item in varies:
        path, sep, text = item.partition("=")
        if not sep or not path.strip():
            raise ScenarioError(Issue("--vary", f"{item!r} is not PATH=START:STOP:STEPS; allowed: e.g. "
                                                "--vary targets.revenue=4e6:6e6:21"))
        if path.strip() in texts:
            raise ScenarioError(Issue(f"--vary {path.strip()}", f"{path.strip()} is varied twice (the second "
                                      "would silently win); allowed: each path once, two different paths for a grid"))
        texts[path.strip()] = text
    counts = [_count(text) for text in texts.values()]
    if math.prod(counts) > MAX_POINTS:
        raise ScenarioError(_too_many(counts))
    return {path: parse_values(path, text) for path, text in texts.items()}


def _count(text: str) -> int:
    """How many values ``--vary``'s text gives, without working them out (1 where it is malformed:
    parse_values then says what is wrong)."""
    if ":" in text:
        steps = text.split(":")[-1].strip()
        return int(steps) if steps.isdigit() and steps.isascii() else 1
    return max(1, sum(1 for item in text.split(",") if item.strip()))


def _too_many(counts: Sequence[int]) -> Issue:
    return Issue("--vary", f"{' x '.join(f'{n:,}' for n in counts)} = {math.prod(counts):,} points is too many; "
                           f"allowed: at most {MAX_POINTS:,} points")


@dataclass(frozen=True)
class Sweep:
    """Every point of a sweep: the values set, status, objective, total spend, spend per channel
    and funnel totals (arrays, a row per point; NaN where a point has no plan)."""

    scenario: str
    currency: str
    objective: str
    parameters: tuple[str, ...]
    channels: tuple[str, ...]
    metrics: tuple[str, ...]
    values: np.ndarray = field(repr=False)  # points x parameters
    status: tuple[str, ...] = field(repr=False)
    messages: tuple[str | None, ...] = field(repr=False)
    objective_value: np.ndarray = field(repr=False)
    total_spend: np.ndarray = field(repr=False)
    spend: np.ndarray = field(repr=False)  # points x channels
    totals: np.ndarray = field(repr=False)  # points x metrics
    in_plan: np.ndarray = field(repr=False)  # points x channels: units above zero (False where no plan)
    shape: tuple[int, ...] = ()  # points per parameter
    provenance: Provenance | None = field(default=None, repr=False)  # of the scenario before the varied values
    # per point, to tell which limits bind: (program, units) solved here, the names (from a worker), or None
    limit_states: tuple = field(default=(), repr=False, compare=False)
    # per point, the target metrics no channel reaches (empty but at an infeasible point that has some)
    unreachable: tuple[tuple[str, ...], ...] = field(default=(), repr=False)
    periods: tuple[str, ...] = ()  # the scenario's periods (() without periods)
    period_spend: np.ndarray | None = field(default=None, repr=False)  # points x periods (with periods)
    roles: tuple[str, ...] = ()  # the scenario's sales roles (() without a sales team)
    hiring_cost: np.ndarray | None = field(default=None, repr=False)  # per point (with a sales team)
    hires: np.ndarray | None = field(default=None, repr=False)  # points x roles x hire_keys

    @property
    def hire_keys(self) -> tuple[str, ...]:
        """What hires are given by: the periods, or ``total`` without periods."""
        return self.periods or ("total",)

    @cached_property
    def binding(self) -> tuple[frozenset, ...]:
        """Per point, the names of the limits that bind (empty without a plan); worked out on first
        use, so a sweep that only reports numbers does not pay for it."""
        return tuple(item if isinstance(item, frozenset) else frozenset(item) if isinstance(item, tuple) and
                     (not item or isinstance(item[0], str)) else
                     frozenset() if item is None else binding_limits(*item) for item in self.limit_states)

    def binding_names(self, i: int) -> list[str]:
        """The limits that bind at point ``i``, by path, in the program's order (the scenario's)."""
        item = self.limit_states[i] if self.limit_states else None
        if item is None:
            return []
        if isinstance(item, frozenset):
            return sorted(item)
        if not item or isinstance(item[0], str):  # from a worker: already in order
            return list(item)
        program = item[0]
        names = self.binding[i]
        return [limit.name for limit in program.limits if limit.name in names]

    def __len__(self) -> int:
        return len(self.status)

    def point(self, i: int) -> dict:
        """Point ``i`` as the documented JSON object."""
        def num(x: float) -> float | None:
            return None if not math.isfinite(x) else float(x)

        out = {"values": {p: float(v) for p, v in zip(self.parameters, self.values[i])}, "status": self.status[i],
               "objective_value": num(self.objective_value[i]), "total_spend": num(self.total_spend[i]),
               "spend": {c: num(v) for c, v in zip(self.channels, self.spend[i])},
               "totals": {m: num(v) for m, v in zip(self.metrics, self.totals[i])}}
        if self.periods:
            out["periods"] = {p: num(v) for p, v in zip(self.periods, self.period_spend[i])}
            out["binding"] = self.binding_names(i)
        if self.roles:  # marketing plus hiring: what the budget limits; hires by role and period
            out["hiring_cost"] = num(self.hiring_cost[i])
            out["total_cost"] = num(self.total_spend[i] + self.hiring_cost[i])
            out["hires"] = None if not math.isfinite(self.hiring_cost[i]) else {
                r: {k: float(v) + 0.0 for k, v in zip(self.hire_keys, self.hires[i, n])}
                for n, r in enumerate(self.roles)}
        if self.messages[i] is not None:
            out["message"] = self.messages[i]
        if self.unreachable and self.unreachable[i]:
            out["unreachable"] = list(self.unreachable[i])
        return out

    def to_dict(self) -> dict:
        """``{scenario, parameters, points: [{values, status, objective_value, total_spend, spend, totals}]}``;
        with periods each point adds ``periods`` (spend per period) and ``binding`` (the limits that
        bind, by path: ``caps.qualified_leads.Q3``); ``message`` on an invalid point, ``unreachable``
        on an infeasible point with a target on a stage no channel reaches."""
        return {"scenario": self.scenario, "parameters": list(self.parameters),
                "points": [self.point(i) for i in range(len(self))],
                **({"provenance": self.provenance.to_dict()} if self.provenance else {})}

    def columns(self) -> list[str]:
        """The CSV's and DataFrame's columns; with periods, ``period_spend[PERIOD]`` after the channels."""
        return [*self.parameters, "status", "objective_value", "total_spend",
                *(f"spend[{c}]" for c in self.channels), *(f"period_spend[{p}]" for p in self.periods),
                *self.metrics, *self._team_columns(), "message"]

    def _team_columns(self) -> list[str]:
        """With a sales team: ``hiring_cost``, ``total_cost`` and ``hires[ROLE][PERIOD]`` (``hires[ROLE]``
        without periods)."""
        if not self.roles:
            return []
        return ["hiring_cost", "total_cost", *(f"hires[{r}]" + (f"[{k}]" if self.periods else "")
                                               for r in self.roles for k in self.hire_keys)]

    def _team_cells(self, i: int) -> list[float]:
        if not self.roles:
            return []
        return [float(self.hiring_cost[i]), float(self.total_spend[i] + self.hiring_cost[i]),
                *map(float, self.hires[i].reshape(-1))]

    def rows(self) -> list[list]:
        """A row per point, in the order of :meth:`columns` (NaN where there is no number)."""
        by_period = self.period_spend if self.periods else np.zeros((len(self), 0))
        return [[*map(float, self.values[i]), self.status[i], float(self.objective_value[i]),
                 float(self.total_spend[i]), *map(float, self.spend[i]), *map(float, by_period[i]),
                 *map(float, self.totals[i]), *self._team_cells(i), self.messages[i]] for i in range(len(self))]

    def to_frame(self):
        """A pandas DataFrame, a row per point."""
        import pandas as pd

        return pd.DataFrame(self.rows(), columns=self.columns())

    def mix_changes(self) -> list[int]:
        """Points (of a one-parameter sweep) whose mix differs from the point before: the channels in
        the plan, or the limits that bind."""
        has = np.isfinite(self.objective_value)
        return [i for i in range(1, len(self)) if has[i] and has[i - 1]
                and (not np.array_equal(self.in_plan[i], self.in_plan[i - 1])
                     or (self.binding and self.binding[i] != self.binding[i - 1]))]


def run_sweep(scenario: Scenario, parameters: dict[str, Sequence[float]],
              progress: Callable[[int, int], None] | None = None, workers: int | None = None) -> Sweep:
    """Solve ``scenario`` at every combination of ``parameters`` ({path: values}; one or two paths).

    Bad paths raise ScenarioError naming the nearest valid path; bad values are points marked invalid.
    ``progress(done, total)`` is called now and then. ``workers``: processes to spread the points
    over; by default the first points are timed and the rest spread across the cores only when they
    would take more than PARALLEL_SECONDS (starting a process costs about half a second).
    """
    paths, lists = _checked(scenario, parameters)
    explorer = Explorer(scenario)
    # tiers: a point whose change reshapes the schedule's rows is built and solved anew (exact, slower),
    # but for a tier's cost that keeps the model's shape over the sweep's range (a cheap variant)
    rebuilt = rebuilt_each_point(scenario, explorer.program, paths)
    mapped = rebuilt and explorer.maps_tier_costs(dict(zip(paths, lists)))
    if rebuilt:
        workers = 1  # (mapped: a point the map does not cover may be of another shape: laid out below)
        rebuilt = not mapped
    else:
        explorer.prepare(dict(zip(paths, lists)))
    program = explorer.program
    channels = program.channels
    metrics = tuple(scenario.metrics)
    combos = list(itertools.product(*lists))
    total = len(combos)
    n, m = len(program.columns), len(metrics)
    objective = np.full(total, np.nan)
    units = np.full((total, n), np.nan)  # per column; read per channel through the column table below
    family = np.full(total, -1)  # which program family (prices and yields) each point's plan belongs to
    columns: list = []  # the columns (prices, yields) of each family
    status: list[str] = []
    messages: list[str | None] = []
    limit_states: list = []
    unreachable: list[tuple[str, ...]] = []

    in_flight = np.zeros((total, m))  # the pipeline's deals and revenue, counted in the totals as optimize does
    roles = tuple(r.name for r in scenario.sales_team or ())
    hire_keys = tuple(program.periods) or ("total",)
    hiring = np.full(total, np.nan)  # with a sales team: each point's hiring cost and hires (read from its program)
    hires = np.full((total, len(roles), len(hire_keys)), np.nan)

    def record(i: int, point_status: str, message: str | None, value: float | None, plan_units, cols,
               state=None, missing: tuple[str, ...] = (), flight=None, team=None) -> None:
        if team is not None:
            hiring[i], hires[i] = team
        status.append(point_status)
        messages.append(message)
        limit_states.append(state)
        unreachable.append(missing)
        if plan_units is not None:
            units[i] = plan_units
            objective[i] = value
            if flight is not None:
                in_flight[i] = flight
            if not columns or columns[-1] is not cols:
                known = next((f for f, c in enumerate(columns) if c is cols), None)
                if known is None:
                    columns.append(cols)
                family[i] = len(columns) - 1 if known is None else known
            else:
                family[i] = len(columns) - 1

    step = max(1, total // 100)
    start = time.perf_counter()
    i = 0
    while i < total:
        changes = dict(zip(paths, combos[i]))
        outcome: Outcome = _rebuilt(scenario, changes) if rebuilt else explorer.solve(changes)
        point_units, point_columns = (outcome.units, outcome.program.columns) if outcome.has_plan else (None, None)
        if outcome.has_plan and (rebuilt or mapped and len(outcome.program.columns) != len(program.columns)):
            point_units, point_columns = _in_layout(program, outcome)
        record(i, outcome.status, outcome.message, outcome.objective_value, point_units, point_columns,
               (outcome.program, outcome.units) if outcome.has_plan else None, _unreachable(outcome),
               _in_flight(outcome, metrics), _team(outcome, roles))
        i += 1
        if progress is not None and (i % step == 0 or i == total):
            progress(i, total)
        if i == PROBE_POINTS and workers != 1:
            cores = workers or min(os.cpu_count() or 1, MAX_WORKERS)
            expected = (time.perf_counter() - start) / PROBE_POINTS * (total - i)
            if cores > 1 and (workers or expected > PARALLEL_SECONDS):
                try:
                    points = _in_parallel(scenario, paths, combos[i:], cores)
                except (OSError, RuntimeError, BrokenProcessPool):
                    points = []  # no worker processes here: go on in this one
                for point in points:
                    record(i, *point)
                    i += 1
                if progress is not None and points:
                    progress(total, total)
    # spend and totals of all points at once, per program family (a sweep of a bound has one)
    spend = np.full((total, len(channels)), np.nan)
    bought = np.full((total, len(channels)), np.nan)
    totals = np.full((total, m), np.nan)
    periods = tuple(program.periods)
    period_spend = np.full((total, len(periods)), np.nan)
    previous = None  # the last family's columns and their tables: a value's sweep changes a few columns
    for f, cols in enumerate(columns):
        rows = family == f
        changed = None if previous is None or len(previous[0]) != len(cols) else \
            [j for j, (a, b) in enumerate(zip(cols, previous[0])) if a is not b]
        if changed is not None and all(_same_place(cols[j], previous[0][j]) for j in changed):
            owner, by_period, prices, amounts = previous[1], previous[2], previous[3].copy(), previous[4].copy()
            payer = previous[5]
            for j in changed:
                prices[j] = cols[j].price if cols[j].kind in PAID else 0.0
            if changed:
                amounts[:, changed] = _amounts([cols[j] for j in changed], metrics)
        else:
            owner = _owners(cols, channels)
            payer = _owners(cols, channels, PAID)  # a channel's spend: its units and its set-up cost
            by_period = _period_owners(cols, periods) if periods else None
            prices = np.array([c.price if c.kind in PAID else 0.0 for c in cols], dtype=float)
            amounts = _amounts(cols, metrics)
        previous = (cols, owner, by_period, prices, amounts, payer)
        spend[rows] = (units[rows] * prices) @ payer
        if periods:
            period_spend[rows] = (units[rows] * prices) @ by_period
        bought[rows] = units[rows] @ owner
        known = np.nan_to_num(amounts)
        missing = ((units[rows] > 0).astype(float) @ np.isnan(amounts).T.astype(float)) > 0
        totals[rows] = np.where(missing, np.nan, units[rows] @ known.T + in_flight[rows])
    with np.errstate(invalid="ignore"):
        in_plan = bought > 1e-9 * np.maximum(1.0, np.nanmax(np.nan_to_num(bought, nan=0.0), axis=1,
                                                            initial=0.0))[:, None]
    spend_total = spend.sum(axis=1)
    return Sweep(scenario.name, scenario.currency, scenario.objective, tuple(paths), channels, metrics,
                 np.array(combos, dtype=float).reshape(total, len(paths)), tuple(status), tuple(messages),
                 objective, spend_total, spend, totals, in_plan & (family >= 0)[:, None], tuple(len(v) for v in lists),
                 provenance(scenario, "highs"), limit_states=tuple(limit_states), unreachable=tuple(unreachable),
                 periods=periods, period_spend=period_spend, roles=roles,
                 hiring_cost=hiring if roles else None, hires=hires if roles else None)


def _team(outcome: Outcome, roles: tuple[str, ...]) -> tuple[float, np.ndarray] | None:
    """A point's hiring cost (at the point's own costs) and its hires, roles x periods (None: no
    sales team, or no plan)."""
    if not roles or not outcome.has_plan:
        return None
    program, units = outcome.program, outcome.units
    return (program.hiring_cost(units),
            np.array([[float(units[h.column]) + 0.0 for h in program.hires_of(r)] for r in roles], dtype=float))


def _unreachable(outcome: Outcome) -> tuple[str, ...]:
    """The target metrics of an infeasible point that no channel reaches (decided exactly, no solve)."""
    if outcome.status != "infeasible" or outcome.program is None:
        return ()
    return tuple(unreachable_targets(outcome.program))


def _checked(scenario: Scenario, parameters) -> tuple[list[str], list[list[float]]]:
    """The canonical paths and the values of a sweep's ``parameters``, or a ScenarioError (the
    library's wrong types included) before anything is solved; the size limits checked from the
    counts alone, so a grid too large to hold is refused without being built."""
    if not isinstance(scenario, Scenario):
        raise ScenarioError(Issue("scenario", f"a {type(scenario).__name__} is not a scenario; allowed: a Scenario "
                                              "(load_scenario(FILE) or Scenario(...))"))
    if not isinstance(parameters, Mapping):
        raise ScenarioError(Issue("--vary", f"a {type(parameters).__name__} is not a mapping of paths to values; "
                                            "allowed: {path: [values]}, e.g. {\"budget\": [5e5, 6e5]}"))
    if not 1 <= len(parameters) <= MAX_PARAMETERS:
        raise ScenarioError(Issue("--vary", f"{len(parameters)} parameters are varied; allowed: one (a curve) "
                                            "or two (a grid)"))
    for path in parameters:
        if not isinstance(path, str):
            raise ScenarioError(Issue("--vary", f"{path!r} is not a path; allowed: a path such as budget or "
                                                "channels[email].cost_per_lead"))
    paths = [tier_path(scenario, p) or check_numeric_path(scenario, p) for p in parameters]
    if len(set(paths)) != len(paths):
        raise ScenarioError(Issue(f"--vary {paths[0]}", f"{paths[0]} is varied twice; allowed: two different paths"))
    lists = [_values(path, values) for path, values in zip(paths, parameters.values())]
    points = math.prod(len(values) for values in lists)
    if points > MAX_POINTS:
        raise ScenarioError(_too_many([len(v) for v in lists]))
    cells = points * len(scenario.channels)
    if cells > MAX_CELLS:
        raise ScenarioError(Issue("--vary", f"{points:,} points x {len(scenario.channels):,} channels = {cells:,} "
                                            f"results is too many; allowed: at most {MAX_CELLS:,} (points x "
                                            "channels): fewer points or a coarser grid"))
    return paths, lists


def _values(path: str, values) -> list[float]:
    """A parameter's values as floats: numbers, or numbers written as text ("12%", "4.8e6")."""
    where = f"--vary {path}"
    allowed = "allowed: a list of numbers, e.g. [5e5, 6e5, 7e5]"
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise ScenarioError(Issue(where, f"{show(values)} is not a list of values; {allowed}"))
    out = []
    for value in values:
        if isinstance(value, str):
            number = parse_decimal(value.strip(), percent=True)
            if number is None:
                raise ScenarioError(Issue(where, f"{show(value)} is not a number; {allowed}"))
            out.append(to_float(number))
        elif isinstance(value, (numbers.Real, Decimal)) and not isinstance(value, (bool, np.bool_)):
            out.append(float(value))
        else:
            raise ScenarioError(Issue(where, f"{show(value)} is not a number; {allowed}"))
        if len(out) > MAX_POINTS:
            raise ScenarioError(Issue(where, f"more than {MAX_POINTS:,} values; allowed: at most {MAX_POINTS:,} "
                                             "points"))
    if not out:
        raise ScenarioError(Issue(where, "no values are given; allowed: at least one number"))
    return out


def show(value) -> str:
    """A value as a message quotes it: short, one line."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _rebuilt(scenario: Scenario, changes: dict) -> Outcome:
    """A point built and solved anew from the scenario with ``changes`` (validated as --set is)."""
    from ..model.build import build_program
    from ..model.solve import solve
    from ..scenario.paths import apply_changes

    try:
        program = build_program(apply_changes(scenario, changes))
    except ScenarioError as exc:
        return Outcome("invalid", None, message="; ".join(issue.render() for issue in exc.issues))
    solution = solve(program, "highs")
    if not solution.has_plan:
        return Outcome(solution.status, program)
    units = program.settled(program.in_tier_order(solution.units))
    return Outcome(solution.status, program, units, program.objective_value(units))


def _in_layout(base, outcome: Outcome) -> tuple[np.ndarray, tuple]:
    """A rebuilt point's units and columns in the base program's layout: its units columns (the
    same channels, periods and tiers, in the same order) where the base has them, the base's other
    columns (order binaries, which buy nothing) at 0. A point may have binaries the base has not."""
    own = [j for j, c in enumerate(outcome.program.columns) if c.kind in PAID]  # units, and set-ups (spend)
    where = [j for j, c in enumerate(base.columns) if c.kind in PAID]
    if [(c.channel, c.kind, c.period) for c in (outcome.program.columns[j] for j in own)] != \
            [(c.channel, c.kind, c.period) for c in (base.columns[j] for j in where)]:
        own = [j for j, c in enumerate(outcome.program.columns) if c.kind == "units"]
        where = [j for j, c in enumerate(base.columns) if c.kind == "units"]
    units = np.zeros(len(base.columns))
    units[where] = outcome.units[own]
    columns = list(base.columns)
    for j, k in zip(where, own):
        columns[j] = outcome.program.columns[k]
    return units, tuple(columns)


def _solve_chunk(data: dict, paths: list[str], combos: list[tuple]) -> list[tuple]:
    """Solve some points in a worker process, on its own kept model (see :func:`run_sweep`)."""
    explorer = Explorer(Scenario.model_validate(data))
    explorer.prepare({p: list(dict.fromkeys(combo[k] for combo in combos)) for k, p in enumerate(paths)})
    metrics = tuple(explorer.scenario.metrics)
    out, families = [], {}
    for combo in combos:
        outcome = explorer.solve(dict(zip(paths, combo)))
        cols = None
        if outcome.has_plan:
            cols = families.setdefault(id(outcome.program.columns), outcome.program.columns)
        out.append((outcome.status, outcome.message, outcome.objective_value,
                    outcome.units if outcome.has_plan else None, cols,
                    _binding_in_order(outcome.program, outcome.units) if outcome.has_plan else None,
                    _unreachable(outcome), _in_flight(outcome, metrics),
                    _team(outcome, tuple(r.name for r in explorer.scenario.sales_team or ()))))
    return out


def _binding_in_order(program, units: np.ndarray) -> tuple[str, ...]:
    """The names of the limits that bind, in the program's order (what a worker sends back)."""
    names = binding_limits(program, units)
    return tuple(limit.name for limit in program.limits if limit.name in names)


def _in_flight(outcome: Outcome, metrics: tuple[str, ...]) -> np.ndarray | None:
    """The pipeline's part of each funnel total at a point with a plan (None: no pipeline, or no plan)."""
    program = outcome.program
    if not outcome.has_plan or not program.pipeline:
        return None
    return np.array([program.in_flight(metric) for metric in metrics])


def binding_limits(program, units: np.ndarray) -> frozenset:
    """The names of the limits of ``program`` that bind at ``units`` (part of a plan's mix), by path
    (``caps.qualified_leads.Q3``); a channel's availability (no units where it does not run) is a
    fact of the calendar, not a limit the plan presses against: Program.binding leaves it out. Nor
    are the model's own rows, as in optimize's "Limits that bind": a tier's width (the schedule) and
    the on/off rows of set-up costs and minimum buys (a set-up row binds whether used or not)."""
    # as ``optimize`` reports binding (1e-6 relative): tighter, warm and cold re-solves disagree on noise
    limits = program.limits
    return frozenset(limits[k].name for k in np.flatnonzero(program.binding(units, BINDING_TOLERANCE))
                     if limits[k].kind not in ("tier", "set_up", "min_buy"))


def _in_parallel(scenario: Scenario, paths: list[str], combos: list[tuple], cores: int) -> list[tuple]:
    """The points' outcomes, in order, solved in ``cores`` processes, a contiguous share each
    (neighbouring points keep warm starts short).

    The workers end with this process: killed (even by SIGKILL), it takes them along (see
    :func:`_end_with_parent`); interrupted (Ctrl-C, SIGTERM, SIGHUP), it cancels what is queued and
    terminates them before going on with the interruption.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn: HiGHS keeps threads, and a forked copy of a process with threads can hang
    context = multiprocessing.get_context("spawn")
    share = -(-len(combos) // cores)
    chunks = [combos[k:k + share] for k in range(0, len(combos), share)]
    out: list[tuple] = []
    with cleanup_on_signals():
        pool = ProcessPoolExecutor(len(chunks), mp_context=context, initializer=_end_with_parent,
                                   initargs=(os.getpid(),))
        try:
            futures = [pool.submit(_solve_chunk, scenario.to_data(), paths, chunk) for chunk in chunks]
            for future in futures:
                same: dict = {}  # one columns object per family, so families stay few after unpickling
                for point in future.result():
                    cols = point[4]
                    if cols is not None:
                        cols = same.setdefault(id(cols), cols)
                    out.append((*point[:4], cols, *point[5:]))
        except BaseException:
            _stop(pool)
            raise
        pool.shutdown()
    return out


def _stop(pool) -> None:
    """Cancel what the pool has queued and end its processes now, without waiting for them."""
    # the executor has no public way to end busy workers before Python 3.14 (terminate_workers)
    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
    if manager is not None:  # let it close its pipes now: at exit they race with Python's own wake-up (EBADF)
        manager.join(timeout=5)


PARENT_POLL_SECONDS = 0.5


def _end_with_parent(parent: int) -> None:
    """Worker initializer: end this worker when the process that started it ends, however it ends.

    On Linux the kernel sends SIGTERM when the parent dies (``prctl(PR_SET_PDEATHSIG)``);
    elsewhere a thread polls the parent's id. Ctrl-C goes to the whole process group: the parent
    alone handles it (it terminates the workers), so a worker ignores SIGINT.
    """
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request: nobody would send the signal
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


def _owners(columns, channels: tuple[str, ...], kinds: tuple[str, ...] = ("units",)) -> np.ndarray:
    """columns x channels: 1 where a units column (a column of ``kinds``) belongs to the channel (the
    column table as a matrix, so per-column quantities of every point sum per channel in one product)."""
    where = {name: k for k, name in enumerate(channels)}
    owner = np.zeros((len(columns), len(channels)))
    for j, c in enumerate(columns):
        if c.kind in kinds:
            owner[j, where[c.channel]] = 1.0
    return owner


def _period_owners(columns, periods: tuple[str, ...]) -> np.ndarray:
    """columns x periods: 1 where a units column is bought (or a set-up paid) in the period."""
    where = {name: k for k, name in enumerate(periods)}
    owner = np.zeros((len(columns), len(periods)))
    for j, c in enumerate(columns):
        if c.kind in PAID and c.period in where:
            owner[j, where[c.period]] = 1.0
    return owner


def _same_place(a, b) -> bool:
    """Whether two columns are the same channel's, kind and period (so the owner tables hold)."""
    return a.channel == b.channel and a.kind == b.kind and a.period == b.period


def _amounts(columns, metrics: tuple[str, ...]) -> np.ndarray:
    """Per metric and column, the amount one unit yields (NaN where a rate is missing)."""
    return np.array([[np.nan if c.per_unit.get(metric, 0.0) is None else c.per_unit.get(metric, 0.0)
                      for c in columns] for metric in metrics], dtype=float).reshape(len(metrics), -1)


def sweep(scenario: Scenario, parameters: dict[str, Sequence[float]]):
    """The sweep as a pandas DataFrame, a row per point: the values, status, objective_value,
    total_spend, ``spend[CHANNEL]`` per channel, a column per funnel total, and ``message``."""
    return run_sweep(scenario, parameters).to_frame()
