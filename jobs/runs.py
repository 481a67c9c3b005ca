"""Run records: every job run appends one row to ops.job_runs, whether it succeeded or failed."""

from __future__ import annotations

import json
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from collections.abc import Iterator

from pyspark.sql import SparkSession
from pyspark.sql import types as T

from jobs.tables import ensure_databases, with_comments

JOB_RUNS_TABLE = "ops.job_runs"

JOB_RUNS_SCHEMA = T.StructType(
    [
        T.StructField("run_id", T.StringType(), False),
        T.StructField("job", T.StringType(), False),
        T.StructField("arguments", T.StringType(), True),
        T.StructField("started_at", T.TimestampType(), False),
        T.StructField("ended_at", T.TimestampType(), False),
        T.StructField("seconds", T.DoubleType(), False),
        T.StructField("status", T.StringType(), False),
        T.StructField("rows_read", T.MapType(T.StringType(), T.LongType()), True),
        T.StructField("rows_written", T.MapType(T.StringType(), T.LongType()), True),
        T.StructField("error_message", T.StringType(), True),
        T.StructField("parent_run_id", T.StringType(), True),
    ]
)

JOB_RUNS_COMMENTS = {
    "run_id": "Unique id of this run (UUID)",
    "job": "Job name as given to python -m jobs",
    "arguments": "The job's arguments as JSON",
    "started_at": "When the run started",
    "ended_at": "When the run ended",
    "seconds": "Wall-clock duration in seconds",
    "status": "succeeded or failed",
    "rows_read": "Rows read per input (table or landing source)",
    "rows_written": "Rows written per output table",
    "error_message": "Why the run failed (null when it succeeded)",
    "parent_run_id": "The run-all run this stage belonged to, if any",
}


@dataclass
class JobRun:
    """Counts a running job reports; recorded in ops.job_runs when the job ends."""

    job: str
    arguments: dict
    parent_run_id: str | None = None
    run_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    rows_read: dict[str, int] = field(default_factory=dict)
    rows_written: dict[str, int] = field(default_factory=dict)
    # Seconds per phase of a long job (world, each source, ...), for progress lines and benchmarks; not recorded.
    phase_seconds: dict[str, float] = field(default_factory=dict)

    def read(self, name: str, rows: int) -> None:
        self.rows_read[name] = self.rows_read.get(name, 0) + int(rows)

    def wrote(self, name: str, rows: int) -> None:
        self.rows_written[name] = self.rows_written.get(name, 0) + int(rows)

    def timed(self, phase: str, seconds: float) -> None:
        self.phase_seconds[phase] = self.phase_seconds.get(phase, 0.0) + seconds


@contextmanager
def recorded_run(spark: SparkSession, job: str, arguments: dict, parent_run_id: str | None = None) -> Iterator[JobRun]:
    """Yield a JobRun; append its record to ops.job_runs on success and on failure (then re-raise)."""
    run = JobRun(job=job, arguments=arguments, parent_run_id=parent_run_id)
    started = time.monotonic()
    context = spark.sparkContext
    outer_group = context.getLocalProperty("spark.jobGroup.id")
    # Spark jobs are grouped by the run's job name, so event logs attribute time and shuffle to stages.
    context.setJobGroup(job, f"tpmap {job} run {run.run_id}")
    try:
        yield run
    except BaseException as err:
        _append_record(spark, run, "failed", f"{type(err).__name__}: {err}", time.monotonic() - started)
        raise
    finally:
        context.setLocalProperty("spark.jobGroup.id", outer_group)
    _append_record(spark, run, "succeeded", None, time.monotonic() - started)


def _append_record(spark: SparkSession, run: JobRun, status: str, error: str | None, seconds: float) -> None:
    ensure_databases(spark)
    row = (
        run.run_id,
        run.job,
        json.dumps(run.arguments, default=str, sort_keys=True),
        run.started_at,
        datetime.now(timezone.utc),
        round(seconds, 3),
        status,
        run.rows_read,
        run.rows_written,
        error[:4000] if error else None,
        run.parent_run_id,
    )
    df = with_comments(spark.createDataFrame([row], JOB_RUNS_SCHEMA), JOB_RUNS_COMMENTS, JOB_RUNS_TABLE)
    df.write.format("delta").mode("append").saveAsTable(JOB_RUNS_TABLE)
