"""Field paths such as ``channels[email].cost_per_lead``: parse them, and apply changes to a scenario.

The same syntax names fields in error messages, in ``--set PATH=VALUE``, in sweeps and in
sensitivity output: a channel by name (``channels[email]``) or position (``channels[2]``), a
constraint by name or position (``constraints[search_share]``, ``constraints[0]``: its text). A
change makes a new, fully validated scenario; nothing is changed in place.

>>> parse_path("channels[email].caps.leads")
('channels', 'email', 'caps', 'leads')
>>> parse_path("channels.webinar.qualification_rate")
('channels', 'webinar', 'qualification_rate')
"""

from __future__ import annotations

import copy
import re
from typing import Any

from ..errors import Issue, ScenarioError
from .periods import nearest_period
from .rules import shorten
from .schema import Channel, Funnel, Scenario, did_you_mean, period_hint

_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[([^\]]*)\]|\.")
SECTIONS = {"targets", "caps"}  # mappings whose keys are metrics
CHANNEL_MAPS = {"caps", "yields"}


def parse_path(path: str) -> tuple[str, ...]:
    """Split a path into its parts; ``channels.NAME.field`` and ``channels[NAME].field`` are the same."""
    parts, pos, text = [], 0, path.strip()
    while pos < len(text):
        m = _SEGMENT.match(text, pos)
        if not m:
            raise ScenarioError(Issue(path, f"{text[pos]!r} is not allowed in a path; allowed: paths such as "
                                            "budget, targets.revenue, funnel.win_rate, channels[email].cost_per_lead"))
        if m.group(1) is not None:
            parts.append(m.group(1))
        elif m.group(2) is not None:
            parts.append(m.group(2).strip())
        pos = m.end()
    if not parts:
        raise ScenarioError(Issue(path, "the path is empty; allowed: paths such as budget or targets.revenue"))
    return tuple(parts)


def parse_value(text: str) -> Any:
    """A value from the command line, read as a YAML scalar (``0.35``, ``"12%"``, ``true``, ``max_deals``),
    with the numbers a scenario file allows: ``1:30`` and ``0x10`` stay text, ``017`` is 17."""
    import yaml  # here, not at the top: a JSON scenario without --set loads no PyYAML

    from .loading import strict_loader  # loading imports this module

    try:
        return yaml.load(text, Loader=strict_loader()) if text.strip() else None  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError:
        return text


def _channel_index(channels: list, key: str, path: str) -> int:
    names = [c.get("name") if isinstance(c, dict) else None for c in channels]
    if key in names:
        return names.index(key)
    if key.isdigit() and int(key) < len(channels):
        return int(key)
    raise ScenarioError(Issue(path, f"no channel is named {key!r}{did_you_mean(key, [n for n in names if n])}; "
                                    f"allowed: {', '.join(str(n) for n in names)}"))


def set_in_data(data: dict, path: str, value: Any) -> dict:
    """A copy of scenario data with the field at ``path`` set to ``value`` (the path is checked)."""
    parts = parse_path(path)
    data = copy.deepcopy(data)
    head = parts[0]
    if head not in Scenario.model_fields:
        fields = list(Scenario.model_fields)
        raise ScenarioError(Issue(path, f"{head!r} is not a scenario field{did_you_mean(head, fields)}; "
                                        f"allowed: {', '.join(fields)}"))
    if head == "sales_team" and len(parts) > 1:
        return _set_role(data, parts, value, path)
    by_period = _set_by_period(data, parts, value, path)
    if by_period is not None:
        return by_period
    if head == "channels":
        if len(parts) < 3:
            raise ScenarioError(Issue(path, "name a channel field; allowed: channels[NAME].FIELD, e.g. "
                                            "channels[email].cost_per_lead"))
        channels = data.get("channels")
        if not isinstance(channels, list):
            raise ScenarioError(Issue(path, "the scenario's channels are not a list here"))
        i = _channel_index(channels, parts[1], path)
        field = parts[2]
        if field not in Channel.model_fields:
            raise ScenarioError(Issue(path, f"{field!r} is not a channel field"
                                            f"{did_you_mean(field, list(Channel.model_fields))}; "
                                            f"allowed: {', '.join(Channel.model_fields)}"))
        if field in _PRICES and isinstance(channels[i], dict) and channels[i].get("response_curve") is not None:
            base = f"channels[{parts[1]}]"
            raise ScenarioError(Issue(path, f"{base} is priced by a response curve, so it has no {field} of its own; "
                                            f"allowed: {base}.response_curve.points[K]=[SPEND, AMOUNT] (a point), or "
                                            f"{base}.response_curve=null with {base}.{field}=NUMBER (a price instead "
                                            "of the curve)"))
        if field in _PRICES and len(parts) > 3:
            return _set_tier(data, channels[i], parts, value, path)
        if field == "response_curve" and len(parts) > 3:
            return _set_curve(channels[i], parts, value, path, data)
        return _set(data, ["channels", i, *parts[2:]], value, path, maps=CHANNEL_MAPS)
    if head == "constraints" and len(parts) > 1:
        return _set_constraint(data, parts, value, path)
    if head == "funnel" and (len(parts) != 2 or parts[1] not in Funnel.model_fields):
        wrong = parts[1] if len(parts) > 1 else ""
        fields = list(Funnel.model_fields)
        raise ScenarioError(Issue(path, f"{wrong!r} is not a funnel field{did_you_mean(wrong, fields)}; "
                                        f"allowed: {', '.join('funnel.' + f for f in fields)}"))
    if head in SECTIONS and len(parts) != 2:
        raise ScenarioError(Issue(path, f"name a metric; allowed: {head}.METRIC, e.g. {head}.deals"))
    return _set(data, list(parts), value, path, maps=SECTIONS | {"funnel"})


