"""Read a scenario file (YAML or JSON), apply command-line changes, validate.

Every failure is a :class:`~optimizer.errors.ScenarioError` whose messages start with the file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .errors import Issue, ScenarioError
from .paths import set_in_data
from .scenario import Scenario

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
    try:
        for field_path, value in (changes or {}).items():
            data = set_in_data(data, field_path, value)
        return Scenario.model_validate(data)
    except ScenarioError as exc:
        raise ScenarioError(exc.issues, source=source) from None
