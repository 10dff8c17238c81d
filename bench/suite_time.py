"""Benchmark: the wall time of the whole pytest suite, and where it goes.

``python -m bench.suite_time [--runs N] [--slowest K] [-- PYTEST-ARGS...]``

Runs ``python -m pytest -q -p no:cacheprovider --durations=K --durations-min=0`` in a fresh process ``--runs``
times (once by default; the suite takes minutes), then prints each run's wall time, the
shortest and the median, the outcome line pytest printed, the machine (CPU count, load average
before and after) and the ``K`` slowest test phases of the last run. Anything after ``--`` goes
to pytest unchanged, e.g. ``-- -m "not slow"`` or ``-- tests/providers``.

Not part of ``make test``: it exists to measure, and its figure is stated in docs/testing.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUTCOME = re.compile(r"^=*\s*(\d+ (passed|failed|error).*) in [\d.]+s")
DURATION = re.compile(r"^\d+\.\d+s (call|setup|teardown) ")


@dataclass
class SuiteRun:
    """One pytest run: wall time, pytest's outcome line, its slowest phases and exit code."""

    wall_s: float
    outcome: str
    slowest: list[str]
    returncode: int


def run_suite(pytest_args: list[str], slowest: int) -> SuiteRun:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--durations={slowest}",
        "--durations-min=0",
        *pytest_args,
    ]  # pytest hides phases under 5 ms otherwise
    started = time.monotonic()
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    lines = result.stdout.splitlines()
    outcome = next((m.group(1) for m in map(OUTCOME.match, reversed(lines)) if m), "no outcome line")
    return SuiteRun(wall, outcome, [line for line in lines if DURATION.match(line)], result.returncode)


def _load() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    own, pytest_args = (args[: args.index("--")], args[args.index("--") + 1 :]) if "--" in args else (args, [])
    parser = argparse.ArgumentParser(prog="python -m bench.suite_time", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="how many times to run the suite (default 1)")
    parser.add_argument("--slowest", type=int, default=30, help="how many slowest test phases to list (default 30)")
    options = parser.parse_args(own)
    if not 1 <= options.runs <= 20:
        parser.error(f"--runs must be between 1 and 20, got {options.runs}")
    if not 0 <= options.slowest <= 1000:
        parser.error(f"--slowest must be between 0 and 1000, got {options.slowest}")

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"load average before: {_load()}"
    )
    runs: list[SuiteRun] = []
    for number in range(1, options.runs + 1):
        run = run_suite(pytest_args, options.slowest)
        runs.append(run)
        print(f"run {number}: {run.wall_s:.1f} s wall, {run.outcome} (exit {run.returncode})", flush=True)
    walls = [run.wall_s for run in runs]
    print(
        f"wall time: shortest {min(walls):.1f} s, median {statistics.median(walls):.1f} s over {len(walls)} run(s); "
        f"load average after: {_load()}"
    )
    if options.slowest and runs[-1].slowest:
        print(f"slowest {len(runs[-1].slowest)} test phases of the last run:")
        for line in runs[-1].slowest:
            print(f"  {line}")
    return 0 if all(run.returncode == 0 for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