_CHANNEL_LIMITS = {"min_spend", "max_spend", "min_units", "max_units"}
_CHANNEL_VALUES = {"cost_per_contact", "cost_per_lead", "cost_per_qualified_lead", "unit_cost", "response_rate",
                   "qualification_rate", "opportunity_rate", "win_rate", "deal_value", "fixed_cost",
                   "min_units_if_used", "min_spend_if_used"}


_PRICES = ("cost_per_contact", "cost_per_lead", "cost_per_qualified_lead", "unit_cost")


def _set_tier(data: dict, channel: dict, parts: tuple[str, ...], value: Any, path: str) -> dict:
    """``channels[email].cost_per_lead[1].cost`` / ``.up_to`` (``[1]`` alone: its cost), and with
    periods ``channels[email].cost_per_lead.Q1[1].cost``: one number of one tier of a tiered price."""
    field, rest = parts[2], list(parts[3:])
    base = f"channels[{parts[1]}].{field}"
    schedule = channel.get(field)
    periods = data.get("periods") if isinstance(data.get("periods"), list) else []
    if rest and rest[0] in periods:
        period = rest.pop(0)
        base += f".{period}"
        schedule = schedule.get(period) if isinstance(schedule, dict) else None
        if not rest:
            return _set(data, ["channels", data["channels"].index(channel), field, period], value, path,
                        maps={field})
    example = f"{base}[0].cost or {base}[0].up_to"
    if periods and isinstance(schedule, dict) and rest and not rest[0].isdigit():  # a price by period, mistyped
        near = nearest_period(rest[0], periods)
        raise ScenarioError(Issue(path, f"{shorten(rest[0])!r} is not a period of this scenario"
                                        f"{f' (did you mean {near}?)' if near else ''}; "
                                        f"allowed: {', '.join(str(p) for p in periods)}"))
    if not isinstance(schedule, list):
        raise ScenarioError(Issue(path, f"{base} is not tiered, so it has no tier {rest[0]}; allowed: {base}=NUMBER, "
                                        f"or a tier list: {base}='[{{up_to: 2000, cost: 35}}, {{cost: 55}}]'"))
    if not rest[0].isdigit() or len(rest) > 2 or (len(rest) == 2 and rest[1] not in ("cost", "up_to")):
        raise ScenarioError(Issue(path, f"does not name a tier's number; allowed: {example}"))
    k = int(rest[0])
    if k >= len(schedule):
        raise ScenarioError(Issue(path, f"{base} has {len(schedule)} tiers, numbered from 0; allowed: "
                                        f"{base}[0] to {base}[{len(schedule) - 1}]"))
    part = rest[1] if len(rest) == 2 else "cost"
    tier = schedule[k]
    if isinstance(tier, dict):
        tier[part] = value
    return data


