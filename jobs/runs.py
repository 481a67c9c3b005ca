"""Run records: ops.job_runs gets a `running` row when a job starts, updated when it succeeds or fails.

A run whose process died (kill -9, out of memory, power loss) keeps its `running` row; the next run marks
it `abandoned`. On the embedded metastore that next run holds the catalog lock (jobs/catalog_lock.py), so
no other process can be running: every `running` row of another process is abandoned. On a shared catalog
(kind server or hive) other processes may be live, so only rows of this host whose process is gone are
abandoned; another host's rows are left to a run on that host. A failed run's full traceback goes to
error.log in the run's folder; the row and the console get one line.
"""

from __future__ import annotations

import gc
import json
import os
import re
import socket
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.catalog_lock import holds_catalog
from jobs.publication import COMMIT_RUN_SETTING, latest_versions
from jobs.tables import append_rows, ensure_databases, recover_location, table_exists, with_comments

JOB_RUNS_TABLE = "ops.job_runs"

JOB_RUNS_SCHEMA = T.StructType(
    [
        T.StructField("run_id", T.StringType(), False),
        T.StructField("job", T.StringType(), False),
        T.StructField("arguments", T.StringType(), True),
        T.StructField("started_at", T.TimestampType(), False),
        T.StructField("ended_at", T.TimestampType(), True),
        T.StructField("seconds", T.DoubleType(), True),
        T.StructField("status", T.StringType(), False),
        T.StructField("rows_read", T.MapType(T.StringType(), T.LongType()), True),
        T.StructField("rows_written", T.MapType(T.StringType(), T.LongType()), True),
        T.StructField("error_message", T.StringType(), True),
        T.StructField("parent_run_id", T.StringType(), True),
        T.StructField("pid", T.IntegerType(), True),
        T.StructField("host", T.StringType(), True),
        T.StructField("log_path", T.StringType(), True),
        T.StructField("published", T.MapType(T.StringType(), T.LongType()), True),
    ]
)

JOB_RUNS_COMMENTS = {
    "run_id": "Unique id of this run (UUID)",
    "job": "Job name as given to python -m jobs",
    "arguments": "The job's arguments as JSON",
    "started_at": "When the run started",
    "ended_at": "When the run ended (null while running or when abandoned)",
    "seconds": "Wall-clock duration in seconds (null while running or when abandoned)",
    "status": "running, succeeded, failed, or abandoned (its process ended without recording an outcome)",
    "rows_read": "Rows read per input (table or landing source)",
    "rows_written": "Rows written per output table, from the Delta commits' metrics",
    "error_message": "Why the run failed, in one line (null when it succeeded)",
    "parent_run_id": "The run-all run this stage belonged to, if any",
    "pid": "Process id of the run's driver",
    "host": "Host name of the run's driver",
    "log_path": "A failed run's full traceback (error.log in the run's folder)",
    "published": "Delta version of each table the run wrote, recorded when it succeeded: what readers see (jobs/publication.py)",
}

TABLE_NAME = re.compile(r"[A-Za-z_]\w*\.[A-Za-z_]\w*")  # <database>.<table>; other outputs (truth/...) are files

ABANDONED = "its process ended without recording an outcome (killed, out of memory, or the machine stopped)"


@dataclass
class JobRun:
    """Counts a running job reports; recorded in ops.job_runs when it starts and when it ends."""

    job: str
    arguments: dict
    parent_run_id: str | None = None
    run_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    rows_read: dict[str, int] = field(default_factory=dict)
    rows_written: dict[str, int] = field(default_factory=dict)
    # Seconds per phase of a long job (world, each source, ...), for progress lines and benchmarks; not recorded.
    phase_seconds: dict[str, float] = field(default_factory=dict)
    log_path: str | None = None
    tables: set[str] = field(default_factory=set)  # the catalog tables the run changed, published when it succeeds
    published: dict[str, int] | None = None

    def read(self, name: str, rows: int) -> None:
        self.rows_read[name] = self.rows_read.get(name, 0) + int(rows)

    def wrote(self, name: str, rows: int) -> None:
        self.rows_written[name] = self.rows_written.get(name, 0) + int(rows)
        if TABLE_NAME.fullmatch(name):
            self.tables.add(name)

    @property
    def own_run_ids(self) -> tuple[str, ...]:
        """Runs whose commits are this run's own when it reads (itself, and the run-all it is a stage of)."""
        return (self.run_id,) if self.parent_run_id is None else (self.run_id, self.parent_run_id)

    def changed(self, table: str) -> None:
        """A table to publish with the others though the run wrote no counted rows to it (a RESTORE, or a
        table a killed run of the same stage wrote that this run takes over)."""
        self.tables.add(table)

    def timed(self, phase: str, seconds: float) -> None:
        self.phase_seconds[phase] = self.phase_seconds.get(phase, 0.0) + seconds


