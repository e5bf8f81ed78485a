"""The ``campaign-optimizer`` command line: parse, call one library function, render.

No arithmetic and no solver here. Library errors become a message and an exit code:
0 a plan, 2 bad input, 3 no plan (with the diagnosis), 1 anything else.
"""

# No `from __future__ import annotations` here: typer reads every command's signature on each run, and
# string annotations would make it evaluate them all (about 9 ms of each command's start).
import contextlib
import errno
import gc
import os
import sys
import traceback
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
    name="campaign-optimizer",
    help="Allocate a marketing budget across channels with linear programming.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class TableOrJson(str, Enum):
    table = "table"
    json = "json"


class SolverName(str, Enum):
    highs = "highs"
    cbc = "cbc"


class _State:
    debug = bool(os.environ.get("CAMPAIGN_OPTIMIZER_DEBUG"))
    wrote_stdout = False  # a document (or table) went to stdout: a later failure adds no second one
    stdout_failed = False  # stdout is closed or full: reported once, on stderr
    stdout_closed = False  # the process started without file descriptor 1 (``>&-``): nothing can go to stdout


# -- option bundles, defined once and shared by every command -------------------------------------
ScenarioArg = Annotated[Path, typer.Argument(help="Scenario file (YAML or JSON).", show_default=False)]
SetOpt = Annotated[list[str], typer.Option(
    "--set", metavar="PATH=VALUE",
    help="Change a field for this run only, e.g. --set channels[email].cost_per_lead=45 (repeatable).")]
OutputOpt = Annotated[Optional[Path], typer.Option(
    "--output", "-o", help="Write to this file (atomically) instead of stdout.")]
SolverOpt = Annotated[SolverName, typer.Option("--solver", help="highs (default) or cbc.")]
NoTimingOpt = Annotated[bool, typer.Option(
    "--no-timing", help="Leave run times out of JSON, so two runs of one scenario give identical output.")]