def _set_curve(channel: dict, parts: tuple[str, ...], value: Any, path: str, data: dict) -> dict:
    """``channels[x].response_curve.points[2]`` (a point, ``[SPEND, AMOUNT]``), ``...points[2][0]``
    (its spend) or ``[1]`` (its amount), ``...stage``, and with a curve per period the same after
    the period (``channels[x].response_curve.Q1.points[2]``): one part of a response curve."""
    rest = list(parts[3:])
    base = f"channels[{parts[1]}].response_curve"
    curve = channel.get("response_curve")
    periods = data.get("periods") if isinstance(data.get("periods"), list) else []
    if rest and rest[0] in periods and isinstance(curve, dict) and rest[0] in curve:
        base += f".{rest[0]}"
        if len(rest) == 1:
            curve[rest[0]] = value
            return data
        curve = curve[rest.pop(0)]
    example = f"{base}.points[1]=[SPEND, AMOUNT], {base}.points[1][0] (its spend), {base}.points[1][1] (its amount) " \
              f"or {base}.stage"
    if not isinstance(curve, dict) or "points" not in curve:
        raise ScenarioError(Issue(path, f"{base} is not one curve here; allowed: {base}.PERIOD.points[K] for a curve "
                                        f"per period, or {base}=CURVE"))
    if rest == ["stage"]:
        curve["stage"] = value
        return data
    points = curve.get("points")
    if rest[0] != "points" or len(rest) not in (2, 3) or not rest[1].isdigit() or (
            len(rest) == 3 and rest[2] not in ("0", "1")) or not isinstance(points, list):
        raise ScenarioError(Issue(path, f"does not name a part of the curve; allowed: {example}"))
    k = int(rest[1])
    if k >= len(points):
        raise ScenarioError(Issue(path, f"{base} has {len(points)} points, numbered from 0; allowed: "
                                        f"{base}.points[0] to {base}.points[{len(points) - 1}], or {base}=CURVE for "
                                        "another list of points"))
    if len(rest) == 2:
        points[k] = value
    elif isinstance(points[k], list) and len(points[k]) == 2:
        points[k][int(rest[2])] = value
    return data


def _period_kind(keys: list[str]) -> str | None:
    """Whether the field at ``keys`` is a limit ("limit": a number over the horizon or a mapping with
    ``total``), a value ("value": a number in every period or a mapping by period), or neither."""
    if keys == ["budget"] or (len(keys) == 2 and keys[0] in SECTIONS):
        return "limit"
    if keys == ["deal_value"] or (len(keys) == 2 and keys[0] == "funnel" and keys[1] != "sales_cycle"):
        return "value"
    if len(keys) == 2 and keys[0] == "pipeline":  # in flight: by period only
        return "pipeline"
    if len(keys) == 3 and keys[0] == "channels":
        return "limit" if keys[2] in _CHANNEL_LIMITS else "value" if keys[2] in _CHANNEL_VALUES else None
    if len(keys) == 4 and keys[0] == "channels" and keys[2] in CHANNEL_MAPS:
        return "limit" if keys[2] == "caps" else "value"
    return None


