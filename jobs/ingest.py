"""Job `ingest`: load new landing deliveries into bronze.<source> by their source contracts.

Every file and folder under <landing>/<source>/ gets an ops.ingest_files row: loaded, quarantined_file,
skipped_duplicate (same SHA-256 as a file already ingested) or ignored (hidden names, empty folders), with
the reason. The new files of a source are read together, in three Spark passes per batch of files rather
than a dozen jobs per file: pass 1 classifies every line and returns per-file counts and where the bad lines
are; pass 2 writes the other lines to bronze.<source>; pass 3 reads only the bad lines again and writes them
to bronze.quarantine. Nothing is cached. Rows read = loaded + quarantined is checked per file, and against
what the Delta commits wrote (the job fails loudly otherwise).

A file that cannot be listed, opened, decompressed, decoded or parsed is quarantined whole with its root
cause, and the others go on: a batch that fails is retried file by file. Both writes of a batch carry a Delta
txnAppId and the batch's files in the commit's userMetadata, so a run killed half-way is completed by the next
one: each row is written exactly once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from pydantic import Field
from pyspark.sql import SparkSession

from jobs.bronze_reader import BatchReader, FileStats
from jobs.bronze_writer import QUARANTINE_COMMENTS, append_once, bronze_comments, ensure_tables
from jobs.config import AppConfig, ConfigError
from jobs.ingest_ledger import (
    IGNORED,
    QUARANTINE_TABLE,
    QUARANTINED_FILE,
    SKIPPED_DUPLICATE,
    Batch,
    BatchReadError,
    FileRecord,
    IngestBalanceError,
    RecordedFiles,
    ingest_commits,
    pending_batches,
    record_files,
    recorded_paths,
)
from jobs.landing import LandingFileSystem, Survey, checksummed, planned_files, root_cause, survey_source
from jobs.options import JobOptions
from jobs.runs import JobRun
from jobs.tables import ensure_databases
from transforms.contracts import SourceContract, load_contracts
from transforms.landing_layout import LandingFile

DESCRIPTION = "Load new landing deliveries into bronze.<source> by their contracts, with quarantine and per-file row accounting"


READ_SETTINGS = {
    # Legacy Java charsets (cp874) and replace-instead-of-fail decoding.
    "spark.sql.legacy.javaCharsets": "true",
    "spark.sql.legacy.codingErrorAction": "true",
    # Splits of 32 MB, each a partition of its own (opening a file "costs" a whole split, so no two share one):
    # a line's index in its partition is its index in the split (transforms.bronze.with_split_index).
    "spark.sql.files.maxPartitionBytes": str(32 << 20),
    "spark.sql.files.openCostInBytes": str(32 << 20),
    # A file that cannot be read must fail (and be quarantined), never be skipped in silence.
    "spark.sql.files.ignoreCorruptFiles": "false",
    "spark.sql.files.ignoreMissingFiles": "false",
}


# Files read in one Spark pass; a failing batch is retried file by file.
MAX_FILES_PER_BATCH = 64
# Up to this many bad lines a batch finds them again by line number; above, by classifying every line again.
MAX_LISTED_BAD_LINES = 200_000


class Options(JobOptions):
    source: list[str] | None = Field(
        default=None, description="only this source (repeatable); default: every source with a contract in conf/sources/"
    )


def validate(args: Options) -> Options:
    try:
        contracts = load_contracts()
    except ConfigError as err:
        raise ValueError(str(err)) from None
    unknown = sorted(set(args.source or []) - set(contracts))
    if unknown:
        raise ValueError(f"unknown source(s) {', '.join(unknown)}; known: {', '.join(contracts)}")
    return args


def preflight(config: AppConfig, args: Options, earlier_stages: Sequence[str]) -> None:
    """A landing root that does not exist is a configuration error (unless run-all's generate makes it first)."""
    landing = config.paths.resolved("landing")
    if "generate" in earlier_stages or ("://" in landing and not landing.startswith("file:")):
        return  # HDFS and object stores are checked once Hadoop is up (record_foreign_entries)
    if not Path(landing.removeprefix("file:")).is_dir():
        raise ConfigError(f"paths.landing: {landing} is not a folder (set TPMAP_LANDING or paths.landing in conf/{config.env}.yaml)")


def run(spark: SparkSession, config: AppConfig, args: Options, job_run: JobRun) -> None:
    contracts = load_contracts()
    selected = args.source or list(contracts)
    landing = config.paths.resolved("landing")
    ensure_databases(spark)
    with _read_settings(spark):
        lfs = LandingFileSystem(spark)
        if not lfs.filesystem(lfs.path(landing)).exists(lfs.path(landing)):
            raise ConfigError(f"paths.landing: {landing} does not exist")
        if not args.source:
            record_foreign_entries(spark, lfs, landing, set(contracts), job_run)
        for name in selected:
            ingest_source(spark, contracts[name], landing, job_run)


def record_foreign_entries(spark: SparkSession, lfs: LandingFileSystem, landing: str, sources: set[str], job_run: JobRun) -> None:
    """Landing entries that no contract names are recorded as ignored (once each), so nothing there goes unseen."""
    root = lfs.path(landing)
    recorded = recorded_paths(spark, IGNORED)
    records = []
    for status in lfs.filesystem(root).listStatus(root):
        name, path = status.getPath().getName(), status.getPath().toString()
        if name in sources or path in recorded:
            continue
        why = "hidden name" if name.startswith((".", "_")) else f"no contract conf/sources/{name}.yaml"
        entry = LandingFile(name, "", name, path, status.getLen(), datetime.fromtimestamp(status.getModificationTime() / 1000))
        records.append(FileRecord.for_file(entry, IGNORED, job_run.run_id, file_reason=f"not a source folder: {why}"))
    record_files(spark, records)


def ingest_source(spark: SparkSession, contract: SourceContract, landing: str, job_run: JobRun) -> None:
    """Ingest every new file of one source, oldest delivery first; duplicates by checksum are skipped."""
    lfs = LandingFileSystem(spark)
    with _timed(job_run, "survey"):
        ensure_tables(spark, contract)
        for table in (f"bronze.{contract.source}", QUARANTINE_TABLE):
            job_run.changed(table)  # published even with nothing new: a killed run may have created them
        survey = survey_source(lfs, landing, contract.source)
        recorded = RecordedFiles.load(spark, contract.source)
    with _timed(job_run, "checksum"):
        new, unreadable, notes = _sorted_out(lfs, survey, recorded, job_run.run_id, spark.sparkContext.defaultParallelism)
    with _timed(job_run, "plan"):
        pending = pending_batches(spark, lfs, contract, recorded, new)
        batches = _new_batches(spark, lfs, contract, new, unreadable, pending, job_run.run_id)
    for batch, committed in [*pending, *[(b, None) for b in batches]]:
        if committed is None:
            records = ingest_isolated(spark, contract, batch, job_run)
        else:
            records = ingest_batch(spark, contract, batch, job_run, committed)
        with _timed(job_run, "ops"):
            record_files(spark, [*notes, *records])
        notes = []
    record_files(spark, notes)


def _sorted_out(
    lfs: LandingFileSystem, survey: Survey, recorded: RecordedFiles, run_id: str, workers: int
) -> tuple[list[LandingFile], list[tuple[LandingFile, str]], list[FileRecord]]:
    """(new files, files that cannot be read, rows to record for ignored entries and duplicates)."""
    notes = [FileRecord.for_file(f, IGNORED, run_id, file_reason=why) for f, why in survey.ignored if f.path not in recorded.ignored]
    files, unreadable = checksummed(lfs, [f for f in survey.files if not recorded.unchanged(f)], workers)
    new = []
    for landing_file in files:
        if (landing_file.path, landing_file.checksum) in recorded.pairs:
            continue
        original = recorded.ingested.get(landing_file.checksum)
        if original is not None:
            why = f"same content (SHA-256) as {original}, already ingested"
            notes.append(FileRecord.for_file(landing_file, SKIPPED_DUPLICATE, run_id, duplicate_of=original, file_reason=why))
            continue
        recorded.ingested[landing_file.checksum] = landing_file.path
        new.append(landing_file)
    return new, unreadable + survey.failed, notes


def _new_batches(
    spark: SparkSession,
    lfs: LandingFileSystem,
    contract: SourceContract,
    new: list[LandingFile],
    unreadable: list[tuple[LandingFile, str]],
    pending: list[tuple[Batch, dict[str, int]]],
    run_id: str,
) -> list[Batch]:
    """The new files (not in a pending batch) in batches of at most MAX_FILES_PER_BATCH; unreadable ones apart."""
    claimed = {p.file.path for batch, _ in pending for p in batch.files} | {f.path for batch, _ in pending for f, _ in batch.unreadable}
    planned, unplannable = planned_files(spark, lfs, contract, [f for f in new if f.path not in claimed])
    unreadable = [(f, why) for f, why in unreadable + unplannable if f.path not in claimed]
    now = datetime.now(UTC)
    batches = [
        Batch(contract.source, planned[i : i + MAX_FILES_PER_BATCH], [], run_id, now) for i in range(0, len(planned), MAX_FILES_PER_BATCH)
    ]
    return batches + ([Batch(contract.source, [], unreadable, run_id, now)] if unreadable else [])


def ingest_isolated(spark: SparkSession, contract: SourceContract, batch: Batch, job_run: JobRun) -> list[FileRecord]:
    """Ingest a batch; when its files cannot be read together, ingest them one by one, so one bad file stays alone."""
    try:
        return ingest_batch(spark, contract, batch, job_run)
    except BatchReadError as err:
        if len(batch.files) == 1 and not batch.unreadable:
            alone = Batch(batch.source, [], [(batch.files[0].file, f"file cannot be read: {err}")], batch.batch_id, batch.ingested_at)
            return ingest_batch(spark, contract, alone, job_run)
        singles = [Batch(batch.source, [p], [], batch.batch_id, batch.ingested_at) for p in batch.files]
        if batch.unreadable:
            singles.append(Batch(batch.source, [], batch.unreadable, batch.batch_id, batch.ingested_at))
        return [record for single in singles for record in ingest_isolated(spark, contract, single, job_run)]


def ingest_batch(
    spark: SparkSession, contract: SourceContract, batch: Batch, job_run: JobRun, committed: dict[str, int] | None = None
) -> list[FileRecord]:
    """Read a batch once to classify, then write its bad rows and its good rows (each at most once per batch)."""
    started, started_at = time.monotonic(), datetime.now(UTC)
    reader = BatchReader(spark, contract, batch)
    try:
        with _timed(job_run, "scan"):
            stats = reader.scan()
    except Exception as err:  # nothing is written yet: the caller retries the files one by one
        raise BatchReadError(root_cause(err)) from err
    records = [reader.record(p, stats.get(p.file.path, FileStats()), batch.batch_id) for p in batch.files]
    records += [FileRecord.for_file(f, QUARANTINED_FILE, batch.batch_id, file_reason=why) for f, why in batch.unreadable]
    expected = {
        QUARANTINE_TABLE: sum(r.rows_quarantined for r in records) + len(batch.unreadable),
        f"bronze.{contract.source}": sum(r.rows_loaded for r in records),
    }
    committed = dict(committed or {})
    by_line = sum(len(s.bad) for s in stats.values()) <= MAX_LISTED_BAD_LINES
    bronze_table = f"bronze.{contract.source}"
    # bronze.<source> first, even with no rows: its history is where the next run looks for an unrecorded batch.
    if bronze_table not in committed:
        with _timed(job_run, "write bronze"):
            try:
                committed[bronze_table] = append_once(
                    spark, reader.bronze_rows(stats, by_line), bronze_table, bronze_comments(contract), batch
                )
            except Exception as err:  # nothing committed: the caller retries the files one by one
                if batch.app_id in ingest_commits(spark, bronze_table, limit=10):
                    raise
                raise BatchReadError(root_cause(err)) from err
    if expected[QUARANTINE_TABLE] and QUARANTINE_TABLE not in committed:
        with _timed(job_run, "write quarantine"):
            committed[QUARANTINE_TABLE] = append_once(
                spark, reader.quarantine_rows(stats, by_line), QUARANTINE_TABLE, QUARANTINE_COMMENTS, batch
            )
    for table, rows in expected.items():
        if committed.get(table, 0) != rows:
            raise IngestBalanceError(
                f"batch {batch.app_id} of {batch.source}: expected {rows} rows in {table} but the commit wrote {committed.get(table, 0)}"
            )
        job_run.wrote(table, rows)
    ended_at, seconds = datetime.now(UTC), round(time.monotonic() - started, 3)
    for record in records:
        job_run.read(f"{record.source}:{record.delivery}/{record.file}", record.rows_read)
        record.started_at, record.ended_at, record.seconds = started_at, ended_at, seconds
    return records


@contextmanager
def _timed(job_run: JobRun, phase: str) -> Iterator[None]:
    started = time.monotonic()
    try:
        yield
    finally:
        job_run.timed(phase, time.monotonic() - started)


@contextmanager
def _read_settings(spark: SparkSession) -> Iterator[None]:
    """Set the read settings ingest needs for its duration, then restore what the session had."""
    before = {key: spark.conf.get(key, None) for key in READ_SETTINGS}
    for key, value in READ_SETTINGS.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, value)