def _silence_stdout() -> None:
    """Point stdout at the null device, so nothing later (Python's flush at exit) fails on it again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _stdout_failed(exc: OSError) -> None:
    """Say once, on stderr, why stdout cannot be written, and point it at the null device."""
    _silence_stdout()
    if not _State.stdout_failed:
        reason = "the reader closed it" if isinstance(exc, BrokenPipeError) else exc.strerror or str(exc)
        typer.echo(f"error: cannot write to stdout: {reason}", err=True)
    _State.stdout_failed = True


def _write_stdout(text: str) -> bool:
    """Write ``text`` to stdout now. A closed pipe (``| head``) or a full disk is one line on stderr,
    never a traceback; returns False then (and stdout goes to the null device)."""
    try:
        if _State.stdout_closed and text:
            raise OSError(errno.EBADF, "it is closed")
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as exc:
        _stdout_failed(exc)
        return False
    _State.wrote_stdout = _State.wrote_stdout or bool(text)
    return True


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        if not _write_stdout(text):
            raise typer.Exit(1)
        return
    from .files import write_atomic

    write_atomic(output, text)
    typer.echo(f"wrote {output}", err=True)


SUFFIX_FORMATS = {".json": "json", ".csv": "csv"}


def _format_for(given, output: Path | None, kind):
    """The format to write: the one asked for with ``--format``, else the one ``--output``'s suffix
    names (``.json``, ``.csv``), else a table. A ``--format`` the suffix contradicts is an input error
    (exit 2), so ``-o plan.csv --format json`` never writes JSON into a .csv file."""
    from .errors import OutputError

    by_suffix = SUFFIX_FORMATS.get(output.suffix.lower()) if output is not None else None
    if by_suffix is not None and by_suffix not in {f.value for f in kind}:
        allowed = ", ".join(k for k, v in SUFFIX_FORMATS.items() if v in {f.value for f in kind})
        raise OutputError(f"{output}: this command writes no {by_suffix.upper()}; allowed: "
                          f"{allowed or 'a table'} (or another suffix for a table)")
    if given is None:
        return kind(by_suffix) if by_suffix is not None else kind.table
    if by_suffix is not None and given.value != by_suffix:
        raise OutputError(f"{output}: --format {given.value} disagrees with the file's suffix "
                          f"({output.suffix}); allowed: --format {by_suffix}, or leave --format out")
    return given


def _json_error(status: str, message: str, path: str = "") -> None:
    """The one JSON document of a failure, unless a document already went out (or stdout is gone)."""
    if _State.wrote_stdout or _State.stdout_failed:
        return
    from .output.formats import to_json

    _write_stdout(to_json({"status": status, "errors": [{"path": path, "message": message}]}))


def _scenario_inputs(scenarios: list[Path], what: str = "the scenario file") -> list[tuple[str, Path]]:
    """The files the scenarios read: each scenario file and the channel sheet it names, if any."""
    from .errors import ScenarioError
    from .scenario.loading import read_document
    from .scenario.sheets import TABLE_SUFFIXES

    out = []
    for path in scenarios:
        out.append((what, path))
        try:
            raw = path.read_bytes()
        except OSError:  # loading the scenario reports it
            continue
        # a sheet is named by its suffix; a file without one (nor an escape that could spell it) names
        # none, so it is not parsed a second time (a 10,000-channel YAML takes 12 s)
        lower = raw.lower()
        if not any(suffix.encode() in lower for suffix in TABLE_SUFFIXES) and b"\\" not in raw:
            continue
        try:
            data = read_document(path)
        except ScenarioError:  # loading the scenario reports it
            continue
        spec = data.get("channels") if isinstance(data, dict) else None
        name = spec.get("file") if isinstance(spec, dict) else spec
        if isinstance(name, str):
            sheet = Path(name) if Path(name).is_absolute() else path.parent / name
            out.append((f"the channel sheet {path} reads", sheet))
    return out


def _refuse_overwriting(outputs: dict, scenarios: list[Path], what: str = "the scenario file",
                        folders: dict | None = None) -> None:
    """Exit 2 before anything is solved when an output would overwrite an input or another output,
    or could not be written (so a failing output never leaves the others written)."""
    folders = {option: folder for option, folder in (folders or {}).items() if folder is not None}
    if all(value is None for value in outputs.values()) and not folders:
        return
    from .files import check_folder, check_writable, refuse_overwriting_inputs

    refuse_overwriting_inputs(outputs, _scenario_inputs(scenarios, what), folders)
    for option, folder in folders.items():
        check_folder(folder, option)
    for option, value in outputs.items():
        for path in [] if value is None else [value] if isinstance(value, (str, Path)) else value:
            if option not in folders or Path(path).parent.is_dir():  # a folder still to make is checked above
                check_writable(path)


def _run(body: Callable[[], int], as_json: bool) -> None:
    """Run a command body; turn the library's named errors into a message and an exit code."""
    from .errors import CampaignOptimizerError, ScenarioError

    _State.wrote_stdout = _State.stdout_failed = False  # per command (tests run many in one process)
    try:
        code = body()
    except typer.Exit:
        raise
    except ScenarioError as exc:
        if as_json and not (_State.wrote_stdout or _State.stdout_failed):
            from .output.formats import to_json

            _write_stdout(to_json(exc.to_dict()))
        for line in exc.lines():
            typer.echo(line, err=True)
        raise typer.Exit(2) from None
    except CampaignOptimizerError as exc:
        from .errors import NoPlanError

        if as_json:  # an output that cannot be written is bad input, as ScenarioError's documents say
            status = exc.status if isinstance(exc, NoPlanError) else "invalid" if exc.exit_code == 2 else "error"
            _json_error(status, str(exc))
        typer.echo(str(exc) if isinstance(exc, NoPlanError) else f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        if as_json:
            _json_error("error", "interrupted")
        typer.echo("interrupted", err=True)
        raise typer.Exit(130) from None
    except Exception as exc:  # an unexpected failure: a short message, the traceback only with --debug
        if as_json:
            _json_error("error", f"{type(exc).__name__}: {exc}")
        if _State.debug:
            traceback.print_exc()
        else:
            typer.echo(f"error: {type(exc).__name__}: {exc} (run with --debug for details)", err=True)
        raise typer.Exit(1) from None
    raise typer.Exit(code)


def _print_version(value: bool) -> None:
    if value:
        from .version import __version__

        typer.echo(f"campaign-optimizer {__version__}")
        raise typer.Exit(0)


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of unexpected errors.")] = False,
    version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_print_version,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Allocate a marketing budget across channels with linear programming.

    Example: campaign-optimizer optimize scenarios/b2b-annual-plan.yaml
    """
    _State.debug = _State.debug or debug


@app.command()
def optimize(
    scenario: ScenarioArg,
    format: Annotated[Optional[Format], typer.Option(
        "--format", "-f", help="table, json or csv (default: as --output's suffix says, .json or .csv; else table).",
        show_default=False)] = None,
    output: OutputOpt = None,
    solver: SolverOpt = SolverName.highs,
    set_: SetOpt = [],  # noqa: B006 (typer reads the default)
    budget: Annotated[Optional[str], typer.Option("--budget", help="Shortcut for --set budget=N.")] = None,
    objective: Annotated[Optional[str], typer.Option(
        "--objective", help="Shortcut for --set objective=OBJ (min_spend, max_deals, max_profit, ...).")] = None,
    target: Annotated[list[str], typer.Option(
        "--target", metavar="METRIC=VALUE", help="Shortcut for --set targets.METRIC=VALUE (repeatable).")] = [],  # noqa: B006
    time_limit: Annotated[Optional[float], typer.Option(
        "--time-limit", min=0, help="Seconds for an integer plan's search; the best plan found is reported.")] = None,
    write_lp: Annotated[Optional[Path], typer.Option("--write-lp", help="Also write the model as an LP file.")] = None,
    no_timing: NoTimingOpt = False,
) -> None:
    """Find the cheapest plan that meets the targets (or the most of a max_ objective).

    Example: campaign-optimizer optimize scenarios/b2b-annual-plan.yaml --target deals=220 --format json
    """

    def body() -> int:
        from .analysis.plan import optimize as run_optimize
        from .output.plan import plan_csv, plan_json, plan_table
        from .scenario.loading import load_scenario
        from .scenario.paths import changes_from_options

        changes = changes_from_options(set_, budget=budget, objective=objective, targets=target)
        _refuse_overwriting({"--output": output, "--write-lp": write_lp}, [scenario])
        fmt = _format_for(format, output, Format)
        if time_limit == 0:  # typer refuses a negative one; the library's message would say "None"
            from .errors import Issue, ScenarioError

            raise ScenarioError(Issue("--time-limit", "0 seconds leaves no time to search; allowed: a number of "
                                                      "seconds > 0, or no --time-limit for no limit"))
        plan = run_optimize(load_scenario(scenario, changes), solver=solver.value, time_limit=time_limit)
        if write_lp is not None:
            from .model.solve import write_lp as write_model

            write_model(plan.program, write_lp)
        if fmt is Format.csv and not plan.has_plan:
            typer.echo(plan_table(plan).rstrip(), err=True)
        elif fmt is Format.json:
            _emit(plan_json(plan, timing=not no_timing), output)
        else:
            _emit({Format.table: plan_table, Format.csv: plan_csv}[fmt](plan), output)
        return 0 if plan.has_plan else 3

    _run(body, as_json=format is Format.json and output is None)


@app.command()
def validate(
    scenario: ScenarioArg,
    format: Annotated[TableOrJson, typer.Option("--format", "-f", help="table or json.")] = TableOrJson.table,
    set_: SetOpt = [],  # noqa: B006
) -> None:
    """Check a scenario file and show what was understood: channels, entry stages, yields per 1,000.

    Example: campaign-optimizer validate scenarios/b2b-annual-plan.yaml
    """

    def body() -> int:
        from .output.formats import to_json
        from .output.plan import understood, validate_table
        from .scenario.loading import load_scenario
        from .scenario.paths import changes_from_options

        loaded = load_scenario(scenario, changes_from_options(set_))
        _emit(to_json(understood(loaded)) if format is TableOrJson.json else validate_table(loaded), None)
        return 0

    _run(body, as_json=format is TableOrJson.json)


def _wants_json(args: list[str]) -> bool:
    pairs = zip(args, args[1:])
    return any(a in ("--format", "-f") and b == "json" for a, b in pairs) or "--format=json" in args


# -- what-if: sensitivity, sweep, compare -----------------------------------------------------------
PROGRESS_POINTS = 200  # smaller sweeps finish in a blink: no progress bar
RelaxOpt = Annotated[bool, typer.Option(
    "--relax", help="For a plan with whole-unit channels: analyse the LP relaxation (whole units may be fractions) "
                    "instead of holding them at the plan's units.")]
PROGRESS_CHANNELS = 30  # sensitivity of fewer channels takes about a second at most


@app.command()
def sensitivity(
    scenario: ScenarioArg,
    format: Annotated[Optional[TableOrJson], typer.Option(
        "--format", "-f", help="table or json (default: json when --output ends in .json; else table).",
        show_default=False)] = None,
    output: OutputOpt = None,
    set_: SetOpt = [],  # noqa: B006
    relax: RelaxOpt = False,
) -> None:
    """Shadow prices, price and rate ranges and alternative optima of the optimal plan, checked by re-solves.

    A plan with whole-unit channels is analysed with them held at its units; --relax analyses its
    LP relaxation instead.

    Example: campaign-optimizer sensitivity scenarios/b2b-annual-plan.yaml --format json
    """

    def body() -> int:
        from .analysis.plan import optimize as run_optimize
        from .analysis.sensitivity import sensitivity as analyse
        from .errors import ScenarioError
        from .output.plan import no_plan_text
        from .output.whatif import sensitivity_json, sensitivity_table
        from .scenario.loading import load_scenario
        from .scenario.paths import changes_from_options

        _refuse_overwriting({"--output": output}, [scenario])
        fmt = _format_for(format, output, TableOrJson)
        loaded = load_scenario(scenario, changes_from_options(set_))
        plan = run_optimize(loaded)
        long = len(plan.program.columns) >= PROGRESS_CHANNELS
        try:
            if long and fmt is TableOrJson.table and output is None and sys.stdout.isatty() \
                    and sys.stderr.isatty():
                from rich.progress import Progress

                with Progress(transient=True) as bar:
                    task = bar.add_task("re-solving", total=None)
                    result = analyse(plan, progress=lambda done, total: bar.update(task, completed=done, total=total),
                                     relax=relax)
            else:
                result = analyse(plan, relax=relax)
        except ScenarioError as exc:  # the library knows no file: name it, as every input error does
            raise ScenarioError(exc.issues, source=exc.source or str(scenario)) from None
        if fmt is TableOrJson.json:
            _emit(sensitivity_json(result), output)
        else:
            _emit(sensitivity_table(result) if plan.has_plan else no_plan_text(plan), output)
        return 0 if plan.has_plan else 3

    _run(body, as_json=format is TableOrJson.json and output is None)


def _in_file(exc, file: Path):
    """A ScenarioError whose issues about the scenario's fields (not about an option) name ``file``."""
    from dataclasses import replace

    from .errors import ScenarioError

    if exc.source is not None:
        return exc
    return ScenarioError([issue if issue.file or issue.path.startswith("--") else replace(issue, file=str(file))
                          for issue in exc.issues])


@app.command()
def sweep(
    scenario: ScenarioArg,
    vary: Annotated[list[str], typer.Option(
        "--vary", metavar="PATH=START:STOP:STEPS",
        help="A number to vary, inclusive with STEPS points, or a list a,b,c; once for a curve, twice for a grid.")],
    format: Annotated[Optional[Format], typer.Option(
        "--format", "-f", help="table, json or csv (default: as --output's suffix says, .json or .csv; else table).",
        show_default=False)] = None,
    output: OutputOpt = None,
    set_: SetOpt = [],  # noqa: B006
    plot: Annotated[Optional[Path], typer.Option(
        "--plot", help="Also draw the sweep as a PNG: a curve with the channel mix, or a heat map.")] = None,
    workers: Annotated[Optional[int], typer.Option(
        "--workers", min=1, help="Processes to spread the points over (default: more than one only for sweeps "
                                 "that would take long).")] = None,
) -> None:
    """Solve the scenario over a range of one number (a curve) or two (a grid), warm-started.

    Example: campaign-optimizer sweep scenarios/b2b-annual-plan.yaml --vary targets.revenue=4e6:6e6:5
    """

    def body() -> int:
        from .analysis.sweeps import parameters_from_options, run_sweep
        from .errors import ScenarioError
        from .output.whatif import sweep_csv, sweep_json, sweep_table
        from .scenario.loading import load_scenario
        from .scenario.paths import changes_from_options

        parameters = parameters_from_options(vary)
        _refuse_overwriting({"--output": output, "--plot": plot}, [scenario])
        fmt = _format_for(format, output, Format)
        loaded = load_scenario(scenario, changes_from_options(set_))
        if plot is not None and plot.suffix.lower() != ".png":
            from .errors import Issue

            raise ScenarioError(Issue("--plot", f"{str(plot)!r} is not a .png file; allowed: a file name ending .png"))
        points = 1
        for values in parameters.values():
            points *= len(values)
        show_progress = (fmt is Format.table and output is None and points >= PROGRESS_POINTS
                         and sys.stdout.isatty() and sys.stderr.isatty())
        try:
            if show_progress:
                from rich.progress import Progress

                with Progress(transient=True) as bar:
                    task = bar.add_task("solving", total=None)
                    result = run_sweep(loaded, parameters, progress=lambda done, total: bar.update(
                        task, completed=done, total=total), workers=workers)
            else:
                result = run_sweep(loaded, parameters, workers=workers)
        except ScenarioError as exc:  # a path the scenario does not have: name the file
            raise _in_file(exc, scenario) from None
        render = {Format.table: sweep_table, Format.json: sweep_json, Format.csv: sweep_csv}[fmt]
        if plot is not None:  # first: a plot that cannot be written then leaves stdout to the error's document
            from .output.sweep_plot import plot_sweep

            plot_sweep(result, plot)
            typer.echo(f"wrote {plot}", err=True)
        _emit(render(result), output)
        return 0

    _run(body, as_json=format is Format.json and output is None)


@app.command()
def compare(
    scenarios: Annotated[list[Path], typer.Argument(help="Scenario files; the first is the reference.",
                                                    show_default=False)],
    format: Annotated[Optional[Format], typer.Option(
        "--format", "-f", help="table, json or csv (default: as --output's suffix says, .json or .csv; else table).",
        show_default=False)] = None,
    output: OutputOpt = None,
    set_: SetOpt = [],  # noqa: B006
) -> None:
    """Plans side by side, with differences against the first. One file with --set: the file against itself changed.

    Example: campaign-optimizer compare scenarios/b2b-annual-plan.yaml --set channels[webinars].qualification_rate=0.30
    """

    def body() -> int:
        from .analysis.compare import compare_files
        from .output.whatif import compare_csv, compare_json, compare_table
        from .scenario.paths import changes_from_options

        _refuse_overwriting({"--output": output}, list(scenarios), "a scenario this command compares")
        fmt = _format_for(format, output, Format)
        result = compare_files(scenarios, changes_from_options(set_))
        render = {Format.table: compare_table, Format.json: compare_json, Format.csv: compare_csv}[fmt]
        _emit(render(result), output)
        return 0 if result.all_have_plans else 3

    _run(body, as_json=format is Format.json and output is None)



# -- finance: check, report, template -------------------------------------------------------------
@app.command()
def check(
    scenario: ScenarioArg,
    plan: Annotated[Path, typer.Argument(
        help="The proposed plan: CSV or XLSX (channel and spend, units or share per row), or YAML/JSON "
             "({channel: {spend: N}}, {channel: {units: N}}, {channel: {share: F}} or {channel: N}).",
        show_default=False)],
    format: Annotated[TableOrJson, typer.Option("--format", "-f", help="table or json.")] = TableOrJson.table,
    set_: SetOpt = [],  # noqa: B006
    solver: SolverOpt = SolverName.highs,
) -> None:
    """Check a proposed plan: what it buys, the limits it breaks, and what it costs beyond the optimum.

    Exit 0 when every limit holds, 3 when some limit is broken, 2 for bad input.

    Example: campaign-optimizer check scenarios/b2b-annual-plan.yaml proposal.csv
    """

    def body() -> int:
        from .analysis.check import check as run_check
        from .output.finance import check_json, check_table
        from .scenario.loading import load_scenario
        from .scenario.paths import changes_from_options

        loaded = load_scenario(scenario, changes_from_options(set_))
        result = run_check(loaded, plan, solver=solver.value)
        _emit(check_json(result) if format is TableOrJson.json else check_table(result), None)
        return 0 if result.feasible else 3

    _run(body, as_json=format is TableOrJson.json)


@app.command()
def report(
    scenario: ScenarioArg,
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="The report: FILE.xlsx (workbook), FILE.html (one self-contained page) or FILE.md.",
        show_default=False)],
    charts: Annotated[Optional[Path], typer.Option("--charts", help="Also write the charts as PNG files here.")] = None,
    set_: SetOpt = [],  # noqa: B006
    solver: SolverOpt = SolverName.highs,
    no_sensitivity: Annotated[bool, typer.Option(
        "--no-sensitivity", help="Skip the sensitivity analysis (slow for thousands of channels): the Limits "
                                 "sheet then shows the solver's duals, unchecked, and no ranges.")] = False,
    relax: RelaxOpt = False,
    no_timing: Annotated[bool, typer.Option(
        "--no-timing", help="Leave the date out of About, so the same plan writes the same .md and "
                            ".html bytes each time (for diffs and version control).")] = False,
) -> None:
    """Write the optimal plan as a report to forward: XLSX, HTML or Markdown, with charts.

    The Limits sheet takes shadow prices and their ranges from the sensitivity analysis (as the
    sensitivity command gives them); a plan with whole-unit channels is analysed with them held at
    its units, or as its LP relaxation with --relax. A scenario with periods adds a Periods sheet
    (each channel's spend and funnel per period, deals closing in each, what closes after the
    horizon) and a chart of spend per period.

    Example: campaign-optimizer report scenarios/b2b-annual-plan.yaml --output plan.xlsx
    """

    def body() -> int:
        from .analysis.plan import optimize as run_optimize
        from .output.plan import no_plan_text
        from .output.report import check_report_path, write_report
        from .scenario.loading import load_scenario
        from .scenario.paths import changes_from_options

        check_report_path(output)
        if relax and no_sensitivity:
            from .errors import Issue, ScenarioError

            raise ScenarioError(Issue("--relax", "asks for the sensitivity of the LP relaxation, and --no-sensitivity "
                                                 "skips the analysis; allowed: one of --relax and --no-sensitivity"))
        from .output.charts import CHARTS

        _refuse_overwriting({"--output": output, "--charts": None if charts is None else
                             [charts / f"{stem}.png" for stem in CHARTS]}, [scenario], folders={"--charts": charts})
        plan = run_optimize(load_scenario(scenario, changes_from_options(set_)), solver=solver.value)
        if not plan.has_plan:
            typer.echo(no_plan_text(plan).rstrip(), err=True)
            return 3
        analysis = None
        if not no_sensitivity:
            from .analysis.sensitivity import sensitivity as analyse

            if len(plan.program.columns) >= PROGRESS_CHANNELS and sys.stderr.isatty():
                from rich.progress import Progress

                with Progress(transient=True) as bar:
                    task = bar.add_task("sensitivity", total=None)
                    analysis = analyse(plan, progress=lambda done, total: bar.update(task, completed=done,
                                                                                     total=total), relax=relax)
            else:
                analysis = analyse(plan, relax=relax)
        for path in write_report(plan, analysis, output, charts_dir=charts, timing=not no_timing):
            _emit(f"wrote {path}\n", None)
        return 0

    _run(body, as_json=False)


