"""Runs recorded from their first second: a `running` row, its outcome, abandoned runs, tracebacks in a file."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime

import pytest

from jobs import runs
from jobs.runs import JobRun, _append, _row, failure_line, mark_abandoned, one_line, recorded_run


def _run(spark, run_id: str):
    return spark.table("ops.job_runs").where(f"run_id = '{run_id}'").first()


def test_a_run_is_recorded_as_running_while_it_runs(spark):
    with recorded_run(spark, "unit-running", {}) as run:
        during = _run(spark, run.run_id)
    after = _run(spark, run.run_id)
    assert (during.status, during.ended_at, during.pid, during.host) == ("running", None, os.getpid(), socket.gethostname())
    assert after.status == "succeeded" and after.ended_at is not None and after.seconds >= 0
    assert spark.table("ops.job_runs").where(f"run_id = '{run.run_id}'").count() == 1


def test_running_rows_of_other_processes_become_abandoned(spark, monkeypatch):
    dead = JobRun("unit-killed", {}, started_at=datetime(2026, 1, 1, tzinfo=UTC))
    row = list(_row(dead, "running", None, None))
    row[11] = 2**22 + 12345  # a pid above Linux's default pid_max: no such process
    _append(spark, tuple(row))
    monkeypatch.setattr(runs, "_checked_abandoned", set())  # as in a new process: the check is made once per session
    with recorded_run(spark, "unit-outer", {}) as outer:
        assert mark_abandoned(spark) == 0  # the outer run is this process's: still running
        assert _run(spark, outer.run_id).status == "running"
    killed = _run(spark, dead.run_id)
    assert killed.status == "abandoned"
    assert "ended without recording an outcome" in killed.error_message


def test_a_failed_run_keeps_one_line_and_its_traceback_in_a_file(spark, tmp_path):
    def deep():
        raise ValueError("bad value\nsecond line of detail")

    with pytest.raises(ValueError) as raised:
        with recorded_run(spark, "unit-traceback", {}, log_dir=str(tmp_path)) as run:
            deep()
    row = _run(spark, run.run_id)
    assert row.status == "failed"
    assert row.error_message == "ValueError: bad value"
    assert row.log_path == str(tmp_path / run.run_id / "error.log")
    logged = (tmp_path / run.run_id / "error.log").read_text(encoding="utf-8")
    assert "Traceback" in logged and "in deep" in logged and "second line of detail" in logged
    assert failure_line(raised.value, run) == f"ValueError: bad value; traceback in {row.log_path}"


def test_one_line_takes_the_java_cause_not_the_py4j_wrapper():
    Py4JJavaError = type("Py4JJavaError", (Exception,), {})  # the name one_line reports, without a JVM
    err = Py4JJavaError("An error occurred while calling o81.save.\n: java.io.IOException: disk full\n\tat org.apache.X")
    assert one_line(err) == "Py4JJavaError: java.io.IOException: disk full"


def test_a_shared_catalog_abandons_only_this_hosts_dead_processes():
    running = [("mine", 100, "a"), ("dead here", 200, "a"), ("live here", 300, "a"), ("other host", 200, "b"), ("no pid", None, "a")]
    alive = {100, 300}.__contains__
    assert runs.abandoned_runs(running, (100, "a"), exclusive=False, alive=alive) == ["dead here"]
    assert runs.abandoned_runs(running, (100, "a"), exclusive=True, alive=alive) == ["dead here", "live here", "other host", "no pid"]


def test_process_alive_tells_this_process_from_a_pid_that_cannot_exist():
    assert runs.process_alive(os.getpid())
    assert not runs.process_alive(2**22 + 12345)  # above Linux's default pid_max
    assert not runs.process_alive(2**40)  # beyond the kernel's pid type
