"""Vary numbers of a scenario and re-solve fast: which paths are numbers, and the :class:`Explorer`.

Sweeps and sensitivity ask the same question many times: "solve this scenario with that number
changed", with ``--set``'s meaning (with periods, ``budget.Q2`` or
``channels[email].qualification_rate.Q3`` is one period's entry, ``paths.with_entry``). The
Explorer keeps one HiGHS model (``highs.WarmModel``) and changes only the numbers that differ:

- a limit (``budget``, a target, a cap, a channel's cap or spend and unit bounds, or one period's
  entry of any of them) moves its row's bound; the value is checked by its field's own rule, and a
  channel's bounds by that channel's rules (they compare minimum and maximum), without rebuilding
  the scenario or the program. :meth:`Explorer.prepare` adds, once, a limit a sweep varies that
  the scenario does not have yet;
- a price, rate, deal value or yield that a sweep varies is mapped once (:class:`ValueMap`): the
  programs at the two ends of its range give every point's coefficients by interpolation, and
  only those that move are changed on the kept model. A tier's cost
  (``channels[search].cost_per_lead[1].cost``) is such a value where the model's shape cannot
  change with it: its schedule keeps its order (no binaries, at either end) and no spend limit of
  the channel reads the schedule (:meth:`Explorer.maps_tier_costs`);
- anything else (a value not prepared for, a price or yield of 0 that removes terms) gives a new
  validated scenario and program, and only the coefficients that differ are changed on the kept
  model (a change of structure loads the new program in full).

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

import functools
from collections.abc import Iterator
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
from ..scenario.paths import parse_path, with_entry
from ..scenario.periods import nearest_period
from ..scenario.rules import NON_NEGATIVE, POSITIVE, RATE, NumberRule, show
from ..scenario.schema import Funnel, Scenario, nearest

MIX_TOLERANCE = 1e-9  # relative: a channel is in the plan, a limit binds, beyond this
CHANNEL_NUMBERS = ("response_rate", "qualification_rate", "opportunity_rate", "win_rate", "deal_value",
                   "min_spend", "max_spend", "min_units", "max_units", "fixed_cost", "min_units_if_used",
                   "min_spend_if_used")


# -- paths that name numbers ----------------------------------------------------------------------
CHANNEL_LIMITS = ("min_spend", "max_spend", "min_units", "max_units")
# how many parts a path has before a period's name (``budget.Q2``, ``channels[email].caps.leads.Q3``)
_DEPTH = {"budget": 1, "deal_value": 1, "funnel": 2, "targets": 2, "caps": 2, "sales_team": 3}
ROLE_NUMBERS = ("cost", "current", "max_hires")  # a sales role's numbers a sweep may vary (max_hires.PERIOD and
# capacity.METRIC too)


def numeric_paths(scenario: Scenario) -> list[str]:
    """Every path to a number this scenario has or may set, in the canonical ``channels[NAME]`` form.

    With periods, each of them also names one period's entry (``budget.Q2``; see :func:`split_period`),
    and a limit's ``.total`` is the limit itself; those are not listed (periods times paths).
    """
    out = ["budget", "deal_value", *(f"funnel.{f}" for f in Funnel.model_fields if f != "sales_cycle")]
    out += [f"targets.{m}" for m in scenario.metrics] + [f"caps.{m}" for m in scenario.metrics]
    for c in scenario.channels:
        out += [f"channels[{c.name}].{c.price_field}", *(f"channels[{c.name}].{f}" for f in CHANNEL_NUMBERS)]
        out += [f"channels[{c.name}].caps.{m}" for m in scenario.metrics]
        if c.yields:
            out += [f"channels[{c.name}].yields.{m}" for m in scenario.metrics]
    for r in scenario.sales_team or ():
        out += [f"sales_team[{r.name}].{f}" for f in ROLE_NUMBERS]
        out.append(f"sales_team[{r.name}].capacity.{r.metric}")  # what one rep follows up, on its own metric
    return out


@functools.lru_cache(maxsize=4096)
def _parts(path: str) -> tuple[str, ...]:
    return parse_path(path)  # sweeps ask about the same few paths at every point


@functools.lru_cache(maxsize=4096)
def split_period(path: str) -> tuple[str, str | None]:
    """A canonical path as (the field's path, the period it names or None), by the path's shape alone.

    >>> split_period("caps.qualified_leads.Q3"), split_period("channels[email].qualification_rate.Q3")
    (('caps.qualified_leads', 'Q3'), ('channels[email].qualification_rate', 'Q3'))
    >>> split_period("budget"), split_period("channels[events].caps.leads.total")
    (('budget', None), ('channels[events].caps.leads', 'total'))
    """
    parts = _parts(path)
    head = parts[0]
    depth = _DEPTH.get(head)
    if head == "channels":
        depth = 4 if len(parts) > 2 and parts[2] in ("caps", "yields") else 3
    elif head == "sales_team" and len(parts) > 2 and parts[2] == "capacity":
        depth = None  # capacity.METRIC names the role's metric, never a period
    if depth is None or len(parts) != depth + 1:
        return path, None
    field = path[:len(path) - len(parts[-1])].rstrip().rstrip(".").rstrip()
    return field, parts[-1]


def is_limit(path: str) -> bool:
    """Whether a field's path (no period) names a limit (a row's bound) rather than a value (coefficients)."""
    parts = _parts(path)
    if parts[0] in ("budget", "targets", "caps"):
        return True
    if parts[0] == "sales_team":  # a role's max_hires is a row's bound; its cost and staff are values
        return len(parts) > 2 and parts[2] == "max_hires"
    return parts[0] == "channels" and len(parts) > 2 and (parts[2] == "caps" or parts[2] in CHANNEL_LIMITS)


def canonical_path(scenario: Scenario, path: str) -> str:
    """``channels.webinars.win_rate`` or ``channels[4].win_rate`` -> ``channels[webinars].win_rate``."""
    parts = list(parse_path(path))
    if parts[0] == "channels" and len(parts) > 1:
        names = scenario.channel_names
        if parts[1] not in names and parts[1].isdigit() and int(parts[1]) < len(names):
            parts[1] = names[int(parts[1])]
        return f"channels[{parts[1]}]" + "".join(f".{p}" for p in parts[2:])
    if parts[0] == "sales_team" and len(parts) > 1:
        return f"sales_team[{parts[1]}]" + "".join(f".{p}" for p in parts[2:])
    return ".".join(parts)


def check_numeric_path(scenario: Scenario, path: str) -> str:
    """The canonical form of ``path`` if it names a number of ``scenario``; else a ScenarioError
    naming the nearest path that does (exit code 2 on the command line).

    With periods, ``FIELD.PERIOD`` names one period's entry of any of them and a limit's
    ``FIELD.total`` is the limit itself (``budget.total`` is ``budget``).
    """
    canonical = canonical_path(scenario, path)
    known = numeric_paths(scenario)
    if canonical in known:
        return canonical
    field, period = split_period(canonical)
    if period is not None and field in known:
        periods = scenario.periods or []
        if not periods:
            raise ScenarioError(Issue(path, f"names a period ({period}), but this scenario has no periods; allowed: "
                                            f"{field}, or periods: [Q1, Q2, ...] in the scenario"))
        limit = is_limit(field)
        if period == "total":
            if limit:
                return field
            raise ScenarioError(Issue(path, f"{field} is a value, not a limit: it has no total; allowed: "
                                            f"{field}.PERIOD ({', '.join(periods)})"))
        if period in periods:
            return canonical
        allowed = [*periods, "total"] if limit else list(periods)
        guess = nearest_period(period, allowed)
        hint = f" (did you mean {guess}?)" if guess else ""
        raise ScenarioError(Issue(path, f"{show(period)} is not a period of this scenario{hint}; "
                                        f"allowed: {', '.join(allowed)}"))
    guess = nearest(canonical, known)
    hint = f" (did you mean {guess}?)" if guess else ""
    parts = parse_path(path)
    if parts[0] == "channels" and len(parts) > 2 and parts[2] in PRICE_FIELDS and parts[1] in scenario.channel_names:
        own = next(c for c in scenario.channels if c.name == parts[1]).price_field
        hint = f" (the channel is priced by {own}: channels[{parts[1]}].{own})"
    example = "budget.Q2, " if scenario.periods else ""
    raise ScenarioError(Issue(path, f"is not a number of this scenario{hint}; allowed: a number's path such as "
                                    f"budget, {example}targets.revenue, caps.qualified_leads, funnel.win_rate, "
                                    f"channels[{scenario.channel_names[0]}].max_spend"))


def shaping_rates(scenario: Scenario) -> Iterator[tuple[Any, str, Any, Any]]:
    """``(channel, rate, own, value)`` for each channel's conversion rate into a stage after its
    entry that no yield states: ``own`` the channel's own value (None when it inherits), ``value``
    the one in force (own, the funnel's default, or 1 for an opportunity rate nobody gives); rates
    with no value at all are left out. With periods a value may be a mapping by period."""
    defaults = scenario.default_rates
    for c in scenario.channels:
        y = scenario.yields[c.name]
        if y.entry is None:
            continue
        for stage, rate in zip(("leads", "qualified_leads", "opportunities", "deals"), CONVERSION_RATES):
            if STAGE_ORDER[stage] <= STAGE_ORDER[y.entry] or stage in (c.yields or {}):
                continue
            own = getattr(c, rate)
            value = own if own is not None else defaults.get(rate)
            if value is None and rate == "opportunity_rate":
                value = 1.0
            if value is not None:
                yield c, rate, own, value


def effective_rates(scenario: Scenario) -> dict[str, float]:
    """Each conversion rate that shapes the model, at its value: every channel's own or inherited
    rate into a stage after its entry (``channels[NAME].RATE``), then the funnel defaults given."""
    out: dict[str, float] = {f"channels[{c.name}].{rate}": float(value)
                             for c, rate, _, value in shaping_rates(scenario)}
    for rate in CONVERSION_RATES:
        if getattr(scenario.funnel, rate) is not None:
            out[f"funnel.{rate}"] = float(getattr(scenario.funnel, rate))
    return out


STAGE_ORDER = {"reach": 0, "leads": 1, "qualified_leads": 2, "opportunities": 3, "deals": 4, "revenue": 5}


def _with_value(node: Any, parts: tuple[str, ...], value: Any) -> Any:
    """A copy of scenario data with the field at ``parts`` set to ``value(old)``; only the containers
    on the path are copied."""
    if not parts:
        return value(node)
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


def _setter(period: str | None, value: Any, limit: bool, where: list[str]):
    """The new value of a field from its old one, as ``--set`` sets it (:func:`paths.with_entry`)."""
    return lambda old: with_entry(old, period, value, limit, where)


def _value_at(node: Any, parts: tuple[str, ...]) -> Any:
    """The value at ``parts`` in scenario data (None: not given)."""
    for part in parts:
        if isinstance(node, list):
            node = next((item for item in node if isinstance(item, dict) and item.get("name") == part), None)
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


def _checked_like(old: Any, period: str | None, value: Any, rule: NumberRule, inherits: bool, inherited: Any) -> Any:
    """A value's new value where it keeps the old one's shape and passes ``rule``, else None.

    Without a period a number replaces a number; with one, an entry of a mapping that has it. A
    rate or deal value the channel inherits (``inherits``; ``old`` None, ``inherited`` the scenario's
    default or None) may be given as a number, or as a mapping with the keys of a default given by
    period (every period: so it names every period the channel runs in, as the rules ask).
    """
    def parsed(x: Any) -> float | None:
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            return None
        try:
            return float(rule.parse(x))
        except Exception:  # noqa: BLE001 (the full validation words it)
            return None

    if period is None and isinstance(value, dict):
        if old is not None or not inherits or not isinstance(inherited, dict) or set(value) != set(inherited):
            return None
        entries = {p: parsed(v) for p, v in value.items()}
        return None if any(v is None for v in entries.values()) else entries
    if period is None:
        number = isinstance(old, (int, float)) and not isinstance(old, bool)
        return parsed(value) if number or (old is None and inherits) else None
    if not isinstance(old, dict) or period not in old:
        return None
    entry = parsed(value)
    return None if entry is None else {**old, period: entry}


def field_rule(path: str) -> NumberRule:
    """The rule of the number at a canonical numeric path (as the schema declares it; a period's
    entry follows its field's rule)."""
    path = split_period(path)[0]
    last = path.rsplit(".", 1)[-1]
    if last in CONVERSION_RATES:
        return RATE
    if path == "budget" or last == "deal_value":
        return POSITIVE
    return NON_NEGATIVE  # prices, spend and unit bounds, targets, caps, yields


def own_rule_issue(changes: dict[str, Any], shown: dict[str, str] | None = None) -> str | None:
    """The message of a variant whose one bad value fails its field's own rule, exactly as the whole
    scenario's validation words it, without validating the scenario; None: no such value (or one the
    own rule alone cannot word exactly, which the full validation then reports).

    A field that fails its own rule stops the rules that read it (its channel's and the scenario's),
    so the field's message is the whole answer, unless another channel is changed too (its own
    cross-field rules still run) or a second value fails (the order of messages is the schema's).
    ``shown``: the path a message names instead, where the validation names another (a horizon limit
    given as a mapping is its ``.total``).
    """
    failed = []
    for path, value in changes.items():
        try:
            field_rule(path).parse(value)
        except PydanticCustomError as exc:
            failed.append(Issue((shown or {}).get(path, path), exc.message()))
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


class ValueMap:
    """Where the coefficients a value path moves come from, for cheap variants (STYLE.md, "cheap
    variants"): a price, rate, deal value or yield (one or two of them) changes some coefficients
    of the program, its columns' yields and constants, and each of these is affine in any one such
    value (a funnel stage's yield is a product of one rate per stage, a deal's revenue one deal
    value, spend one price): multilinear in two. So the program at the corners of the values'
    ranges, built and validated once each, gives the program at any point inside or outside them by
    multilinear interpolation, changing only what the corners say moves.

    None from :meth:`build` where the corners differ in structure (a term or a metric that comes or
    goes): such variants are validated and built in full.
    """

    def __init__(self, paths: tuple[str, ...], lows: tuple[float, ...], highs: tuple[float, ...],
                 programs: list[Program]):
        self.paths, self.lows, self.highs = paths, np.array(lows), np.array(highs)
        ref = programs[0]
        self.ref = ref
        rows, _, _, bounds, _ = ref._stacked
        self._rows, self._bounds = rows, bounds
        self._starts = np.searchsorted(rows, np.arange(len(ref.limits) + 1))
        coefs = np.array([q._stacked[2] for q in programs])
        constants = np.array([q._stacked[4] for q in programs])
        objective = np.array([np.asarray(q.objective_coefs, dtype=float) for q in programs])
        self._terms = np.flatnonzero((coefs != coefs[0]).any(axis=0))
        self._coefs = coefs[:, self._terms]
        self._constant_rows = np.flatnonzero((constants != constants[0]).any(axis=0))
        self._constants = constants[:, self._constant_rows]
        self._objective_columns = np.flatnonzero((objective != objective[0]).any(axis=0))
        self._objective = objective[:, self._objective_columns]
        self._objective_constant = np.array([q.objective_constant for q in programs])
        self._limits = sorted(set(rows[self._terms].tolist()) | set(self._constant_rows.tolist()))
        self._columns = [j for j, c in enumerate(ref.columns) if any(q.columns[j] != c for q in programs[1:])]
        self._column_data = {j: [q.columns[j] for q in programs] for j in self._columns}
        self._pipeline = {m: np.array([q.pipeline[m] for q in programs], dtype=float) for m in ref.pipeline
                          if any(q.pipeline[m] != ref.pipeline[m] for q in programs[1:])}

    @staticmethod
    def build(paths: tuple[str, ...], lows: tuple[float, ...], highs: tuple[float, ...],
              program_at, low: Program | None = None) -> ValueMap | None:
        """The map from the programs at the corners (``program_at({path: value})``; ``low``: the
        one at ``lows``, where it is built already), or None."""
        import itertools

        programs = []
        for combo in itertools.product(*zip(lows, highs)):
            if low is not None and combo == tuple(lows):
                programs.append(low)
                continue
            try:
                programs.append(program_at(dict(zip(paths, combo))))
            except ScenarioError:
                return None
        ref = programs[0]
        for q in programs[1:]:
            if not _same_shape(ref, q):
                return None
        return ValueMap(paths, lows, highs, programs)

    def weights(self, values: dict[str, float]) -> np.ndarray:
        """The corners' weights at ``values``: products of (1 - t) and t per path, in corner order."""
        t = (np.array([float(values[p]) for p in self.paths]) - self.lows) / (self.highs - self.lows)
        w = np.ones(1)
        for tk in t:
            w = np.concatenate([w * (1.0 - tk), w * tk]).reshape(2, -1).T.reshape(-1)
        return w

    def program_at(self, values: dict[str, float]) -> Program:
        """The program with the mapped paths at ``values`` ({path: value}, every path of the map)."""
        from dataclasses import replace

        w = self.weights(values)
        ref = self.ref
        rows, columns, coefs, bounds, constants = ref._stacked
        coefs = coefs.copy()
        coefs[self._terms] = w @ self._coefs
        constants = constants.copy()
        constants[self._constant_rows] = w @ self._constants
        objective = np.array(ref.objective_coefs, dtype=float)
        objective[self._objective_columns] = w @ self._objective
        limits = list(ref.limits)
        for k in self._limits:
            a, b = self._starts[k], self._starts[k + 1]
            limits[k] = replace(limits[k], coefs=coefs[a:b], constant=float(constants[k]))
        cols = list(ref.columns)
        for j in self._columns:
            cols[j] = _mix_column(self._column_data[j], w)
        pipeline = dict(ref.pipeline)
        for m, array in self._pipeline.items():
            pipeline[m] = tuple(float(x) for x in w @ array)
        groups = tuple(replace(g, costs=tuple(float(cols[j].price) for j in g.columns)) if any(
            j in self._column_data for j in g.columns) else g for g in ref.tier_groups)  # a tier's cost moved
        program = replace(ref, columns=tuple(cols), limits=tuple(limits), objective_coefs=objective,
                          objective_constant=float(w @ self._objective_constant), pipeline=pipeline,
                          tier_groups=groups)
        # what cached_property would compute: the same shape as the reference's
        program.__dict__.update(_stacked=(rows, columns, coefs, bounds, constants), _senses=ref._senses,
                                channels=ref.channels, _owner=ref._owner)
        return program


def _tier_variant(price: Any, period: str | None, k: int, value: Any) -> Any:
    """``price`` (a schedule, or with periods a mapping of prices) with tier ``k``'s cost (in
    ``period``) at ``value``, or None where that is not a cheap variant: a value the cost's rule
    rejects, or no such tier. (A cost out of order with its neighbours is a volume discount, which
    the schema accepts and the build gives binaries: a program of another shape, which a map's
    corners or a sensitivity variant see.)"""
    schedule = price if period is None else price.get(period) if isinstance(price, dict) else None
    if type(schedule) is not tuple or k >= len(schedule) or isinstance(value, bool) or \
            not isinstance(value, (int, float)):
        return None
    try:
        cost = float(NON_NEGATIVE.parse(value))
    except Exception:  # noqa: BLE001 (the full validation words it)
        return None
    new = tuple(tier.model_copy(update={"cost": cost}) if j == k else tier for j, tier in enumerate(schedule))
    return new if period is None else {**price, period: new}


def _same_shape(a: Program, b: Program) -> bool:
    """Whether two programs differ only in numbers: limits, terms, columns and their metrics."""
    from ..model.highs import same_structure

    if not same_structure(a, b):
        return False
    ra, ca, _, ba, _ = a._stacked
    rb, cb, _, bb, _ = b._stacked
    if not (np.array_equal(ra, rb) and np.array_equal(ca, cb) and np.array_equal(ba, bb)):
        return False
    for x, y in zip(a.columns, b.columns):
        if (x.channel, x.kind, x.period, x.unit, x.tier) != (y.channel, y.kind, y.period, y.unit, y.tier):
            return False
        if [(k, v is None) for k, v in x.per_unit.items()] != [(k, v is None) for k, v in y.per_unit.items()]:
            return False
        if list(x.closing or {}) != list(y.closing or {}) or list(x.after or {}) != list(y.after or {}):
            return False
    return a.pipeline.keys() == b.pipeline.keys() and a.periods == b.periods


def _mix_column(corners: list, w: np.ndarray):
    """A column whose numbers are the corners' weighted by ``w``."""
    from dataclasses import replace

    first = corners[0]

    def mix(values) -> float:
        return float(np.dot(w, np.array(values, dtype=float)))

    per_unit = {k: None if v is None else mix([c.per_unit[k] for c in corners]) for k, v in first.per_unit.items()}
    closing = None if first.closing is None else {
        k: tuple(float(x) for x in w @ np.array([c.closing[k] for c in corners], dtype=float)) for k in first.closing}
    after = None if first.after is None else {k: mix([c.after[k] for c in corners]) for k in first.after}
    return replace(first, price=mix([c.price for c in corners]), per_unit=per_unit, closing=closing, after=after)


class Explorer:
    """One scenario and its kept HiGHS model: solve variants of it ({path: value}), warm-started.

    ``scale``: how the model's arrays are scaled for HiGHS (:class:`~optimizer.model.highs.WarmModel`);
    sensitivity analysis, which reads HiGHS's basis in the program's units, keeps them as they are.
    ``program``: the scenario's program where it is built already; ``lazy``: make the HiGHS model on
    first use only (for variant programs alone, :meth:`program_at`).
    :meth:`prepare` readies it for a sweep's paths, so that every point is a cheap variant.
    """

    def __init__(self, scenario: Scenario, scale: str | None = "geometric", program: Program | None = None,
                 lazy: bool = False):
        self.scale = scale
        self.solves = 0
        self.values: ValueMap | None = None
        self._model: WarmModel | None = None
        self._reset(scenario, program)
        if not lazy:  # a sweep's points start from the scenario's own model, then the prepared one's
            self.model  # noqa: B018 (made now)

    def _reset(self, scenario: Scenario, program: Program | None = None) -> None:
        """Keep ``scenario`` and its program (``program``: built already, as ``build_program`` builds it)."""
        self.scenario = scenario
        self._data: dict | None = None
        self._channel_index = {name: i for i, name in enumerate(scenario.channel_names)}
        self.program = build_program(scenario) if program is None else program
        if self._model is not None:
            self._model.load(self.program)
        self._loaded: Program = self.program  # the program whose numbers the model holds
        self._moved: dict[int, float] = {}  # bounds moved away from the loaded program's
        self._limit_index = {limit.name: k for k, limit in enumerate(self.program.limits)}

    @property
    def model(self) -> WarmModel:
        """The kept HiGHS model, made on first use (variant programs alone need none)."""
        if self._model is None:
            self._model = WarmModel(self.program, scale=self.scale)
            self._loaded = self.program
        return self._model

    @property
    def data(self) -> dict:
        """The scenario as data (``Scenario.to_data``), made on first use."""
        if self._data is None:
            self._data = self.scenario.to_data()
        return self._data

    def prepare(self, parameters: dict[str, Any]) -> None:
        """Ready the kept model for a sweep over ``parameters`` ({canonical path: values}).

        A limit the scenario does not have yet (``caps.qualified_leads.Q3`` where the cap is a plain
        number) is added, at the first value its own rule accepts, so that every point moves its
        row's bound; a value path is set to its first such value and mapped (:class:`ValueMap`)
        between it and the value farthest from it. Where that fails (a value the whole validation
        rejects), points are validated and built in full.
        """
        base: dict[str, float] = {}
        ranges: dict[str, tuple[float, float]] = {}
        for path, values in parameters.items():
            limit = is_limit(split_period(path)[0])
            if limit and path in self._limit_index:
                continue
            if not limit and _parts(path)[0] == "sales_team":
                # a role's cost or staff is read by the program's hires (hiring cost, capacity), not only
                # by its coefficients: a map would leave those stale, so each point is built anew
                continue
            ok = [float(v) for v in values if self._value_ok(path, v) and (limit or v != 0)]
            if not ok:
                continue
            base[path] = ok[0]
            if not limit:
                far = max(ok, key=lambda v: abs(v - ok[0]))
                ranges[path] = (ok[0], far if far != ok[0] else ok[0] / 2)
        if base:
            try:
                self._reset(self.scenario_at(base))
            except ScenarioError:
                return
        if ranges:
            paths = tuple(ranges)
            # the scenario now holds each value at its range's low end: the first corner is built
            self.values = ValueMap.build(paths, tuple(ranges[p][0] for p in paths), tuple(ranges[p][1] for p in paths),
                                         self.program_at, low=self.program)

    def limit_index(self, path: str) -> int | None:
        """The limit a number moves as a bound only (budget, a target, a cap, a channel's bound; or
        one period's entry of it), if the program has it."""
        return self._limit_index.get(path) if is_limit(split_period(path)[0]) else None

    def scenario_at(self, changes: dict[str, Any]) -> Scenario:
        """The scenario with ``changes`` applied and validated (raises ScenarioError).

        Paths were checked (``check_numeric_path``), so the data is copied only along each path
        rather than in full; a period's entry is set as ``--set`` sets it (``paths.with_entry``).
        The new scenario is validated as a whole, as ``paths.apply_changes`` does, except that
        channels no change touches are handed over as the validated, frozen objects they are
        (pydantic does not validate them twice).
        """
        data = dict(self.data)
        channels: list[Any] = list(self.scenario.channels)
        periods = list(self.scenario.periods or [])
        for path, value in changes.items():
            field, period = split_period(path)
            parts = parse_path(field)
            limit = is_limit(field)
            if parts[0] == "channels":
                i = self._channel_index[parts[1]]
                base = channels[i] if isinstance(channels[i], dict) else self.data["channels"][i]
                where = [p for p in periods if p in (base.get("available") or periods)]
                channels[i] = _with_value(base, parts[2:], _setter(period, value, limit, where))
            else:
                data = _with_value(data, parts, _setter(period, value, limit, periods))
        data["channels"] = channels
        return Scenario.model_validate(data)

    def program_at(self, changes: dict[str, Any]) -> Program:
        """The program with ``changes`` applied: values of channels (a price, rate, deal value or
        yield) on the scenario as :meth:`value_variant` sets them, anything else validated in full."""
        if not changes:
            return self.program
        variant = self.value_variant(changes)
        return build_program(variant if variant is not None else self.scenario_at(changes))

    def value_variant(self, changes: dict[str, Any]) -> Scenario | None:
        """The scenario with channels' values changed (prices, rates, deal values, yields; no limit),
        without validating it again (STYLE.md, "cheap variants"); None where that is not safe.

        Each value is checked by its own field's rule (a mapping's every entry), and a channel whose
        rules read its price (one with a minimum) is validated alone. The scenario's rules read which
        fields are given and the shape of each (a number, or a mapping by period with its keys), not
        the values, so a change that keeps every shape cannot break them: the other channels, the
        funnel, limits and constraints are handed over as the validated objects they are. A change
        of shape (a number given for one period's entry only, a yield a channel does not have) is
        left to :meth:`scenario_at`.

        >>> from optimizer import Scenario
        >>> s = Scenario(channels=[{"name": "email", "cost_per_lead": 20, "qualification_rate": 0.3}])
        >>> Explorer(s).value_variant({"channels[email].qualification_rate": 0.2}).channels[0].qualification_rate
        0.2
        >>> Explorer(s).value_variant({"channels[email].qualification_rate": 1.5}) is None
        True
        """
        from ..scenario.schema import Channel

        scenario = self.scenario
        fields: dict[int, dict[str, Any]] = {}
        for path, value in changes.items():
            tier = self._tier_cost(path)
            if tier is not None:  # a tier's cost: its schedule with that tier's cost replaced
                i, name, period, k = tier
                own = fields.setdefault(i, {f: getattr(scenario.channels[i], f) for f in Channel.model_fields})
                new = _tier_variant(own[name], period, k, value)
                if new is None:
                    return None
                own[name] = new
                continue
            field, period = split_period(path)
            parts = _parts(field)
            if parts[0] != "channels" or is_limit(field) or len(parts) not in (3, 4) or parts[1] not in \
                    self._channel_index:
                return None
            i = self._channel_index[parts[1]]
            own = fields.setdefault(i, {f: getattr(scenario.channels[i], f) for f in Channel.model_fields})
            name = parts[2]
            if len(parts) == 4:  # a yield: channels[NAME].yields.METRIC
                if name != "yields" or not isinstance(own["yields"], dict) or parts[3] not in own["yields"]:
                    return None
                own["yields"] = dict(own["yields"])
                holder, key = own["yields"], parts[3]
            elif name in own and name not in ("name", "caps", "integer", "available", "sales_cycle", "yields"):
                holder, key = own, name
            else:
                return None
            inherits = len(parts) == 3 and (name in CONVERSION_RATES or name == "deal_value")
            new = _checked_like(holder[key], period, value, field_rule(field), inherits, self._default_like(name))
            if new is None:
                return None
            holder[key] = new
        channels = list(scenario.channels)
        for i, own in fields.items():
            channels[i] = Channel.model_construct(scenario.channels[i].model_fields_set, **own)
        if not self._channels_ok(changes):
            return None
        data = {f: getattr(scenario, f) for f in type(scenario).model_fields}
        data["channels"] = channels
        return type(scenario).model_construct(scenario.model_fields_set, **data)

    def _tier_cost(self, path: str) -> tuple[int, str, str | None, int] | None:
        """(channel index, price field, period or None, tier) where ``path`` is a tier's cost that a
        variant may change without changing the model's shape or leaving its coefficients affine in
        the cost; else None. Not such a cost: one of a schedule whose order binaries enforce (an
        ordered open last tier is as wide as the units a budget buys, read from the costs), or of a
        channel with a spend limit (a bound on its units through the schedule)."""
        parts = _parts(path)
        if len(parts) not in (5, 6) or parts[0] != "channels" or parts[-1] != "cost" or not parts[-2].isdigit() \
                or parts[1] not in self._channel_index:
            return None
        i = self._channel_index[parts[1]]
        c = self.scenario.channels[i]
        if parts[2] != c.price_field or c.min_spend is not None or c.max_spend is not None:
            return None
        if any(g.binaries for g in self.program.tier_groups if g.channel == c.name):
            return None
        return i, parts[2], parts[3] if len(parts) == 6 else None, int(parts[-2])

    def maps_tier_costs(self, parameters: dict[str, Any]) -> bool:
        """Prepare a sweep over ``parameters`` ({canonical path: values}) whose tier paths are all
        tiers' costs as cheap variants (:meth:`_tier_cost`), the map holding at both ends of each
        range (the same shape there, so everywhere between: the order of the costs and which rows
        reward spend are intervals of each cost); True if it does. Else the explorer is left as it
        was (False: such a sweep builds every point anew)."""
        from ..scenario.tiers import tiered_path

        tiers = [p for p in parameters if tiered_path(self.scenario, p)]
        if not tiers or any(self._tier_cost(p) is None for p in tiers):
            return False
        scenario, program = self.scenario, self.program
        self.prepare(parameters)
        if self.values is not None and set(tiers) <= set(self.values.paths):
            return True
        self.values = None
        self._reset(scenario, program)
        return False

    def _default_like(self, name: str) -> Any:
        """The scenario's default of a channel's rate or deal value (what a channel without its own inherits)."""
        if name in CONVERSION_RATES:
            return getattr(self.scenario.funnel, name)
        return self.scenario.default_rates.get("deal_value") if name == "deal_value" else None

    def _shown(self, changes: dict[str, Any]) -> dict[str, str]:
        """Horizon limits given as a mapping: their messages name ``.total``, as the validation does."""
        out = {}
        for path in changes:
            if is_limit(path) and split_period(path)[1] is None:
                parts = parse_path(path)
                node = (_value_at(self.data["channels"], parts[1:]) if parts[0] == "channels"
                        else _value_at(self.data, parts))
                if isinstance(node, dict):
                    out[path] = path + ".total"
        return out

    def solve(self, changes: dict[str, Any]) -> Outcome:
        """Solve the scenario with ``changes`` ({canonical path: number}) on the kept model."""
        own = own_rule_issue(changes, self._shown(changes))
        if own is not None:
            return Outcome("invalid", None, message=own)
        bounds: dict[int, float] = {}
        values: dict[str, Any] = {}
        cheap = True
        for path, value in changes.items():
            k = self.limit_index(path)
            if k is None:
                values[path] = value
            elif self._value_ok(path, value):
                bounds[k] = float(value)
            else:
                cheap = False
        if cheap and values:
            cheap = (self.values is not None and set(values) == set(self.values.paths)
                     and all(self._value_ok(p, v) and float(v) != 0 for p, v in values.items()))
        if cheap and self._channels_ok(changes):
            if not values:
                return self.solve_bounds(bounds)
            program = self.values.program_at(values)
            return self.solve_program(program.with_bounds(bounds) if bounds else program)
        try:
            program = build_program(self.scenario_at(changes))
        except ScenarioError as exc:
            return Outcome("invalid", None, message="; ".join(issue.render() for issue in exc.issues))
        return self.solve_program(program)

    def _value_ok(self, path: str, value: Any) -> bool:
        try:
            return field_rule(path).parse(value) is not None
        except Exception:  # the full path reports the scenario's own message
            return False

    def _channels_ok(self, changes: dict[str, Any]) -> bool:
        """Whether the channels whose price or bounds change still pass their own rules (a minimum
        above a maximum, a minimum spend on a free channel): those rules read the values, so each
        such channel is validated alone (the scenario's rules read only which fields are given)."""
        from ..scenario.schema import Channel

        touched: dict[int, Any] = {}
        periods = list(self.scenario.periods or [])
        for path, value in changes.items():
            field, period = split_period(path)
            parts = _parts(field)
            if parts[0] != "channels" or not (parts[2] in PRICE_FIELDS or parts[2] in CHANNEL_LIMITS):
                continue
            i = self._channel_index[parts[1]]
            base = touched.get(i, self.data["channels"][i])
            where = [p for p in periods if p in (base.get("available") or periods)]
            touched[i] = _with_value(base, parts[2:], _setter(period, value, is_limit(field), where))
        try:
            for data in touched.values():
                if data.get("min_spend") is not None or data.get("min_units") is not None:
                    Channel.model_validate(data)  # without minimums its rules read no value
        except Exception:  # noqa: BLE001 (the full validation then words it)
            return False
        return True

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
                    units = program.in_tier_order(solution.units)  # tiers filled in order, as a plan reports them
                    return Outcome(solution.status, program, units, program.objective_value(units),
                                   solution.duals if duals else None, solution.reduced_costs if duals else None)
            elif solution.status == Status.INFEASIBLE and infeasibility(program, self.model.dual_ray()) is None:
                return Outcome(solution.status, program)
        proven = solve(program, "highs")
        if not proven.has_plan:
            return Outcome(proven.status, program)
        # as a plan reports it: tiers in order, set-ups paid once or not, whole reps whole
        units = program.settled(program.in_tier_order(proven.units))
        return Outcome(proven.status, program, units, program.objective_value(units),
                       proven.duals if duals else None, proven.reduced_costs if duals else None)