@app.command()
def template(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write scenario.yaml and channels.csv in.",
                                         show_default=False)],
    force: Annotated[bool, typer.Option("--force", help="Replace files that already exist.")] = False,
) -> None:
    """Write a commented starter scenario and its channels sheet (CSV), ready for validate and optimize.

    Example: campaign-optimizer template --output my-plan
    """

    def body() -> int:
        from .scenario.template import write_template

        for path in write_template(output, force=force):
            _emit(f"wrote {path}\n", None)
        return 0

    _run(body, as_json=False)


def run() -> None:
    """Console-script entry point.

    A bad option value is a usage error (exit 2). With ``--format json`` it is reported on stdout
    as JSON too, like every other input error, so a script reading stdout always gets a document.
    Output still buffered at the end is flushed here, so a closed or full stdout is one line on
    stderr (exit 1), never Python's "Exception ignored" traceback at exit.
    """
    # A command is one short process, and what it makes lives until it exits, almost nothing in
    # reference cycles (the same peak memory with the cyclic collector off, measured for optimize at
    # 10,000 channels, a 2,000-point sweep and a sensitivity by month): the collector's passes over
    # a large scenario's objects only cost time, about 15% of optimize at 10,000 channels.
    gc.disable()
    # pydantic looks up plugins through importlib.metadata on its first model; this tool uses none
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    _skip_plugin_loader()
    _stand_in_for_a_closed_stdout()
    try:
        _main()
        code: int | str | None = 0
    except SystemExit as exc:
        code = exc.code
    try:
        sys.stdout.flush()
    except OSError as exc:
        _stdout_failed(exc)
        code = code or 1
    _exit_now(code)


