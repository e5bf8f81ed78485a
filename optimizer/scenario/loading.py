"""Read a scenario file (YAML or JSON), apply command-line changes, validate.

A scenario's ``channels`` may be a spreadsheet instead of a list: ``channels: channels.csv`` or
``channels: {file: channels.xlsx, sheet: Channels}``, relative to the scenario file, a row per
channel (see docs/spreadsheets.md). Every failure is a :class:`~optimizer.errors.ScenarioError`
whose messages start with the file; a channel's error names the sheet, its row and column.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Issue, ScenarioError
from .paths import parse_path, set_in_data
from .rules import shorten, show
from .schema import NAME, Channel, Scenario, did_you_mean, field_path

if TYPE_CHECKING:  # pragma: no cover (the sheets module loads only for a scenario that names a sheet)
    from .sheets import Table

SUFFIXES = (".yaml", ".yml", ".json")


MAX_DEPTH = 50  # levels of lists and mappings; a scenario needs 5 (channels, a channel, its caps, a value)
NESTING_ALLOWED = f"at most {MAX_DEPTH} levels of lists and mappings (a scenario needs 5)"
_LONGEST_INTEGER = 300  # digits: longer integers stay text, so the number rules quote them (float() overflows)


def read_document(path: str | Path, allowed: str = "a scenario file (.yaml, .yml or .json)") -> Any:
    """The parsed content of a YAML (safe loader, no duplicate keys, strict numbers) or JSON file.

    Errors carry line and column; a document nested deeper than :data:`MAX_DEPTH` is an error,
    never a ``RecursionError``. ``allowed`` says what the file may be when it is missing, a folder or
    not a regular file (a pipe, ``<(...)``, is refused: commands read their inputs more than once).
    """
    source = str(path)
    file = Path(path)
    if not file.is_file():
        what = ("is a folder" if file.is_dir() else "is not a regular file (a pipe?)" if file.exists()
                else "does not exist")
        raise ScenarioError(Issue("", f"the file {what}; allowed: {allowed}"), source=source)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(Issue("", f"cannot be read ({shorten(str(exc))}); allowed: a UTF-8 text file"),
                            source=source) from None
    if file.suffix.lower() == ".json":
        return _read_json(text, source)
    import yaml  # only for YAML: a JSON scenario does not load PyYAML (about 10 ms)

    try:
        return yaml.load(text, Loader=strict_loader())  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if not hasattr(exc, "allowed"):  # PyYAML's own words may quote a token of any length (an alias's name)
            problem = _QUOTED.sub(lambda m: f"'{shorten(m.group(1))}'", problem)
        allowed = getattr(exc, "allowed", "a YAML mapping (see docs/scenario-format.md)")
        raise ScenarioError(Issue(where, f"not valid YAML: {problem}; allowed: {allowed}"), source=source) from None


def _read_json(text: str, source: str) -> Any:
    def refuse(where: str, problem: str, allowed: str) -> ScenarioError:
        return ScenarioError(Issue(where, f"not valid JSON: {problem}; allowed: {allowed}"), source=source)

    try:
        data = json.loads(text, object_pairs_hook=_unique_json_keys, parse_int=_json_int, parse_float=_json_float)
    except json.JSONDecodeError as exc:
        raise refuse(f"line {exc.lineno}, column {exc.colno}", exc.msg, "a JSON object") from None
    except _DuplicateKey as exc:
        where, inside, lines = _json_duplicate(text)
        raise refuse(where, f"the key {_key_text(exc.args[0])} is given twice in {inside or 'one object'}{lines}",
                     "each key once") from None
    except RecursionError:
        raise refuse("", f"lists or objects nest more than {MAX_DEPTH} levels deep", NESTING_ALLOWED) from None
    if _deeper_than(data, MAX_DEPTH):
        raise refuse("", f"lists or objects nest more than {MAX_DEPTH} levels deep", NESTING_ALLOWED)
    return data


def _json_int(text: str) -> int | str:
    return int(text) if len(text) <= _LONGEST_INTEGER else text


def _json_float(text: str) -> float | str:
    number = float(text)
    return number if math.isfinite(number) else text  # 1e400: beyond any float; the number rules say so


def _deeper_than(data: Any, limit: int) -> bool:
    """Whether lists and mappings nest more than ``limit`` levels (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class _DuplicateKey(ValueError):
    """A key given twice in one JSON object."""


def _key_text(key: Any) -> str:
    """A mapping's key as a message quotes it: ``'budget'``, a number as it is (shortened, both)."""
    return repr(shorten(key)) if isinstance(key, str) else shorten(repr(key))


def _line_column(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def _both_places(first: tuple[int, int], second: tuple[int, int]) -> str:
    """Where a key is given twice, as (line, column) pairs: `` (lines 1 and 9)``, or on one line
    `` (line 1, columns 2 and 17)``."""
    if first[0] == second[0]:
        return f" (line {first[0]}, columns {first[1]} and {second[1]})"
    return f" (lines {first[0]} and {second[0]})"


_JSON_SPACE = re.compile(r"[ \t\n\r]*")


class _Twice(Exception):
    """Where the walk of :func:`_json_duplicate` found a key given twice."""


def _json_duplicate(text: str) -> tuple[str, str, str]:
    """Where the first key given twice in one JSON object is, as YAML's duplicates are told: the
    issue's place (``line 6, column 5``), the object's path (``channels[email]``; "" at the top) and
    both places (`` (lines 4 and 6)``).

    Only run once ``json.loads`` has found a duplicate: the text up to it is valid JSON. A walk
    that keeps positions (the json module gives none to ``object_pairs_hook``) stops at it; where
    it cannot tell (a document too deep to walk), both parts are empty.
    """
    scan = json.JSONDecoder().scan_once

    def skip(pos: int) -> int:
        return _JSON_SPACE.match(text, pos).end()

    def walk(pos: int, loc: tuple) -> int:
        pos = skip(pos)
        opening = text[pos:pos + 1]
        if opening not in ("{", "["):
            return scan(text, pos)[1]
        closing = "}" if opening == "{" else "]"
        seen: dict[str, int] = {}
        pos, item = skip(pos + 1), 0
        if text[pos:pos + 1] == closing:
            return pos + 1
        while True:
            if opening == "{":
                key, after = json.decoder.scanstring(text, pos + 1)
                if key in seen:
                    raise _Twice(seen[key], pos, loc)
                seen[key] = pos
                pos = walk(skip(after) + 1, (*loc, key))  # after the ':'
            else:
                pos = walk(pos, (*loc, item))
                item += 1
            pos = skip(pos)
            if text[pos] != ",":
                return pos + 1
            pos = skip(pos + 1)

    try:
        walk(0, ())
    except _Twice as found:
        first, second, loc = found.args
    except (ValueError, IndexError, RecursionError):
        return "", "", ""
    else:
        return "", "", ""
    line, column = _line_column(text, second)
    try:  # channel names for the path: the document read again, the last of two keys kept
        data = json.loads(text, parse_int=_json_int, parse_float=_json_float)
    except (ValueError, RecursionError):
        data = None
    inside = field_path(loc, data) if loc else ""
    return f"line {line}, column {column}", inside, _both_places(_line_column(text, first), (line, column))


def _unique_json_keys(pairs: list[tuple[str, Any]]) -> dict:
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        keys = [key for key, _ in pairs]
        raise _DuplicateKey(next(key for i, key in enumerate(keys) if key in keys[:i]))
    return mapping


_QUOTED = re.compile(r"'([^']*)'")
_DECIMAL = re.compile(r"[-+]?[0-9](_?[0-9])*", re.ASCII)  # Python's rule: one _ between digits
_FLOAT = re.compile(r"[-+]?([0-9](_?[0-9])*)?\.([0-9](_?[0-9])*)?([eE][-+]?[0-9]+)?", re.ASCII)


def strict_loader() -> type:
    """PyYAML's SafeLoader, stricter where YAML 1.1 would read something no scenario means.

    - a key given twice in one mapping is an error naming both lines (PyYAML keeps the last value);
    - a key that is a list or a mapping (``? [a, b]``) is an error (it would be a TypeError);
    - lists and mappings nest at most :data:`MAX_DEPTH` levels, aliases included (deeper would be a
      RecursionError), and an alias inside the node it names is an error;
    - integers and floats are read as Python reads them: ``0x10`` (hex), ``0b11``, ``1:30``
      (base 60: 90), ``1__0`` and ``1_`` stay text, so the number rules quote them as not numbers,
      and ``017`` is 17, not octal; ``1_000`` is 1000.

    >>> import yaml
    >>> yaml.load("a: 1_000\\nb: 1:30\\nc: 017\\nd: 1__0", Loader=strict_loader())
    {'a': 1000, 'b': '1:30', 'c': 17, 'd': '1__0'}
    """
    import yaml

    class Refused(yaml.MarkedYAMLError):
        def __init__(self, problem: str, mark, allowed: str):
            super().__init__(None, None, problem, mark)
            self.allowed = allowed

    class StrictLoader(yaml.SafeLoader):
        def __init__(self, stream):
            super().__init__(stream)
            self._depth = 0
            self._heights: dict[int, int] = {}

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                mark = self.peek_event().start_mark
                node = super().compose_node(parent, index)
                if id(node) not in self._heights:  # the node is still being composed: a cycle
                    raise Refused("an alias refers to the list or mapping it is in", mark,
                                  "aliases of complete nodes only")
                return node
            self._depth += 1
            try:
                if self._depth > MAX_DEPTH:
                    raise Refused(f"lists and mappings nest more than {MAX_DEPTH} levels deep",
                                  self.peek_event().start_mark, NESTING_ALLOWED)
                node = super().compose_node(parent, index)
            finally:
                self._depth -= 1
            self._heights[id(node)] = self._height(node)
            return node

        def _height(self, node) -> int:
            if isinstance(node, yaml.ScalarNode):
                return 1
            children = ([n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode)
                        else node.value)
            height = 1 + max((self._heights[id(child)] for child in children), default=0)
            if height > MAX_DEPTH:  # reached through aliases
                raise Refused(f"lists and mappings nest more than {MAX_DEPTH} levels deep (through aliases)",
                              node.start_mark, NESTING_ALLOWED)
            return height

        def construct_document(self, node):
            self._root = node  # to name the mapping a key is given twice in
            return super().construct_document(node)

        def construct_mapping(self, node, deep=False):
            seen: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *defaults` may be overridden
                    continue
                if not isinstance(key_node, yaml.ScalarNode):
                    kind = "a mapping" if isinstance(key_node, yaml.MappingNode) else "a list"
                    raise Refused(f"a key is {kind}", key_node.start_mark, "a key that is a name or a number")
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    first, second = seen[key], key_node.start_mark
                    inside = _yaml_path(getattr(self, "_root", None), node) or "one mapping"
                    places = _both_places((first.line + 1, first.column + 1), (second.line + 1, second.column + 1))
                    raise Refused(f"the key {_key_text(key)} is given twice in {inside}{places}", second,
                                  "each key once")
                seen[key] = key_node.start_mark
            return super().construct_mapping(node, deep=deep)

        def construct_yaml_int(self, node):
            text = self.construct_scalar(node)
            if not _DECIMAL.fullmatch(text) or len(text) > _LONGEST_INTEGER:
                return text
            return int(text)

        def construct_yaml_float(self, node):
            text = self.construct_scalar(node)
            if text.lower().lstrip("+-") in (".inf", ".nan"):
                return super().construct_yaml_float(node)
            if not _FLOAT.fullmatch(text):
                return text
            number = float(text)
            # 1e400 is a typed number beyond any float, not infinity: as text, the number rules say so
            return number if math.isfinite(number) else text

    StrictLoader.add_constructor("tag:yaml.org,2002:int", StrictLoader.construct_yaml_int)
    StrictLoader.add_constructor("tag:yaml.org,2002:float", StrictLoader.construct_yaml_float)
    return StrictLoader


def _yaml_path(root, target) -> str:
    """The field path of the YAML node ``target`` under ``root`` (``channels[email]``; "" at the top),
    a list's mapping named by its ``name`` where that is a name, else by its position."""
    import yaml

    stack = [(root, "")]
    seen = set()
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        if id(node) in seen:  # an alias: walked once
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    key = shorten(key_node.value)
                    stack.append((value_node, f"{path}.{key}" if path else key))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                name = next((v.value for k, v in item.value if isinstance(k, yaml.ScalarNode) and k.value == "name"
                             and isinstance(v, yaml.ScalarNode)), None) if isinstance(item, yaml.MappingNode) else None
                label = shorten(name) if name is not None and NAME.fullmatch(name) else str(i)
                stack.append((item, f"{path}[{label}]"))
    return ""


def load_scenario(path: str | Path, changes: dict[str, Any] | None = None) -> Scenario:
    """Read, change and validate a scenario file.

    ``changes`` maps paths to values, as ``--set PATH=VALUE`` does:
    ``load_scenario("plan.yaml", {"budget": 5e5, "channels[email].win_rate": "12%"})``. A path
    that is not text, or changes that are not such a mapping, raise
    :class:`~optimizer.errors.ScenarioError` as bad input does.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ScenarioError(Issue("path", f"a value of type {type(path).__name__} is not a file name; allowed: a "
                                          "path such as \"plan.yaml\" (text or pathlib.Path)"))
    source = str(path)
    if changes is not None and not isinstance(changes, Mapping):
        raise ScenarioError(Issue("changes", f"a value of type {type(changes).__name__} is not a mapping of changes; "
                                             "allowed: {path: value}, e.g. {\"budget\": 500000}"), source=source)
    bad = [key for key in changes or {} if not isinstance(key, str)]
    if bad:
        raise ScenarioError([Issue(_key_text(key), f"the path {_key_text(key)} is not text; allowed: a path such as "
                                                   "budget, targets.revenue or channels[email].cost_per_lead")
                             for key in bad],
                            source=source)
    data = read_document(path)
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise ScenarioError(Issue("", f"the document is {kind}, not a mapping; allowed: a mapping with channels "
                                      "(see docs/scenario-format.md)"), source=source)
    data.setdefault("name", Path(path).stem)
    sheet = None
    if isinstance(data.get("channels"), (str, dict)):
        sheet = read_channel_sheet(data["channels"], Path(path).parent, source)
        data["channels"] = sheet.channels
    try:
        for field_path, value in (changes or {}).items():
            data = set_in_data(data, field_path, value)
        return Scenario.model_validate(data)
    except ScenarioError as exc:
        issues = sheet.locate(exc.issues, changes or {}) if sheet else exc.issues
        raise ScenarioError(issues, source=source) from None


# -- channels from a spreadsheet -------------------------------------------------------------------
_CHANNEL_PATH = re.compile(r"channels\[([^\]]+)\](?:\.(.+))?", re.DOTALL)
_BOOLEAN = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
NESTED = ("caps", "yields")
# a tier of a price, one number a cell: cost_per_lead[0].cost, cost_per_lead[0].up_to
_TIER_COLUMN = re.compile(r"(cost_per_contact|cost_per_lead|cost_per_qualified_lead|unit_cost)"
                          r"\[([0-9]+)\]\.(cost|up_to)")


@dataclass(frozen=True)
class ChannelSheet:
    """Channels read from a sheet, and where each came from (to point errors at a row and column)."""

    table: Table
    channels: list[dict]

    def locate(self, issues: list[Issue], changes: dict[str, Any]) -> list[Issue]:
        """Issues about channels as ``FILE: row N, COLUMN: ...``; others (and overridden fields) unchanged."""
        rows = [row.number for row in self.table.rows]
        by_name: dict[str, int] = {}
        for row, channel in zip(rows, self.channels):
            if isinstance(channel.get("name"), str):
                by_name.setdefault(channel["name"], row)
        overridden = set()
        for changed in changes:
            with contextlib.suppress(ScenarioError):
                overridden.add(parse_path(changed))
        out = []
        for issue in issues:
            m = _CHANNEL_PATH.fullmatch(issue.path)
            key = m.group(1) if m else None
            row = by_name.get(key) if key in by_name else (rows[int(key)] if key and key.isdigit()
                                                             and int(key) < len(rows) else None)
            with contextlib.suppress(ScenarioError):
                if parse_path(issue.path) in overridden:
                    row = None
            out.append(self.table.error(row, m.group(2), issue.message) if row is not None else issue)
        return out


def read_channel_sheet(spec: str | dict, folder: Path, source: str) -> ChannelSheet:
    """The channels of ``channels: FILE`` or ``channels: {file: FILE, sheet: NAME}`` (FILE relative to ``folder``)."""
    from .sheets import TABLE_SUFFIXES, read_table

    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in ("file", "sheet")]
        if unknown or not isinstance(spec.get("file"), str):
            wrong = f"unknown field {_key_text(unknown[0])}" if unknown else "file is missing"
            raise ScenarioError(Issue("channels", f"{wrong}; allowed: a list of channels, a file name, or "
                                                  "{file: channels.xlsx, sheet: Channels}"), source=source)
        name, sheet = spec["file"], spec.get("sheet")
        if sheet is not None:
            sheet = str(sheet)
    else:
        name, sheet = spec, None
    file = Path(name) if Path(name).is_absolute() else folder / name
    if file.suffix.lower() not in TABLE_SUFFIXES:
        raise ScenarioError(Issue("channels", f"{show(name)} is not a .csv or .xlsx file; allowed: a list of "
                                              "channels, a file name such as channels.csv, or "
                                              "{file: channels.xlsx, sheet: Channels}"), source=source)
    if not file.is_file():
        raise ScenarioError(Issue("channels", f"the file {name} does not exist (looked for {file}); allowed: a .csv "
                                              "or .xlsx file, its path relative to the scenario file"), source=source)
    table = read_table(file, sheet, source=str(file))
    issues = []
    for column in table.columns:
        head, dot, rest = column.partition(".")
        # a cell holds one value: the lists of periods (available, sales_cycle) are the scenario file's
        cells = [f for f in Channel.model_fields if f not in NESTED and f not in ("available", "sales_cycle",
                                                                                 "response_curve")]
        if head == "response_curve":  # a curve is a list of points, which no one cell holds
            issues.append(table.error(table.header_row, column, "a response curve cannot come from a channel sheet "
                                                                "(it is a list of points); allowed: the channel in "
                                                                "the scenario file's channels list, with "
                                                                "response_curve: {stage: leads, points: [[0, 0], "
                                                                "[20000, 900], ...]}"))
            continue
        if (dot and head in NESTED and rest) or (not dot and column in cells) or _TIER_COLUMN.fullmatch(column):
            continue
        known = cells + [f"{n}.METRIC" for n in NESTED] + ["PRICE[K].cost", "PRICE[K].up_to"]
        hint = (f"name the metric, e.g. {column}.leads" if column in NESTED
                else f"unknown column{did_you_mean(column, known)}")
        issues.append(table.error(table.header_row, column, f"{hint}; allowed: {', '.join(known)}"))
    if issues:
        raise ScenarioError(issues, source=str(file))
    channels = []
    for row in table.rows:
        channel: dict[str, Any] = {}
        for column, value in row.cells.items():
            if column == "name":
                value = str(value) if not isinstance(value, str) and not isinstance(value, bool) else value
            elif column == "integer" and isinstance(value, (str, int)) and not isinstance(value, bool):
                value = _BOOLEAN.get(str(value).strip().lower(), value)
            tier = _TIER_COLUMN.fullmatch(column)
            head, dot, rest = column.partition(".")
            if tier:  # tier K of a price: the list grows to K + 1 tiers (a gap is the schedule's error)
                price, k, part = tier.group(1), int(tier.group(2)), tier.group(3)
                if price in row.cells:
                    raise ScenarioError(table.error(row.number, column, f"{price} is given too; allowed: "
                                                                        f"{price} (one price) or its tiers "
                                                                        f"{price}[0].cost, ..."))
                tiers = channel.setdefault(price, [])
                tiers.extend({} for _ in range(k + 1 - len(tiers)))
                tiers[k][part] = value
            elif dot:
                channel.setdefault(head, {})[rest] = value
            else:
                channel[column] = value
        channels.append(channel)
    return ChannelSheet(table, channels)