@contextmanager
def recorded_run(
    spark: SparkSession, job: str, arguments: dict, parent_run_id: str | None = None, log_dir: str | None = None
) -> Iterator[JobRun]:
    """Yield a JobRun recorded as `running`, then as succeeded or failed (re-raised). With `log_dir`, a
    failure's full traceback goes to <log_dir>/<run_id>/error.log (JobRun.log_path)."""
    run = JobRun(job=job, arguments=arguments, parent_run_id=parent_run_id)
    started = time.monotonic()
    ensure_job_runs_table(spark)
    if parent_run_id is None and id(spark) not in _checked_abandoned:
        # Once per session: while this process holds the catalog, no other process can start a run.
        mark_abandoned(spark)
        _checked_abandoned.add(id(spark))
    _append(spark, _row(run, "running", None, None))
    context = spark.sparkContext
    outer_group = context.getLocalProperty("spark.jobGroup.id")
    outer_commit_run = spark.conf.get(COMMIT_RUN_SETTING, None)
    spark.conf.set(COMMIT_RUN_SETTING, run.run_id)  # every Delta commit of the run names it (jobs/publication.py)
    # Spark jobs are grouped by the run's job name, so event logs attribute time and shuffle to stages.
    context.setJobGroup(job, f"tpmap {job} run {run.run_id}")
    try:
        yield run
    except BaseException as err:
        _restore_setting(spark, COMMIT_RUN_SETTING, outer_commit_run)  # the failure's record is not the failed run's commit
        if log_dir is not None:
            run.log_path = write_traceback(Path(log_dir) / run.run_id, err)
        _finish(spark, _row(run, "failed", one_line(err), time.monotonic() - started))
        raise
    finally:
        context.setLocalProperty("spark.jobGroup.id", outer_group)
        _restore_setting(spark, COMMIT_RUN_SETTING, outer_commit_run)
        release_plans()
    run.published = latest_versions(spark, run.tables)
    _finish(spark, _row(run, "succeeded", None, time.monotonic() - started))  # the run's tables published in this commit


def _restore_setting(spark: SparkSession, key: str, value: str | None) -> None:
    if value is None:
        spark.conf.unset(key)
    else:
        spark.conf.set(key, value)


def one_line(err: BaseException) -> str:
    """The error's type and its first meaningful line (a Py4J error's Java exception, not its wrapper)."""
    lines = [ln.strip() for ln in str(err).splitlines() if ln.strip() and not ln.startswith("An error occurred while calling")]
    first = lines[0].removeprefix(": ") if lines else ""
    return f"{type(err).__name__}: {first}"[:500]


def failure_line(err: BaseException, run: JobRun | None) -> str:
    """What the console says about a failed run: one line, and where its full traceback is."""
    where = f"; traceback in {run.log_path}" if run is not None and run.log_path else ""
    return f"{one_line(err)}{where}"


def write_traceback(folder: Path, err: BaseException) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "error.log"
    path.write_text("".join(traceback.format_exception(err)), encoding="utf-8")
    return str(path)


def release_plans() -> None:
    """Collect Python's reference cycles now: DataFrames and Columns caught in them keep their JVM
    query plans alive through py4j (measured: 1.2 GB of Catalyst trees after standardize at S = 0.001,
    enough to exhaust a 4 GB driver in the next stage), and Python's cyclic collector runs rarely."""
    gc.collect()


