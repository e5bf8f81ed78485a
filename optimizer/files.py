"""Files written completely or not at all, and destination folders: shared by every stage.

Also the one place that decides whether a command's outputs would overwrite its inputs or each
other (:func:`refuse_overwriting_inputs`), and how SIGTERM and SIGHUP let a write or a pool of
worker processes clean up before the process ends (:func:`cleanup_on_signals`).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from .errors import Issue, OutputError, ScenarioError

# signals that end a process by default and that a write turns into clean-up first (SIGINT
# already raises KeyboardInterrupt)
CLEANUP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived inside :func:`cleanup_on_signals`: unwinds the block like
    KeyboardInterrupt does, so its ``finally`` and ``except BaseException`` clauses run."""

    def __init__(self, signum: int):
        super().__init__(f"terminated by signal {signum}")
        self.signum = signum


def _raise_terminated(signum: int, frame) -> None:
    raise Terminated(signum)


@contextlib.contextmanager
def cleanup_on_signals() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise :class:`Terminated`, so the block cleans up.

    On leaving, the previous handlers are back; a signal that arrived is then acted on as they
    would have: the default one ends the process with the conventional exit code, 128 + the
    signal's number (143 for SIGTERM, 129 for SIGHUP); a Python handler is called, and when it
    returns, :class:`Terminated` goes on up (the block did not finish). A signal the
    process ignores (``nohup``) stays ignored. Outside the main thread (where Python cannot set
    handlers) the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for signum in CLEANUP_SIGNALS:
        handler = signal.getsignal(signum)
        if handler is signal.SIG_IGN or handler is None:  # None: set outside Python; leave it alone
            continue
        previous[signum] = handler
        signal.signal(signum, _raise_terminated)

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    try:
        yield
    except Terminated as stop:
        restore()
        if previous.get(stop.signum, signal.SIG_DFL) is signal.SIG_DFL:
            raise SystemExit(128 + stop.signum) from None
        signal.raise_signal(stop.signum)  # the caller's own handler, as if the signal came now
        raise  # it returned: the block was still cut short
    finally:
        restore()


_OPEN_FILE = re.compile(r"^/dev/(stdin|stdout|stderr|fd/\d+)$|^/proc/(self|thread-self|\d+)/fd/\d+$")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _written_through(path: Path) -> bool:
    """Whether ``path`` is a device, a FIFO or a process's open file (``/dev/stdout``): written
    through as it is, since renaming a file over it would replace it (the device node itself)."""
    if _OPEN_FILE.match(str(path.absolute())):
        return True
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode)


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def write_atomic(path: str | Path, content: str | bytes) -> None:
    """Write a file completely or not at all: a temporary file in the same folder, then a rename.

    The file gets the permissions of the one it replaces, or those of a newly created file (not
    the owner-only mode of a temporary file). A folder that does not exist is an error, not
    created: a typo in it should not put the file somewhere unexpected. So is a file the user may
    not write (:class:`~optimizer.errors.OutputError`, naming the file).

    A symbolic link stays a link: the file it points to is written, atomically, where it is.
    A device, a FIFO or a process's open file (``/dev/null``, ``/dev/stdout``) is written through,
    never renamed over; any other kind of file that is not a regular one (a socket, a folder) is an
    error. SIGTERM or SIGHUP during the write removes the temporary file, then ends the process as
    the signal would have (exit code 143 or 129). SIGKILL cannot be caught: it can leave the
    hidden temporary file ``.NAME.XXXXXXXX.tmp`` beside the target (the target itself is intact).
    """
    given = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    if _written_through(given):
        _write_through(given, data)
        return
    target, shown = check_writable(given)
    with cleanup_on_signals():
        tmp = None
        try:
            mode = target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask()
            # the signals wait while the temporary file is made and named, so none leaves it unnamed
            blocked = hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
            if blocked:
                signal.pthread_sigmask(signal.SIG_BLOCK, CLEANUP_SIGNALS)
            try:
                fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            finally:
                if blocked:
                    signal.pthread_sigmask(signal.SIG_UNBLOCK, CLEANUP_SIGNALS)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, mode)
            os.replace(tmp, target)
        except OSError as exc:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            raise OutputError(f"{shown}: cannot write: {_reason(exc)}") from None
        except BaseException:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            raise


def check_writable(path: str | Path) -> tuple[Path, str]:
    """Raise :class:`~optimizer.errors.OutputError` now where :func:`write_atomic` would refuse
    ``path`` (a folder that does not exist, a folder, a socket, a read-only file); commands call it
    for every output before solving, so a failing one leaves the others unwritten. Returns the file
    really written (a link's target) and how messages show it. A device or FIFO passes.

    >>> check_writable("/nope/plan.json")
    Traceback (most recent call last):
    ...
    optimizer.errors.OutputError: /nope/plan.json: cannot write: the folder /nope does not exist
    """
    given = Path(path)
    if _written_through(given):
        return given, str(given)
    # a link's own file is written where it is, so the link stays a link (a dangling one gets it)
    target = Path(os.path.realpath(given)) if given.is_symlink() else given
    shown = f"{given} (a link to {target})" if target != given else str(given)
    if not target.parent.is_dir():
        raise OutputError(f"{shown}: cannot write: the folder {target.parent} does not exist")
    if target.is_dir():
        raise OutputError(f"{shown}: cannot write: it is a folder; allowed: a file name")
    if target.exists() and not target.is_file():
        raise OutputError(f"{shown}: cannot write: it is not a regular file (a socket?); allowed: a file, a "
                          "device or a FIFO")
    if target.exists() and not os.access(target, os.W_OK):
        raise OutputError(f"{shown}: cannot write: permission denied (the file is read-only for you)")
    if not target.exists() and not os.access(target.parent, os.W_OK | os.X_OK):
        raise OutputError(f"{shown}: cannot write: Permission denied")  # as creating it would say
    return target, shown


