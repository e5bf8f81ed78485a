"""Issue 10, section 2: no command damages a file. Each attack is a case: the exit code, the message
(option and file named), and the bytes of every input and earlier output unchanged on disk.

Tests run as root here, so permission cases skip as root; device cases use a FIFO and temporary
links, never a real device.
"""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.errors import OutputError, ScenarioError
from optimizer.files import make_folder, refuse_overwriting_inputs, write_atomic

ROOT = Path(__file__).resolve().parent.parent
B2B = ROOT / "scenarios" / "b2b-annual-plan.yaml"
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
SKIP_ROOT = pytest.mark.skipif(AS_ROOT, reason="runs as root, who may write anywhere: a permission test cannot fail")


def invoke(*args: str, cwd: Path):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(app, [str(a) for a in args])
    finally:
        os.chdir(old)


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry under ``folder``: a file's bytes, a link's target (so a link replaced by a file shows)."""
    out: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            out[key] = f"-> {os.readlink(path)}"
        elif path.is_file():
            out[key] = path.read_bytes()
        else:
            out[key] = "folder"
    return out


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "plan.yaml").write_bytes(B2B.read_bytes())
    (tmp_path / "other.yaml").write_bytes(B2B.read_bytes().replace(b"b2b-annual-plan", b"other"))
    (tmp_path / "earlier.json").write_bytes(b'{"earlier": true}\n')
    (tmp_path / "sheet.yaml").write_text(textwrap.dedent("""\
        name: sheet
        deal_value: 1000
        targets: {leads: 100}
        channels: channels.csv
    """))
    (tmp_path / "channels.csv").write_text("name,cost_per_lead,max_units\nemail,20,200\n")
    (tmp_path / "escaped.yaml").write_text('targets: {leads: 100}\nchannels: "channels\\x2ecsv"\n')
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["name", "cost_per_lead", "max_units"])
    book.active.append(["email", 20, 200])
    book.save(tmp_path / "channels.xlsx")
    (tmp_path / "workbook.yaml").write_text("targets: {leads: 100}\nchannels: {file: channels.xlsx}\n")
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / "funnel.png").write_bytes(b"earlier chart")
    os.symlink("plan.yaml", tmp_path / "plan-link.json")
    os.link(tmp_path / "plan.yaml", tmp_path / "plan-hard.json")
    os.symlink("plan.yaml", tmp_path / "plan-link.png")
    os.symlink("charts/funnel.png", tmp_path / "chart-link.html")
    return tmp_path


# -- an output that names an input, or two outputs naming one file: exit 2, nothing written ------
ATTACKS = {
    "output is the scenario": (["optimize", "plan.yaml", "--output", "plan.yaml"],
                               "--output: plan.yaml is the scenario file"),
    "output is a link to the scenario": (["optimize", "plan.yaml", "--format", "json", "--output", "plan-link.json"],
                                         "--output: plan-link.json is the scenario file"),
    "output is a hard link to the scenario": (["optimize", "plan.yaml", "--format", "json", "-o", "plan-hard.json"],
                                              "--output: plan-hard.json is the scenario file"),
    "output is the scenario by another path": (["optimize", "plan.yaml", "--output", "charts/../plan.yaml"],
                                               "--output: charts/../plan.yaml is the scenario file"),
    "output is the channel sheet": (["optimize", "sheet.yaml", "--format", "csv", "--output", "channels.csv"],
                                    "--output: channels.csv is the channel sheet sheet.yaml reads"),
    "output is the sheet, named with an escape": (["optimize", "escaped.yaml", "-f", "csv", "-o", "channels.csv"],
                                                  "--output: channels.csv is the channel sheet escaped.yaml reads"),
    "report over its workbook sheet": (["report", "workbook.yaml", "--output", "channels.xlsx"],
                                       "--output: channels.xlsx is the channel sheet workbook.yaml reads"),
    "write-lp is the scenario": (["optimize", "plan.yaml", "--write-lp", "plan.yaml"],
                                 "--write-lp: plan.yaml is the scenario file"),
    "write-lp is the output": (["optimize", "plan.yaml", "--format", "json", "--output", "earlier.json",
                                "--write-lp", "earlier.json"],
                               "--write-lp: earlier.json is the same file as --output (earlier.json)"),
    "write-lp and output, neither existing": (["optimize", "plan.yaml", "--output", "new.txt",
                                               "--write-lp", "charts/../new.txt"],
                                              "--write-lp: charts/../new.txt is the same file as --output"),
    "sensitivity output is the sheet": (["sensitivity", "sheet.yaml", "--output", "channels.csv"],
                                        "--output: channels.csv is the channel sheet sheet.yaml reads"),
    "sweep plot is the output": (["sweep", "plan.yaml", "--vary", "budget=6e5,7e5", "--output", "charts/funnel.png",
                                  "--plot", "charts/funnel.png"],
                                 "--plot: charts/funnel.png is the same file as --output"),
    "sweep plot is a link to the scenario": (["sweep", "plan.yaml", "--vary", "budget=6e5,7e5",
                                              "--plot", "plan-link.png"],
                                             "--plot: plan-link.png is the scenario file"),
    "charts folder is the report": (["report", "plan.yaml", "--output", "r.html", "--charts", "r.html"],
                                    "--charts: r.html is the file --output writes"),
    "charts folder is the scenario": (["report", "plan.yaml", "--output", "r.md", "--charts", "plan.yaml"],
                                      "--charts: plan.yaml is the scenario file"),
    "compare output is a compared scenario": (["compare", "plan.yaml", "other.yaml", "--output", "other.yaml"],
                                              "--output: other.yaml is a scenario this command compares"),
    "report output is a chart": (["report", "plan.yaml", "--output", "chart-link.html", "--charts", "charts"],
                                 "--charts: charts/funnel.png is the same file as --output (chart-link.html)"),
    "report output is the scenario": (["report", "plan.yaml", "--output", "plan-link.json"], None),
}


@pytest.mark.parametrize("args, message", ATTACKS.values(), ids=ATTACKS.keys())
def test_an_output_never_overwrites_an_input_or_another_output(work, args, message):
    before = snapshot(work)
    done = invoke(*args, cwd=work)
    assert done.exit_code == 2, done.output
    if message is not None:
        assert message in done.stderr
        assert "nothing was written" in done.stderr
    assert snapshot(work) == before


# -- one output that cannot be written: exit 2 before solving, and the others are not written either
UNWRITABLE = {
    "report in a missing folder, charts fine": (["report", "plan.yaml", "--output", "typo/r.html", "--charts", "new"],
                                                "error: typo/r.html: cannot write: the folder typo does not exist"),
    "output in a missing folder, write-lp fine": (["optimize", "plan.yaml", "--write-lp", "x.lp", "--output",
                                                   "typo/x.json"],
                                                  "error: typo/x.json: cannot write: the folder typo does not exist"),
    "plot in a missing folder, output fine": (["sweep", "plan.yaml", "--vary", "budget=6e5,7e5", "--output", "s.csv",
                                       "--plot", "typo/p.png"],
                                      "error: typo/p.png: cannot write: the folder typo does not exist"),
    "charts parent missing, report fine": (["report", "plan.yaml", "--output", "r.md", "--charts", "typo/charts"],
                                           "error: --charts typo/charts: cannot make the folder: typo does not exist"),
}


@pytest.mark.parametrize("args, message", UNWRITABLE.values(), ids=UNWRITABLE.keys())
def test_an_output_that_cannot_be_written_leaves_every_other_unwritten(work, args, message):
    before = snapshot(work)
    done = invoke(*args, cwd=work)
    assert done.exit_code == 2, done.output
    assert done.stderr.splitlines() == [message]
    assert snapshot(work) == before


def test_refusal_comes_before_solving_and_in_json(work):
    done = invoke("optimize", "plan.yaml", "--write-lp", "plan.yaml", "--format", "json", cwd=work)
    assert done.exit_code == 2
    import json

    document = json.loads(done.stdout)
    assert document["status"] == "invalid"
    assert document["errors"][0]["path"] == "--write-lp"
    assert "plan.yaml is the scenario file" in document["errors"][0]["message"]


def test_refuse_overwriting_inputs_names_every_clash(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("x")
    with pytest.raises(ScenarioError) as caught:
        refuse_overwriting_inputs({"--output": scenario, "--plot": tmp_path / "p.png", "--charts":
                                   [tmp_path / "p.png", tmp_path / "q.png"], "--write-lp": None},
                                  [("the scenario file", scenario)])
    assert [i.path for i in caught.value.issues] == ["--output", "--charts"]
    assert caught.value.exit_code == 2
    refuse_overwriting_inputs({"--output": tmp_path / "a", "--write-lp": tmp_path / "b"},
                              [("the scenario file", scenario)])  # different files: no error


def test_a_fifo_is_exempt_from_the_same_file_rule(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    refuse_overwriting_inputs({"--output": fifo, "--write-lp": fifo}, [("the scenario file", fifo)])


def test_distinct_outputs_are_written(work):
    done = invoke("optimize", "plan.yaml", "--format", "json", "--output", "out.json", "--write-lp", "out.lp",
                  cwd=work)
    assert done.exit_code == 0, done.output
    assert (work / "out.json").read_text().startswith("{") and "Minimize" in (work / "out.lp").read_text()


# -- write_atomic: links, devices, other kinds of file ---------------------------------------------
def test_a_link_stays_a_link_and_its_file_is_written(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "plan.json").write_text("old")
    os.chmod(tmp_path / "real" / "plan.json", 0o640)
    link = tmp_path / "plan.json"
    os.symlink("real/plan.json", link)
    write_atomic(link, "new")
    assert link.is_symlink() and os.readlink(link) == "real/plan.json"
    assert (tmp_path / "real" / "plan.json").read_text() == "new"
    assert stat.S_IMODE((tmp_path / "real" / "plan.json").stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["plan.json", "plan.json", "real"]  # no temporary left


def test_a_dangling_link_gets_its_file(tmp_path):
    link = tmp_path / "out.csv"
    os.symlink(tmp_path / "target.csv", link)
    write_atomic(link, "a,b\n")
    assert link.is_symlink() and (tmp_path / "target.csv").read_text() == "a,b\n"


def test_a_fifo_is_written_through_not_replaced(tmp_path):
    fifo = tmp_path / "plan.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_atomic(fifo, "through the pipe")
    reader.join(timeout=10)
    assert received == [b"through the pipe"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_link_to_a_fifo_is_written_through(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "out.json"
    os.symlink(fifo, link)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_atomic(link, b"{}")
    reader.join(timeout=10)
    assert received == [b"{}"] and link.is_symlink() and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_cli_output_to_a_fifo_through_a_link(work):
    os.mkfifo(work / "pipe")
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append((work / "pipe").read_bytes()))
    reader.start()
    done = subprocess.run([sys.executable, "-m", "optimizer", "optimize", "plan.yaml", "--format", "csv",
                           "--output", "pipe"], cwd=work, capture_output=True, text=True, timeout=120)
    reader.join(timeout=10)
    assert done.returncode == 0, done.stderr
    assert received[0].startswith(b"channel,units,spend")
    assert stat.S_ISFIFO(os.lstat(work / "pipe").st_mode)


def test_a_socket_is_refused(tmp_path):
    path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    try:
        with pytest.raises(OutputError, match=r"s\.sock: cannot write: it is not a regular file"):
            write_atomic(path, "x")
        assert stat.S_ISSOCK(os.lstat(path).st_mode)
    finally:
        server.close()


def test_a_folder_and_a_link_to_a_folder_are_refused(tmp_path):
    (tmp_path / "d").mkdir()
    os.symlink("d", tmp_path / "l")
    for path in (tmp_path / "d", tmp_path / "l"):
        with pytest.raises(OutputError, match="it is a folder"):
            write_atomic(path, "x")
    assert (tmp_path / "l").is_symlink() and list((tmp_path / "d").iterdir()) == []


def test_cli_socket_output_is_exit_2(work):
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(work / "out.sock"))
    try:
        done = invoke("optimize", "plan.yaml", "--output", "out.sock", cwd=work)
        assert done.exit_code == 2
        assert "out.sock: cannot write: it is not a regular file" in done.stderr
    finally:
        server.close()


@SKIP_ROOT
def test_a_read_only_folder_is_exit_2_naming_the_file(work):
    (work / "locked").mkdir()
    os.chmod(work / "locked", 0o555)
    try:
        done = invoke("optimize", "plan.yaml", "--output", "locked/plan.txt", cwd=work)
        assert done.exit_code == 2
        assert "locked/plan.txt: cannot write: Permission denied" in done.stderr
    finally:
        os.chmod(work / "locked", 0o755)


@SKIP_ROOT
def test_a_read_only_file_is_exit_2_and_kept(work):
    os.chmod(work / "earlier.json", 0o444)
    done = invoke("optimize", "plan.yaml", "--format", "json", "--output", "earlier.json", cwd=work)
    assert done.exit_code == 2
    assert "earlier.json: cannot write: permission denied" in done.stderr
    assert (work / "earlier.json").read_bytes() == b'{"earlier": true}\n'


@SKIP_ROOT
def test_charts_where_the_user_cannot_write_is_exit_2(work):
    os.chmod(work / "charts", 0o555)
    try:
        done = invoke("report", "plan.yaml", "--output", "r.html", "--charts", "charts/new", cwd=work)
        assert done.exit_code == 2
        assert "--charts charts/new: cannot make the folder: Permission denied" in done.stderr
        with pytest.raises(OutputError, match="--charts charts: cannot write into it: permission denied"):
            make_folder(work / "charts", "--charts")
    finally:
        os.chmod(work / "charts", 0o755)


# -- SIGTERM and SIGHUP mid-write --------------------------------------------------------------------
# a child writes a file and signals itself between writing the temporary file and renaming it
MID_WRITE = """
import os, signal, sys
from optimizer import files
{handler}
def fsync_then_signal(fd):
    os.kill(os.getpid(), signal.{name})