_ensured: set[int] = set()
_checked_abandoned: set[int] = set()


def ensure_job_runs_table(spark: SparkSession) -> None:
    """Create ops.job_runs, or bring an older one to the current schema (new columns, nullable end), once
    per session."""
    if id(spark) in _ensured:
        return
    ensure_databases(spark)
    if not table_exists(spark, JOB_RUNS_TABLE) and not recover_location(spark, JOB_RUNS_TABLE):
        empty = spark.createDataFrame([], JOB_RUNS_SCHEMA)
        with_comments(empty, JOB_RUNS_COMMENTS, JOB_RUNS_TABLE).writeTo(JOB_RUNS_TABLE).using("delta").create()
    else:
        schema = {f.name: f for f in spark.table(JOB_RUNS_TABLE).schema}
        added = [f for f in JOB_RUNS_SCHEMA if f.name not in schema]
        if added:
            comment = {f.name: JOB_RUNS_COMMENTS[f.name].replace("'", "\\'") for f in added}
            columns = ", ".join(f"{f.name} {f.dataType.simpleString()} COMMENT '{comment[f.name]}'" for f in added)
            spark.sql(f"ALTER TABLE {JOB_RUNS_TABLE} ADD COLUMNS ({columns})")
        for name in ("ended_at", "seconds"):
            if name in schema and not schema[name].nullable:
                spark.sql(f"ALTER TABLE {JOB_RUNS_TABLE} ALTER COLUMN {name} DROP NOT NULL")
    _ensured.add(id(spark))


def mark_abandoned(spark: SparkSession) -> int:
    """`running` rows of processes that cannot be running any more marked `abandoned`."""
    running = spark.table(JOB_RUNS_TABLE).where("status = 'running'").select("run_id", "pid", "host").collect()
    here = (os.getpid(), socket.gethostname())
    gone = abandoned_runs([(r.run_id, r.pid, r.host) for r in running], here, holds_catalog(), process_alive)
    if gone:
        DeltaTable.forName(spark, JOB_RUNS_TABLE).update(
            F.col("run_id").isin(gone), {"status": F.lit("abandoned"), "error_message": F.lit(ABANDONED)}
        )
    return len(gone)


def abandoned_runs(
    running: list[tuple[str, int | None, str | None]], here: tuple[int, str], exclusive: bool, alive: Callable[[int], bool]
) -> list[str]:
    """Run ids among (run_id, pid, host) `running` rows whose process is gone. With the catalog held
    exclusively, every other process's row; otherwise a row of this host whose pid is not alive."""
    pid, host = here
    others = [(run_id, p, h) for run_id, p, h in running if (p, h) != (pid, host)]
    if exclusive:
        return [run_id for run_id, _, _ in others]
    return [run_id for run_id, p, h in others if h == host and p is not None and not alive(p)]


def process_alive(pid: int) -> bool:
    """Whether a process of this pid exists on this host (a reused pid counts as alive: the row waits)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def _row(run: JobRun, status: str, error: str | None, seconds: float | None) -> tuple:
    ended = datetime.now(UTC) if seconds is not None else None
    return (
        run.run_id, run.job, json.dumps(run.arguments, default=str, sort_keys=True), run.started_at, ended,
        round(seconds, 3) if seconds is not None else None, status, run.rows_read, run.rows_written,
        error, run.parent_run_id, os.getpid(), socket.gethostname(), run.log_path,
        run.published if status == "succeeded" else None,
    )  # fmt: skip


def _append(spark: SparkSession, row: tuple) -> None:
    append_rows(spark.createDataFrame([row], JOB_RUNS_SCHEMA), JOB_RUNS_TABLE, JOB_RUNS_COMMENTS)


def _finish(spark: SparkSession, row: tuple) -> None:
    """The run's row replaced by its outcome (inserted if its `running` row is missing)."""
    outcome = spark.createDataFrame([row], JOB_RUNS_SCHEMA)
    (DeltaTable.forName(spark, JOB_RUNS_TABLE).alias("t").merge(outcome.alias("s"), "t.run_id = s.run_id")
     .whenMatchedUpdateAll().whenNotMatchedInsertAll().execute())  # fmt: skip