def _write_through(path: Path, data: bytes) -> None:
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode) or stat.S_ISSOCK(mode):
            raise OutputError(f"{path}: cannot write: {'it is a folder' if stat.S_ISDIR(mode) else 'it is a socket'}; "
                              "allowed: a file, a device or a FIFO")
        with cleanup_on_signals(), open(path, "wb") as handle:
            handle.write(data)
    except FileNotFoundError:
        raise OutputError(f"{path}: cannot write: no such device or open file") from None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {_reason(exc)}") from None


def make_folder(folder: str | Path, option: str) -> Path:
    """The folder an option names as a destination, made if missing; its parent must exist (a typo
    in it should not scatter files somewhere unexpected)."""
    folder = check_folder(folder, option)
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{option} {folder}: cannot make the folder: {_reason(exc)}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{option} {folder}: cannot write into it: permission denied")
    return folder


def check_folder(folder: str | Path, option: str) -> Path:
    """Raise :class:`~optimizer.errors.OutputError` now where :func:`make_folder` would refuse
    ``folder`` (a file, a missing parent, one the user may not write), without making it."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{option} {folder}: cannot write into it: it is a file; allowed: a folder (made if missing)")
    if not folder.parent.is_dir():
        raise OutputError(f"{option} {folder}: cannot make the folder: {folder.parent} does not exist")
    if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{option} {folder}: cannot write into it: permission denied")
    if not folder.exists() and not os.access(folder.parent, os.W_OK | os.X_OK):
        raise OutputError(f"{option} {folder}: cannot make the folder: Permission denied")
    return folder


# -- outputs against inputs ------------------------------------------------------------------------
def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): the paths, with links and .. resolved
        return a.resolve() == b.resolve()


def _streamed(path: Path) -> bool:
    """A device or FIFO: written through, so writing it cannot damage another output or an input."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode)


def refuse_overwriting_inputs(outputs: Mapping[str, str | Path | Iterable[str | Path] | None],
                              inputs: Iterable[tuple[str, str | Path]],
                              folders: Mapping[str, str | Path | None] | None = None) -> None:
    """Raise ScenarioError (exit 2) when an output would overwrite an input, or another output.

    ``outputs`` maps an option to the file it writes, or to the files (``--charts``: one per chart),
    or None when not given; ``inputs`` lists ``(what it is, file)``, e.g. ``("the scenario file",
    "plan.yaml")``. Files are the same when ``os.path.samefile`` says so (a link, a hard link), or,
    where one does not exist yet, when their resolved paths are. Devices and FIFOs are written
    through, never replaced, so they are exempt (``--output /dev/stdout`` reading ``/dev/stdin``).
    ``folders`` maps an option to the folder it writes into (``--charts``): one that is an output
    file, or an input, is refused too. Called before anything is solved or written.

    >>> try:
    ...     refuse_overwriting_inputs({"--output": "plan.yaml"}, [("the scenario file", "plan.yaml")])
    ... except ScenarioError as exc:
    ...     print(exc.issues[0].path, "|", exc.issues[0].message.split(";")[0])
    --output | plan.yaml is the scenario file
    """
    named: list[tuple[str, Path]] = []
    for option, value in outputs.items():
        if value is None:
            continue
        for path in [value] if isinstance(value, (str, Path)) else value:
            named.append((option, Path(path)))
    named = [(option, path) for option, path in named if not _streamed(path)]
    sources = [(what, Path(path)) for what, path in inputs]
    issues = []
    for option, path in named:
        for what, source in sources:
            if _same_file(path, source):
                issues.append(Issue(option, f"{path} is {what}; nothing was written; allowed: a file that is "
                                            "not an input of the command"))
                break
    for k, (option, path) in enumerate(named):
        for other, earlier in named[:k]:
            if _same_file(path, earlier):
                same = f" as {other}" if other != option else ""
                issues.append(Issue(option, f"{path} is the same file{same} ({earlier}); nothing was written; "
                                            "allowed: a different file for each output"))
                break
    for option, folder in (folders or {}).items():
        if folder is None:
            continue
        for what, path in [*((f"the file {other} writes", path) for other, path in named), *sources]:
            if _same_file(Path(folder), path):
                issues.append(Issue(option, f"{folder} is {what}; nothing was written; allowed: a folder that is "
                                            "neither an output nor an input of the command"))
                break
    if issues:
        raise ScenarioError(issues)
