"""A command imports only what it uses (issue 9): the optimize path leaves PuLP, pandas, matplotlib,
openpyxl, rich and the rest to the commands and options that need them, and loads no module twice.

Each case runs the command in a new process and reads its ``sys.modules`` at exit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
B2B = str(ROOT / "scenarios" / "b2b-annual-plan.yaml")

# Packages the plain `optimize` command does not use: PuLP only for --solver cbc and --write-lp, pandas
# where a DataFrame or a sheet is made, matplotlib/openpyxl/xlsxwriter/PIL for reports and plots, rich
# for console tables (and progress bars), scipy and dask nowhere on this path.
HEAVY = ("pulp", "pandas", "matplotlib", "openpyxl", "xlsxwriter", "PIL", "rich", "scipy", "dask", "defusedxml")

# Run the command as the console script does, then write the loaded modules (name -> [file, id]) as JSON.
PROBE = r"""
import atexit, json, sys
listing = sys.argv[1]
def report():
    files = {name: [getattr(module, "__file__", None), id(module)] for name, module in list(sys.modules.items())}
    with open(listing, "w") as f:
        json.dump(files, f)
atexit.register(report)
sys.argv = ["campaign-optimizer", *sys.argv[2:]]
from optimizer.cli import run
run()
"""


def loaded_modules(tmp_path: Path, *args: str) -> dict[str, list]:
    listing = tmp_path / "modules.json"
    done = subprocess.run([sys.executable, "-c", PROBE, str(listing), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode in (0, 3), done.stderr
    return json.loads(listing.read_text())


def heavy_in(modules: dict) -> list[str]:
    return sorted(name for name in modules if name.split(".")[0] in HEAVY)


@pytest.mark.parametrize("extra", [["--format", "json"], ["--format", "csv"], ["--format", "json", "--output", "F"]],
                         ids=["json", "csv", "json-to-file"])
def test_optimize_imports_no_heavy_package(tmp_path, extra):
    extra = [str(tmp_path / "plan.json") if arg == "F" else arg for arg in extra]
    modules = loaded_modules(tmp_path, "optimize", B2B, *extra)
    assert "optimizer.analysis.plan" in modules and "highspy" in modules  # the probe saw the command run
    assert heavy_in(modules) == []


def test_the_probe_sees_a_heavy_import(tmp_path):
    """The same probe with --solver cbc, which does use PuLP, finds it: the test above can fail."""
    modules = loaded_modules(tmp_path, "optimize", B2B, "--format", "json", "--solver", "cbc")
    assert "pulp" in heavy_in(modules)


def test_help_imports_no_solver_stack(tmp_path):
    modules = loaded_modules(tmp_path, "--help")
    stack = ("numpy", "highspy", "pydantic", "yaml", *HEAVY)
    assert sorted(name for name in modules if name.split(".")[0] in stack) == []


def test_optimize_loads_each_module_once(tmp_path):
    """No file runs twice as two module objects (say ``__main__`` and ``optimizer.cli``); an alias of
    one object (``os.path`` for ``posixpath``) is one run."""
    modules = loaded_modules(tmp_path, "optimize", B2B, "--format", "json")
    by_file: dict[str, set[int]] = {}
    for file, identity in modules.values():
        if file and file.endswith(".py"):
            by_file.setdefault(str(Path(file).resolve()), set()).add(identity)
    assert sorted(file for file, objects in by_file.items() if len(objects) > 1) == []


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_sensitivity_imports_neither_sweeps_nor_compare(tmp_path, fmt):
    """``sensitivity`` renders through output/whatif.py, which also renders sweeps and comparisons:
    it names their results only in annotations, so sensitivity loads neither module, nor the
    multiprocessing pool sweeps run their points on."""
    modules = loaded_modules(tmp_path, "sensitivity", B2B, "--format", fmt)
    assert "optimizer.output.whatif" in modules and "optimizer.analysis.sensitivity" in modules
    unused = ("optimizer.analysis.sweeps", "optimizer.analysis.compare", "multiprocessing", "concurrent")
    assert sorted(name for name in modules if name in unused or name.split(".")[0] in unused) == []


def test_the_probe_sees_sweeps_imported(tmp_path):
    """The same probe on ``sweep`` finds the sweeps module: the test above can fail."""
    modules = loaded_modules(tmp_path, "sweep", B2B, "--vary", "budget=5e5:6e5:2", "--format", "json")
    assert "optimizer.analysis.sweeps" in modules
