"""bench/suite_time.py: runs pytest in a fresh process and reports its wall time, outcome and
slowest phases; bad options are refused before anything runs."""

from __future__ import annotations

import pytest

from bench import suite_time

ONE_FILE = "tests/tools/avi_emulator/test_emulator_stop.py"


@pytest.mark.slow
def test_one_run_reports_wall_time_outcome_and_slowest_phases(capsys):
    assert suite_time.main(["--slowest", "2", "--", ONE_FILE]) == 0
    out = capsys.readouterr().out
    assert "CPUs" in out and "load average before" in out
    assert "run 1: " in out and "3 passed" in out and "(exit 0)" in out
    assert "wall time: shortest" in out and "over 1 run(s)" in out
    slowest = [line for line in out.splitlines() if line.startswith("  ") and ONE_FILE in line]
    assert len(slowest) == 2


@pytest.mark.slow
def test_a_failing_suite_makes_the_benchmark_fail(capsys):
    assert suite_time.main(["--slowest", "0", "--", f"{ONE_FILE}::no_such_test"]) == 1
    assert "(exit 4)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "option, message",
    [
        (["--runs", "0"], "--runs must be between 1 and 20, got 0"),
        (["--slowest", "-1"], "--slowest must be between 0 and 1000"),
    ],
)
def test_out_of_range_options_are_refused(option, message, capsys):
    with pytest.raises(SystemExit) as stopped:
        suite_time.main(option)
    assert stopped.value.code == 2 and message in capsys.readouterr().err
