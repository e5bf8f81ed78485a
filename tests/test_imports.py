"""A command imports only what it uses (issue 9): the optimize path leaves PuLP, pandas, matplotlib,
openpyxl, rich and the rest to the commands and options that need them, PyYAML to YAML files, our
own sheet, diagnosis and PuLP modules to the scenarios and answers that need them, reads no
``importlib.metadata``, and loads no module twice.

Each case runs the command in a new process and reads its ``sys.modules`` at exit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
B2B = str(ROOT / "scenarios" / "b2b-annual-plan.yaml")
# Our modules the plain optimize of a feasible scenario written inline does not use: channel sheets,
# the diagnosis of a scenario without a plan, the PuLP adapter (cbc, LP files).
UNUSED_OWN = ("optimizer.scenario.sheets", "optimizer.analysis.diagnosis", "optimizer.model.pulp_model")

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


def _json_copy(tmp_path: Path, source: str = B2B) -> str:
    """The scenario as a JSON file (the same data), for the paths that must not load PyYAML."""
    import yaml

    path = tmp_path / (Path(source).stem + ".json")
    path.write_text(json.dumps(yaml.safe_load(Path(source).read_text(encoding="utf-8"))), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("extra", [["--format", "json"], ["--format", "json", "--output", "F"]],
                         ids=["stdout", "to-file"])
def test_optimize_of_a_json_scenario_loads_no_yaml_nor_unused_modules(tmp_path, extra):
    """A JSON scenario is read without PyYAML; a feasible plan needs no diagnosis, no PuLP adapter,
    no sheet reader (but for ``--output``, whose check that no input is overwritten knows the sheet
    suffixes from it); pydantic's plugin lookup (``importlib.metadata``) is not run."""
    own = [name for name in UNUSED_OWN if "--output" not in extra or name != "optimizer.scenario.sheets"]
    extra = [str(tmp_path / "plan.json") if arg == "F" else arg for arg in extra]
    modules = loaded_modules(tmp_path, "optimize", _json_copy(tmp_path), *extra)
    assert "optimizer.analysis.plan" in modules and "pydantic" in modules  # the probe saw the command run
    unused = sorted(name for name in modules if name.split(".")[0] == "yaml" or name in own
                    or name == "importlib.metadata" or name.startswith("importlib.metadata."))
    assert unused == []


def test_the_probe_sees_yaml_diagnosis_and_metadata(tmp_path):
    """The same probe finds PyYAML for a YAML file, the diagnosis for an infeasible scenario, the
    sheet reader for a sheet, and importlib.metadata when pydantic's plugins are on: the test above
    can fail."""
    modules = loaded_modules(tmp_path, "optimize", B2B, "--format", "json", "--set", "budget=1")
    assert "yaml" in modules and "optimizer.analysis.diagnosis" in modules  # exit 3: no plan, diagnosed
    sheet = tmp_path / "channels.csv"
    sheet.write_text("name,cost_per_lead,qualification_rate\nemail,20,0.3\n", encoding="utf-8")
    scenario = tmp_path / "sheet.json"
    scenario.write_text(json.dumps({"channels": "channels.csv", "targets": {"leads": 10}}), encoding="utf-8")
    assert "optimizer.scenario.sheets" in loaded_modules(tmp_path, "optimize", str(scenario), "--format", "json")
    listing = tmp_path / "modules.json"
    done = subprocess.run([sys.executable, "-c", PROBE, str(listing), "optimize", _json_copy(tmp_path), "--format",
                           "json"], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "PYDANTIC_DISABLE_PLUGINS": ""})
    assert done.returncode == 0, done.stderr
    assert "importlib.metadata" in json.loads(listing.read_text())


def test_pydantic_plugins_still_load_when_turned_on_later():
    """With plugins off, pydantic's loader is a stand-in (so importlib.metadata stays unloaded); turned
    on afterwards, the stand-in hands over to pydantic's own loader, which then answers."""
    script = """
import os, sys
os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"
from optimizer import cli
cli._skip_plugin_loader()
import pydantic

class Off(pydantic.BaseModel):
    x: int

stand_in = sys.modules["pydantic.plugin._loader"]
assert getattr(stand_in, "__file__", None) is None and "importlib.metadata" not in sys.modules
os.environ["PYDANTIC_DISABLE_PLUGINS"] = ""

class On(pydantic.BaseModel):
    y: int

real = sys.modules["pydantic.plugin._loader"]
assert real.__file__.endswith("_loader.py") and "importlib.metadata" in sys.modules
assert stand_in._plugins == real._plugins  # anything else asked of the stand-in: the real module's
print(On(y=2).y)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0 and done.stdout == "2\n", done.stderr
