"""Run records in ops.job_runs, and the command line."""

import os
import subprocess
import sys

import pytest

from jobs.config import PROJECT_ROOT
from jobs.run_all import selected_stages
from jobs.runs import recorded_run


def test_successful_and_failed_runs_are_recorded(spark):
    with recorded_run(spark, "unit-ok", {"x": 1}) as run:
        run.read("bronze.something", 3)
        run.wrote("silver.something", 2)
    with pytest.raises(RuntimeError, match="boom"):
        with recorded_run(spark, "unit-fail", {}):
            raise RuntimeError("boom")

    rows = {r.job: r for r in spark.sql("SELECT * FROM ops.job_runs WHERE job LIKE 'unit-%'").collect()}
    assert rows["unit-ok"].status == "succeeded"
    assert rows["unit-ok"].rows_read == {"bronze.something": 3}
    assert rows["unit-ok"].rows_written == {"silver.something": 2}
    assert rows["unit-ok"].arguments == '{"x": 1}'
    assert rows["unit-fail"].status == "failed"
    assert rows["unit-fail"].error_message == "RuntimeError: boom"
    assert rows["unit-fail"].ended_at >= rows["unit-fail"].started_at


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jobs", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)


def test_help_lists_existing_jobs_only():
    result = _cli("--help")
    assert result.returncode == 0
    assert "reference" in result.stdout and "run-all" in result.stdout


def test_unknown_environment_fails_before_spark():
    result = _cli("reference", "--env", "nowhere")
    assert result.returncode == 2
    assert "unknown environment 'nowhere'" in result.stderr
    assert "SparkContext" not in result.stderr


def test_stage_selection():
    stages = ["reference", "generate", "ingest", "standardize"]
    assert selected_stages(stages, "generate", "ingest") == ["generate", "ingest"]
    assert selected_stages(stages, None, "generate") == ["reference", "generate"]
    with pytest.raises(ValueError, match="comes after"):
        selected_stages(stages, "ingest", "generate")


def test_recorded_arguments_keep_no_record_key():
    from jobs import explain_link, reference
    from jobs.__main__ import build_parser, job_options
    from jobs.options import recorded

    args = job_options(build_parser().parse_args(["explain-link", "dopa_registry:1101700012345"]))
    assert recorded(args, "local", explain_link.PERSONAL_ARGUMENTS) == {
        "env": "local",
        "record_id": "dopa_registry:<not recorded>",
        "silver_db": "silver",
    }
    assert recorded(reference.Options(), "local") == {"env": "local"}


def test_a_path_that_cannot_be_written_fails_before_spark(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    env = {**os.environ, "TPMAP_RUNS": str(blocker / "runs")}
    result = subprocess.run(
        [sys.executable, "-m", "jobs", "reference"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == f"configuration error: paths.runs: {blocker / 'runs'} cannot be written ({blocker} is not a folder this user may write)"
    )
