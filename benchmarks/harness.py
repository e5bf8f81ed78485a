"""What the benchmarks that time a command against bare highspy share: the program's arrays written
for the floor script (each benchmark writes its own floor) and a timed run of a command."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import numpy as np

from optimizer.model.build import build_program
from optimizer.model.highs import MIP_REL_GAP
from optimizer.model.program import Program
from optimizer.scenario.loading import load_scenario


def write_arrays(scenario_path: Path, out: Path) -> Program:
    """The program's arrays as HiGHS takes them (rows by limit, CSR; the columns' integrality and the
    MIP gap the command asks for) in ``out`` (``.npz``); returns the program, for its counts."""
    program = build_program(load_scenario(scenario_path))
    rows, columns, coefs = program.terms
    m = len(program.limits)
    lower = np.array([(lim.bound - lim.constant) if lim.sense in (">=", "==") else -np.inf for lim in program.limits])
    upper = np.array([(lim.bound - lim.constant) if lim.sense in ("<=", "==") else np.inf for lim in program.limits])
    start = np.zeros(m + 1, dtype=np.int32)
    start[1:] = np.cumsum(np.bincount(rows, minlength=m))
    np.savez(out, n=len(program.columns), m=m, cost=np.asarray(program.objective_coefs, dtype=float),
             row_lower=lower, row_upper=upper, start=start, index=np.asarray(columns, dtype=np.int32),
             value=np.asarray(coefs, dtype=float), maximize=int(program.sense == "max"),
             integer=np.array([c.integer for c in program.columns], dtype=np.int8), gap=MIP_REL_GAP)
    return program


def timed(args: list[str]) -> float:
    """Seconds of one run of ``args`` in a new process (a failed run stops the benchmark, with its output)."""
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    return seconds
