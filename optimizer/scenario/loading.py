"""Read a scenario file (YAML or JSON), apply command-line changes, validate.

A scenario's ``channels`` may be a spreadsheet instead of a list: ``channels: channels.csv`` or
``channels: {file: channels.xlsx, sheet: Channels}``, relative to the scenario file, a row per
channel (see docs/spreadsheets.md). Every failure is a :class:`~optimizer.errors.ScenarioError`
whose messages start with the file; a channel's error names the sheet, its row and column.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import Issue, ScenarioError
from .paths import parse_path, set_in_data
from .rules import show
from .schema import Channel, Scenario, did_you_mean
from .sheets import TABLE_SUFFIXES, Table, read_table

SUFFIXES = (".yaml", ".yml", ".json")


def read_document(path: str | Path) -> Any:
    """The parsed content of a YAML (safe loader, no duplicate keys) or JSON file; errors carry line and column."""
    import yaml

    source = str(path)
    file = Path(path)
    if not file.is_file():
        what = "is a folder" if file.is_dir() else "does not exist"
        raise ScenarioError(Issue("", f"the file {what}; allowed: a scenario file (.yaml, .yml or .json)"),
                            source=source)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(Issue("", f"cannot be read ({exc}); allowed: a UTF-8 text file"), source=source) from None
    if file.suffix.lower() == ".json":
        try:
            return json.loads(text, object_pairs_hook=_unique_json_keys)
        except json.JSONDecodeError as exc:
            raise ScenarioError(Issue(f"line {exc.lineno}, column {exc.colno}",
                                      f"not valid JSON: {exc.msg}; allowed: a JSON object"), source=source) from None
        except _DuplicateKey as exc:
            raise ScenarioError(Issue("", f"not valid JSON: the key {exc.args[0]!r} is given twice in one object; "
                                          "allowed: each key once"), source=source) from None
    try:
        return yaml.load(text, Loader=_unique_keys_loader())  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        allowed = ("each key once" if "given twice" in problem
                   else "a YAML mapping (see docs/scenario-format.md)")
        raise ScenarioError(Issue(where, f"not valid YAML: {problem}; allowed: {allowed}"), source=source) from None


class _DuplicateKey(ValueError):
    """A key given twice in one JSON object."""


def _unique_json_keys(pairs: list[tuple[str, Any]]) -> dict:
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        keys = [key for key, _ in pairs]
        raise _DuplicateKey(next(key for i, key in enumerate(keys) if key in keys[:i]))
    return mapping


def _unique_keys_loader() -> type:
    """PyYAML's SafeLoader, except that a key given twice in one mapping is an error (YAML says so;
    PyYAML would silently keep the last value)."""
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):
        def construct_mapping(self, node, deep=False):
            seen: set = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *defaults` may be overridden
                    continue
                key = self.construct_object(key_node, deep=deep)
                if isinstance(key, (str, int, float, bool)) and key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"the key {key!r} is given twice in one mapping", key_node.start_mark)
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

        def construct_yaml_int(self, node):
            # YAML 1.1 also reads 0x10 (hex), 017 (octal) and 1:30 (base 60: 90) as integers, which
            # no marketing figure means: keep such text as text, so the number rules quote it (017 is 17)
            text = self.construct_scalar(node)
            return super().construct_yaml_int(node) if _DECIMAL.match(text) else text

    UniqueKeyLoader.add_constructor("tag:yaml.org,2002:int", UniqueKeyLoader.construct_yaml_int)
    return UniqueKeyLoader


_DECIMAL = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")


def load_scenario(path: str | Path, changes: dict[str, Any] | None = None) -> Scenario:
    """Read, change and validate a scenario file.

    ``changes`` maps paths to values, as ``--set PATH=VALUE`` does:
    ``load_scenario("plan.yaml", {"budget": 5e5, "channels[email].win_rate": "12%"})``.
    """
    source = str(path)
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
_CHANNEL_PATH = re.compile(r"^channels\[([^\]]+)\](?:\.(.+))?$")
_BOOLEAN = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
NESTED = ("caps", "yields")


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
            m = _CHANNEL_PATH.match(issue.path)
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
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in ("file", "sheet")]
        if unknown or not isinstance(spec.get("file"), str):
            wrong = f"unknown field {unknown[0]!r}" if unknown else "file is missing"
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
        if (dot and head in NESTED and rest) or (not dot and column in Channel.model_fields and column not in NESTED):
            continue
        known = [f for f in Channel.model_fields if f not in NESTED] + [f"{n}.METRIC" for n in NESTED]
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
            head, dot, rest = column.partition(".")
            if dot:
                channel.setdefault(head, {})[rest] = value
            else:
                channel[column] = value
        channels.append(channel)
    return ChannelSheet(table, channels)
