"""Shared test fixtures: one SparkSession for the whole test run, on a throw-away lakehouse.

The session is made by the project's own factory (jobs.spark.get_spark) so tests exercise the same
Delta and catalog settings as the jobs, with test-friendly settings: one shuffle partition, UI off.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_ROOT = Path(tempfile.mkdtemp(prefix="tpmap-test-lakehouse-"))
os.environ["TPMAP_ROOT"] = str(_ROOT)
os.environ.setdefault("TPMAP_ENV", "local")

TEST_SPARK_SETTINGS = {
    "spark.sql.shuffle.partitions": "1",
    "spark.default.parallelism": "2",
    "spark.ui.enabled": "false",
    "spark.driver.memory": "4g",
}


@pytest.fixture(scope="session")
def config():
    from jobs.config import load_config

    return load_config("local")


@pytest.fixture(scope="session")
def spark(config):
    from jobs.spark import get_spark
    from jobs.tables import ensure_databases

    session = get_spark(config, app_name="tpmap-tests", extra=TEST_SPARK_SETTINGS)
    session.sparkContext.setCheckpointDir(str(_ROOT / "checkpoints"))  # Splink's clustering writes its rounds there
    ensure_databases(session)
    yield session
    session.stop()


@pytest.fixture(scope="session")
def lakehouse_root() -> Path:
    return _ROOT


@pytest.fixture(scope="session")
def reference_tables(spark, config):
    """The ref.* tables, loaded once per test run by the reference job itself."""
    from jobs import reference
    from jobs.runs import JobRun

    job_run = JobRun("reference", {})
    reference.run(spark, config, reference.Options(), job_run)
    return job_run.rows_written


@pytest.fixture(scope="session")
def pipeline(spark, config, reference_tables):
    """Run the pipeline's stages on one shared synthetic world (run-all's defaults: scale 0.001), lazily.

    `pipeline("ingest")` runs every stage up to and including ingest that has not run yet in this test
    session and returns {stage: JobRun}. Tests that need the end-to-end world share it this way.
    """
    from jobs.options import recorded
    from jobs.registry import available_stages, load_job
    from jobs.run_all import Options, stage_options
    from jobs.runs import recorded_run

    done: dict = {"reference": None}

    def run_until(stage: str) -> dict:
        stages = available_stages()
        if stage not in stages:
            pytest.skip(f"stage {stage!r} does not exist yet")
        for name in stages[: stages.index(stage) + 1]:
            if name in done:
                continue
            args = stage_options(name, config, Options())
            with recorded_run(spark, name, recorded(args, config.env)) as job_run:
                load_job(name).run(spark, config, args, job_run)
            done[name] = job_run
        return done

    return run_until


@pytest.fixture
def no_env_overrides(monkeypatch):
    """No TPMAP_* override of conf/<env>.yaml comes from the shell running the tests; a test sets its own."""
    from jobs.config import EnvOverrides

    for name in EnvOverrides.model_fields:
        monkeypatch.delenv(f"TPMAP_{name.upper()}", raising=False)