def _set_by_period(data: dict, parts: tuple[str, ...], value: Any, path: str) -> dict | None:
    """With periods: ``budget.Q2``, ``caps.qualified_leads.Q3``, ``channels[email].qualification_rate.Q3``
    set one period's entry (a plain number becomes a mapping: a limit keeps it as ``total``, a value
    in every other period); ``budget`` on a mapping sets its ``total`` and keeps the periods' entries.
    None: the path is not about periods (the usual rules apply)."""
    periods = data.get("periods")
    keys = list(parts)
    if not isinstance(periods, list) or not periods:
        if (len(keys) > 1 and not path.endswith("]") and _period_kind(keys[:-1]) is not None
                and _period_kind(keys) is None):  # FIELD.NAME, not a tier's FIELD[K]
            field = ".".join(keys[:-1]) if keys[0] != "channels" else path[:-len(str(keys[-1])) - 1]
            raise ScenarioError(Issue(path, f"names a period ({shorten(str(keys[-1]))}), but this scenario has no "
                                            f"periods; allowed: {field}, or periods: [Q1, Q2, ...] in the scenario"))
        return None
    key = keys[-1] if keys[-1] in periods or keys[-1] == "total" else None
    field = keys[:-1] if key is not None else keys
    kind = _period_kind(field)
    if key is None and kind is None and len(keys) > 1 and _period_kind(keys[:-1]) is not None:
        # the field varies by period and the last part is not one of them: a mistyped period
        allowed = [str(p) for p in periods] + (["total"] if _period_kind(keys[:-1]) == "limit" else [])
        near = nearest_period(keys[-1], periods)
        raise ScenarioError(Issue(path, f"{shorten(keys[-1])!r} is not a period of this scenario"
                                        f"{f' (did you mean {near}?)' if near else ''}; "
                                        f"allowed: {', '.join(allowed)}"))
    if kind == "pipeline":
        if key is None or key == "total":
            return None if key is None else _not_total(path, field)
        pipeline = data.get("pipeline")
        if pipeline is None:
            pipeline = data["pipeline"] = {}
        if not isinstance(pipeline, dict):
            return None
        entries = pipeline.get(field[1])
        pipeline[field[1]] = {**(entries if isinstance(entries, dict) else {}), key: value}
        return data
    if kind is None:
        if key is not None and field:
            raise ScenarioError(Issue(path, f"{'.'.join(field)} does not vary by period; allowed: a period's "
                                            "entry of a limit, price, rate or yield, e.g. budget.Q2"))
        return None
    if key == "total" and kind != "limit":
        raise ScenarioError(Issue(path, f"{field[-1]} is a value, not a limit: it has no total; allowed: "
                                        f"{'.'.join(field)}.PERIOD"))
    container: Any = data
    where = periods
    if field[0] == "channels":
        channels = data.get("channels")
        if not isinstance(channels, list):
            return None
        container = channels[_channel_index(channels, field[1], path)]
        where = [p for p in periods if p in (container.get("available") or periods)]
        field = field[2:]
    for part in field[:-1]:
        if container.get(part) is None:
            container[part] = {}
        container = container[part]
        if not isinstance(container, dict):
            return None
    name = field[-1]
    old = container.get(name)
    if key is None and not (kind == "limit" and isinstance(old, dict)):
        return None
    if old is None and kind == "value" and parts[0] == "channels" and len(field) == 1:
        old = _inherited(data, name, where)
    container[name] = with_entry(old, key, value, kind == "limit", where)
    return data


def _inherited(data: dict, name: str, where: list[str]) -> Any:
    """What a channel without its own ``name`` (a conversion rate or ``deal_value``) takes from the
    scenario: the funnel's default (or the top-level ``deal_value``), in the periods ``where`` it
    runs; None where there is none. A set-up cost or minimum buy has no default: 0 (none)."""
    if name in ("fixed_cost", "min_units_if_used", "min_spend_if_used"):
        return 0.0
    funnel = data.get("funnel")
    default = data.get(name) if name == "deal_value" else funnel.get(name) if isinstance(funnel, dict) else None
    if name == "deal_value" and default is None and isinstance(funnel, dict):
        default = funnel.get(name)
    if isinstance(default, dict):
        return {p: default[p] for p in where if p in default}
    return default


def _not_total(path: str, field: list[str]) -> None:
    raise ScenarioError(Issue(path, f"{'.'.join(field)} is in flight by period, not over the horizon; allowed: "
                                    f"{'.'.join(field)}.PERIOD"))


def with_entry(old: Any, period: str | None, value: Any, limit: bool, where: list[str]) -> Any:
    """A field's new value when one period's entry (``period``; None or ``total``: the horizon's
    limit) is set to ``value``, as ``--set`` and sweeps set it: a limit given as a number becomes
    ``{total: old, PERIOD: value}``, a value given as a number becomes a mapping with the old number
    in every other period of ``where`` (the periods the channel runs in); a limit's horizon entry
    keeps the periods' entries. A value without a period replaces the whole field.

    >>> with_entry(5000, "Q3", 600, True, ["Q1", "Q2", "Q3"]), with_entry(0.1, "Q2", 0.2, False, ["Q1", "Q2"])
    ({'total': 5000, 'Q3': 600}, {'Q1': 0.1, 'Q2': 0.2})
    >>> with_entry({"total": 9, "Q1": 2}, None, 7, True, ["Q1"])
    {'total': 7, 'Q1': 2}
    """
    if period is None or period == "total":
        # a mapping given for the whole field (--set 'budget={Q1: 500, Q2: 700}') replaces it
        keep = limit and isinstance(old, dict) and not (period is None and isinstance(value, dict))
        return {**old, "total": value} if keep else value
    if isinstance(old, dict):
        new = dict(old)
    elif old is None:
        new = {}
    else:
        new = {"total": old} if limit else {p: old for p in where}
    new[period] = value
    return new