def _exit_now(code: int | str | None) -> None:
    """Exit with ``code`` as ``sys.exit`` would, without tearing the interpreter down: freeing every
    object one by one takes about 50 ms after a 10,000-channel plan, and the process ends anyway
    (mypy exits the same way). What an exit must do still happens: the ``atexit`` functions run and
    stdout and stderr are flushed. With another thread still running, it is ``sys.exit``."""
    import atexit
    import threading

    main = threading.main_thread()
    if any(t is not main and t.is_alive() and not t.daemon for t in threading.enumerate()):
        sys.exit(code)
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # as sys.exit: the text on stderr, status 1
        with contextlib.suppress(Exception):
            print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(status)


PLUGINS_OFF = ("__all__", "1", "true")  # the values by which pydantic turns off every plugin
PLUGIN_LOADER = "pydantic.plugin._loader"


def _plugins_are_off() -> bool:
    return os.environ.get("PYDANTIC_DISABLE_PLUGINS") in PLUGINS_OFF


def _real_plugin_loader():
    """pydantic's own plugin loader, in place of the stand-in (imported now if it was not)."""
    import importlib

    if getattr(sys.modules.get(PLUGIN_LOADER), "__file__", None) is None:
        sys.modules.pop(PLUGIN_LOADER, None)
    return importlib.import_module(PLUGIN_LOADER)