files.os.fsync = fsync_then_signal
try:
    files.write_atomic(sys.argv[1], "new content " * 1000)
except BaseException as exc:
    print(type(exc).__name__)
    raise
"""


@pytest.mark.parametrize("name, code", [("SIGTERM", 143), ("SIGHUP", 129)])
def test_a_signal_mid_write_removes_the_temporary_file(tmp_path, name, code):
    target = tmp_path / "plan.json"
    target.write_text("earlier")
    done = subprocess.run([sys.executable, "-c", MID_WRITE.format(name=name, handler=""), str(target)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]
    assert target.read_text() == "earlier"


def test_a_signal_mid_write_calls_the_callers_handler(tmp_path):
    target = tmp_path / "plan.json"
    handler = "signal.signal(signal.SIGTERM, lambda *a: print('handler ran'))"
    done = subprocess.run([sys.executable, "-c", MID_WRITE.format(name="SIGTERM", handler=handler), str(target)],
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["handler", "ran", "Terminated"]
    assert done.returncode == 1
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # this process's handlers untouched


def test_an_ignored_signal_stays_ignored(tmp_path):
    target = tmp_path / "plan.json"
    handler = "signal.signal(signal.SIGHUP, signal.SIG_IGN)"
    done = subprocess.run([sys.executable, "-c", MID_WRITE.format(name="SIGHUP", handler=handler), str(target)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert target.read_text().startswith("new content")
