"""Read a scenario file (YAML or JSON), apply command-line changes, validate.

Every failure is a :class:`~optimizer.errors.ScenarioError` whose messages start with the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import Issue, ScenarioError
from .paths import set_in_data
from .scenario import Scenario

SUFFIXES = (".yaml", ".yml", ".json")


def read_document(path: str | Path) -> Any:
    """The parsed content of a YAML (``safe_load``) or JSON file; errors carry line and column."""
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
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScenarioError(Issue(f"line {exc.lineno}, column {exc.colno}",
                                      f"not valid JSON: {exc.msg}; allowed: a JSON object"), source=source) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(Issue(where, f"not valid YAML: {problem}; allowed: a YAML mapping "
                                         "(see docs/scenario-format.md)"), source=source) from None


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