def _get_plugins():
    """pydantic's ``get_plugins``: none while plugins are off, else the real loader's answer."""
    return () if _plugins_are_off() else _real_plugin_loader().get_plugins()


def _loader_attribute(name: str):
    if name.startswith("__"):  # the import system asks for __path__ and the like: a plain module
        raise AttributeError(name)
    return getattr(_real_plugin_loader(), name)


class _PluginLoaderStandIn:
    """An import finder that answers pydantic's ``import pydantic.plugin._loader``, with plugins off,
    by a stand-in module: the real one's import alone loads ``importlib.metadata`` (about 12 ms of
    each start) only to be told there are no plugins. The stand-in's ``get_plugins()`` answers as
    pydantic does with plugins off (none) and, were they turned on later (or anything else asked of
    it), hands over to the real module. It serves one import, then leaves ``sys.meta_path``."""

    def find_spec(self, fullname: str, path=None, target=None):
        if fullname != PLUGIN_LOADER:
            return None
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(self)
        if not _plugins_are_off():
            return None
        from importlib.machinery import ModuleSpec

        return ModuleSpec(fullname, self)

    def create_module(self, spec):
        return None  # a plain module

    def exec_module(self, module) -> None:
        module.get_plugins = _get_plugins
        module.__getattr__ = _loader_attribute