def _set(data: dict, keys: list, value: Any, path: str, maps: set[str]) -> dict:
    node: Any = data
    for depth, key in enumerate(keys[:-1]):
        if isinstance(node, list):
            node = node[key]
            continue
        if node.get(key) is None:
            node[key] = {}
        node = node[key]
        if not isinstance(node, (dict, list)):
            raise ScenarioError(Issue(path, f"{'.'.join(map(str, keys[:depth + 1]))} is not a mapping, so the "
                                            "path names nothing; allowed: paths such as budget, targets.revenue, "
                                            "channels[email].caps.leads"))
    if len(keys) > 2 and keys[0] != "channels" or (keys[0] == "channels" and len(keys) > 3
                                                   and keys[2] not in maps) or len(keys) > 4:
        raise ScenarioError(Issue(path, "the path goes deeper than the field; "
                                        "allowed: e.g. channels[email].caps.leads"))
    node[keys[-1]] = value
    return data


_ROLE_FIELDS = ("cost", "capacity", "current", "max_hires", "ramp", "integer")


def _set_role(data: dict, parts: tuple[str, ...], value: Any, path: str) -> dict:
    """``sales_team[sdr].cost`` (``.current``, ``.max_hires``, ``.ramp``, ``.integer``), with periods
    ``sales_team[sdr].max_hires.Q1`` (a number given for the horizon stays as its ``total``), and
    ``sales_team[sdr].capacity.METRIC``: one field of one role."""
    roles = data.get("sales_team")
    names = [r.get("name") if isinstance(r, dict) else None for r in roles] if isinstance(roles, list) else []
    key = parts[1]
    if key not in names:
        known = [n for n in names if n]
        raise ScenarioError(Issue(path, f"no role is named {key!r}{did_you_mean(key, known)}; allowed: "
                                        + (", ".join(f"sales_team[{n}]" for n in known) or "a role of sales_team "
                                           "(this scenario has none)")))
    role = roles[names.index(key)]
    allowed = f"allowed: {', '.join(f'sales_team[{key}].{f}' for f in _ROLE_FIELDS)}"
    if len(parts) < 3:
        raise ScenarioError(Issue(path, f"name a role field; {allowed}"))
    if parts[2] not in _ROLE_FIELDS:
        wrong = parts[2]
        raise ScenarioError(Issue(path, f"{wrong!r} is not a role field{did_you_mean(wrong, list(_ROLE_FIELDS))}; "
                                        f"{allowed}"))
    field = parts[2]
    if len(parts) == 3:
        role[field] = value
        return data
    periods = data.get("periods") if isinstance(data.get("periods"), list) else []
    if len(parts) == 4 and field == "capacity":
        role["capacity"] = {parts[3]: value}
        return data
    if len(parts) == 4 and field == "max_hires" and (parts[3] in periods or parts[3] == "total"):
        current = role.get("max_hires")
        mapping = dict(current) if isinstance(current, dict) else ({} if current is None else {"total": current})
        mapping[parts[3]] = value
        role["max_hires"] = mapping
        return data
    if len(parts) == 4 and field == "max_hires":
        if not periods:
            raise ScenarioError(Issue(path, f"{parts[3]!r} is not a period: this scenario has no periods; allowed: "
                                            f"sales_team[{key}].max_hires=N (over the horizon)"))
        allowed_keys = [*map(str, periods), "total"]
        raise ScenarioError(Issue(path, f"{parts[3]!r} is not a period of this scenario"
                                        f"{period_hint(parts[3], allowed_keys)}; allowed: "
                                        f"sales_team[{key}].max_hires.PERIOD with PERIOD one of "
                                        f"{', '.join(allowed_keys)}"))
    raise ScenarioError(Issue(path, "the path goes deeper than the field; allowed: sales_team[NAME].FIELD, "
                                    "sales_team[NAME].max_hires.PERIOD or sales_team[NAME].capacity.METRIC "
                                    + (f"(periods: {', '.join(map(str, periods))})" if periods else
                                       "(this scenario has no periods)")))


