"""The README's examples run, and their output must match what the README shows.

Every fenced block marked ``console`` in README.md and docs/*.md is a test. In a block, a line
starting with ``$ `` is a command (run by bash in a fresh folder holding a copy of ``scenarios/``,
with this environment's ``campaign-optimizer`` first on PATH); the lines after it, up to the next
command, are its expected output (stdout and stderr together). In expected output, a line that is
only ``...`` matches any number of lines, and ``...`` inside a line matches any text there (for
timings). A last line ``[exit N]`` expects exit code N; otherwise the command must exit 0.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```console\n(.*?)^```", re.S | re.M)
EXIT = re.compile(r"^\[exit (\d+)\]$")


def console_blocks() -> list[tuple[str, str]]:
    blocks = []
    for doc in DOCS:
        text = doc.read_text()
        for match in FENCE.finditer(text):
            line = text[: match.start()].count("\n") + 1
            blocks.append((f"{doc.relative_to(ROOT)}:{line}", match.group(1)))
    return blocks


def commands(block: str) -> list[tuple[str, list[str], int]]:
    """(command, expected output lines, expected exit code) for each ``$`` line of a block."""
    steps: list[tuple[str, list[str], int]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], [], 0))
        elif steps:
            steps[-1][1].append(line)
    out = []
    for command, expected, _ in steps:
        while expected and not expected[-1].strip():
            expected.pop()
        code = 0
        if expected and (m := EXIT.match(expected[-1])):
            code = int(m.group(1))
            expected = expected[:-1]
        out.append((command, expected, code))
    return out


def _line_pattern(line: str) -> re.Pattern:
    return re.compile("^" + ".*".join(re.escape(part) for part in line.rstrip().split("...")) + "$")


def matches(expected: list[str], actual: list[str]) -> bool:
    """Match output lines against expected lines, with ``...`` wildcards (backtracking)."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head.strip() == "...":
        return any(matches(rest, actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and bool(_line_pattern(head).match(actual[0].rstrip())) and matches(rest, actual[1:])


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    return tmp_path


@pytest.mark.parametrize(("where", "block"), console_blocks(), ids=[w for w, _ in console_blocks()])
def test_example(where: str, block: str, workdir: Path) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "COLUMNS": "150", "NO_COLOR": "1", "TERM": "dumb"}
    for command, expected, code in commands(block):
        done = subprocess.run(["bash", "-c", command], cwd=workdir, env=env, capture_output=True, text=True,
                              timeout=120)
        actual = (done.stdout + done.stderr).splitlines()
        assert matches(expected, actual), (f"{where}: `{command}` printed:\n" + "\n".join(actual)
                                           + "\n\nexpected:\n" + "\n".join(expected))
        assert done.returncode == code, f"{where}: `{command}` exited {done.returncode}, expected {code}"


def test_every_command_has_a_worked_example() -> None:
    from optimizer.cli import app

    shown = " ".join(cmd for _, block in console_blocks() for cmd, _, _ in commands(block))
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    missing = [n for n in names if f"campaign-optimizer {n}" not in shown]
    assert not missing, f"commands without a worked example in README.md or docs/: {missing}"


def test_wildcards() -> None:
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert matches(["a", "...", "d"], ["a", "d"])
    assert not matches(["a", "...", "d"], ["a", "b"])
    assert matches(["took ... s"], ["took 0.12 s"])
    assert not matches(["took ... s"], ["took 0.12 ms"])
    assert not matches(["a"], ["a", "b"])


def test_python_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ``>>>`` examples in README.md run (from the repository root) and print what it shows."""
    import doctest

    monkeypatch.chdir(ROOT)
    result = doctest.testfile(str(ROOT / "README.md"), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