def _skip_plugin_loader() -> None:
    """With pydantic's plugins off, let :class:`_PluginLoaderStandIn` answer for its loader module."""
    if _plugins_are_off() and PLUGIN_LOADER not in sys.modules and \
            not any(isinstance(f, _PluginLoaderStandIn) for f in sys.meta_path):
        sys.meta_path.insert(0, _PluginLoaderStandIn())


def _stand_in_for_a_closed_stdout() -> None:
    """Started with file descriptor 1 closed (``>&-``), Python has no ``sys.stdout``, and the next
    file opened would take descriptor 1 (where HiGHS prints its banner): put the null device there,
    and say on stderr, once, that stdout is closed when a command first writes to it (exit 1)."""
    try:
        os.fstat(1)
        if sys.stdout is not None:
            return
    except OSError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        if devnull != 1:
            os.dup2(devnull, 1)
            os.close(devnull)
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 (the process's stdout: never closed)
    _State.stdout_closed = True


def _only_the_command_named(args: list[str]) -> None:
    """typer builds the click command of every registered command on each run (about 5 ms): with a
    command named first on the command line, register just that one, the same command with the same
    options, help and errors. Anything else (no command, an option first, a name that is no
    command) keeps them all, so the group's help and its "No such command" stay as they are."""
    if not args:
        return
    named = [c for c in app.registered_commands if (c.name or c.callback.__name__.replace("_", "-")) == args[0]]
    if len(named) == 1:
        app.registered_commands = named


def _main() -> None:
    _only_the_command_named(sys.argv[1:])
    if not _wants_json(sys.argv[1:]):
        app()
        return
    try:
        code = app(standalone_mode=False)
    except Exception as exc:  # typer's (vendored click's) usage errors: duck-typed, their class is private
        if not (hasattr(exc, "format_message") and hasattr(exc, "exit_code")):
            raise
        from .output.formats import to_json

        param = getattr(exc, "param", None)
        path = param.opts[0] if param is not None and getattr(param, "opts", None) else "command line"
        message = exc.format_message()
        _write_stdout(to_json({"status": "invalid", "errors": [{"path": path, "message": message}]}))
        typer.echo(f"Error: {message}", err=True)
        sys.exit(exc.exit_code)
    sys.exit(code or 0)