def _set_constraint(data: dict, parts: tuple[str, ...], value: Any, path: str) -> dict:
    """``constraints[NAME]`` or ``constraints[0]`` (its text), or ``constraints[NAME].expr`` / ``.name``."""
    constraints = data.get("constraints")
    if not isinstance(constraints, list) or not constraints:
        raise ScenarioError(Issue(path, "the scenario has no constraints to change; allowed: add them in the file, "
                                        "or set the whole list: --set 'constraints=[\"spend[a] <= 1000\"]'"))
    names = [c.get("name") if isinstance(c, dict) else None for c in constraints]
    key = parts[1]
    if key in names:
        i = names.index(key)
    elif key.isdigit() and int(key) < len(constraints):
        i = int(key)
    else:
        known = [n if n else str(j) for j, n in enumerate(names)]
        raise ScenarioError(Issue(path, f"no constraint is named {key!r}{did_you_mean(key, known)}; "
                                        f"allowed: {', '.join(known)} (a name, or a position from 0)"))
    if len(parts) > 3 or (len(parts) == 3 and parts[2] not in ("expr", "name")):
        raise ScenarioError(Issue(path, "a constraint has two fields; allowed: constraints[NAME], "
                                        "constraints[NAME].expr or constraints[NAME].name"))
    field = parts[2] if len(parts) == 3 else "expr"
    old = constraints[i]
    item = dict(old) if isinstance(old, dict) else {"expr": old}
    if len(parts) == 2 and not isinstance(value, str):
        item = value  # a whole new constraint, e.g. {name: ..., expr: ...}; validated as any other
    else:
        item[field] = value
    constraints[i] = item
    return data


def apply_changes(scenario: Scenario | dict, changes: dict[str, Any]) -> Scenario:
    """A new validated scenario with ``changes`` ({path: value}) applied.

    >>> s = Scenario(channels=[{"name": "email", "cost_per_lead": 20}], targets={"leads": 10})
    >>> apply_changes(s, {"targets.leads": 30, "channels[email].cost_per_lead": "25"}).channels[0].cost_per_lead
    25.0
    >>> s = apply_changes(s, {"constraints": [{"name": "cap", "expr": "spend[email] <= 900"}]})
    >>> apply_changes(s, {"constraints[cap]": "spend[email] <= 500"}).constraints[0].expr
    'spend[email] <= 500'
    """
    data = scenario.to_data() if isinstance(scenario, Scenario) else copy.deepcopy(scenario)
    for path, value in changes.items():
        data = set_in_data(data, path, value)
    return Scenario.model_validate(data)


def _is_text(path: str) -> bool:
    """Whether ``path`` names a text field (``name``, ``currency``, a constraint), whose value is taken as
    written: ``--set name=2024`` is the name "2024", not a number."""
    try:
        parts = parse_path(path)
    except ScenarioError:
        return False
    return (parts in (("name",), ("currency",), ("objective",)) or (parts[0] == "constraints" and len(parts) == 2)
            or (parts[0] == "constraints" and len(parts) == 3 and parts[2] in ("name", "expr"))
            or (parts[0] == "channels" and len(parts) == 3 and parts[2] == "name"))


def changes_from_options(sets: list[str] | None = None, budget: str | None = None, objective: str | None = None,
                         targets: list[str] | None = None) -> dict[str, Any]:
    """``--set PATH=VALUE`` and the shortcut options as one {path: value} mapping, in order.

    Values are read as YAML scalars (``0.35``, ``"12%"``, ``true``), except for text fields:

    >>> changes_from_options(["budget=5e5", "channels[email].integer=true", "name=2024"], targets=["deals=200"])
    {'budget': '5e5', 'channels[email].integer': True, 'name': '2024', 'targets.deals': 200}
    """
    changes: dict[str, Any] = {}
    for option, items, prefix in (("--set", sets or [], ""), ("--target", targets or [], "targets.")):
        for item in items:
            path, sep, value = item.partition("=")
            if not sep or not path.strip():
                example = "budget=500000" if option == "--set" else "deals=200"
                raise ScenarioError(Issue(option, f"{item!r} is not PATH=VALUE; allowed: e.g. {option} {example}"))
            _put(changes, prefix + path.strip(), value.strip() if _is_text(path) else parse_value(value), option)
    if budget is not None:
        _put(changes, "budget", parse_value(budget), "--budget")
    if objective is not None:
        _put(changes, "objective", objective, "--objective")
    return changes


def _put(changes: dict[str, Any], path: str, value: Any, option: str) -> None:
    """One value per path: two options that set the same field differently are a mistake, not a race."""
    if path in changes and changes[path] != value:
        raise ScenarioError(Issue(option, f"{path} is set twice, to {changes[path]!r} and to {value!r}; "
                                          "allowed: one value per field"))
    changes[path] = value
