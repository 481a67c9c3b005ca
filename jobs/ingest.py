"""Job `ingest`: load new landing deliveries into bronze.<source>, one file at a time, by its source contract.

For each file under <landing>/<source>/<delivery>/ not ingested yet (by SHA-256 of its bytes) the job
reads every physical line (or Parquet record), keeps good rows as delivered in bronze.<source>, puts
bad ones in bronze.quarantine with a reason, and records the file in ops.ingest_files with
rows read = loaded + quarantined — checked against what the Delta commits actually wrote (the job fails
loudly otherwise). Writes carry Delta txnAppId/txnVersion keyed by the file's checksum, so a run
interrupted half-way and started again writes each row exactly once.
"""

from __future__ import annotations

import argparse
import csv
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from collections.abc import Iterator

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.config import AppConfig, ConfigError
from jobs.contracts import SourceContract, load_contracts
from jobs.runs import JobRun
from jobs.tables import ensure_databases, table_exists, with_comments
from transforms import bronze

DESCRIPTION = "Load new landing deliveries into bronze.<source> by their contracts, with quarantine and per-file row accounting"

QUARANTINE_TABLE = "bronze.quarantine"
FILES_TABLE = "ops.ingest_files"
LOADED, QUARANTINED_FILE, SKIPPED_DUPLICATE = "loaded", "quarantined_file", "skipped_duplicate"

# Legacy Java charsets (cp874) and replace-instead-of-fail decoding, only while ingest reads.
READ_SETTINGS = {"spark.sql.legacy.javaCharsets": "true", "spark.sql.legacy.codingErrorAction": "true"}

BRONZE_COMMENTS = {
    "_extra": "Unexpected columns or keys in the delivery (name -> value as text); empty when the file matches its contract",
    "_source_file": "Name of the landing file the row came from (under <landing>/<source>/<delivery>/)",
    "_delivery": "Delivery folder the file came in, e.g. 2018-06-30",
    "_line_number": "Physical 1-based line in the file (CSV header is line 1); for Parquet the 1-based record index",
    "_ingested_at": "When the ingest run loaded the row",
    "_batch_id": "Ingest run id (ops.job_runs.run_id) that loaded the row",
    "_row_hash": "SHA-256 of the row's contract values as delivered (equal records in two deliveries hash equal)",
}

QUARANTINE_COMMENTS = {
    "source": "Source (contract) name",
    "delivery": "Delivery folder of the file",
    "file": "Landing file name",
    "line_number": "Physical 1-based line (Parquet: record index); null when the whole file could not be read",
    "raw_text": "The line as decoded in the declared encoding (invalid bytes shown as U+FFFD); Parquet: the record as JSON",
    "reason_code": "wrong_column_count, bad_encoding, invalid_json, missing_required, truncated_last_line, unreadable_file or missing_required_column",
    "reason": "Why the row was quarantined, in words (names the column or the counts)",
    "batch_id": "Ingest run id that quarantined the row",
    "ingested_at": "When the row was quarantined",
}

FILES_SCHEMA = T.StructType(
    [
        T.StructField("source", T.StringType()),
        T.StructField("delivery", T.StringType()),
        T.StructField("file", T.StringType()),
        T.StructField("path", T.StringType()),
        T.StructField("checksum", T.StringType()),
        T.StructField("size_bytes", T.LongType()),
        T.StructField("modified_at", T.TimestampType()),
        T.StructField("status", T.StringType()),
        T.StructField("duplicate_of", T.StringType()),
        T.StructField("rows_read", T.LongType()),
        T.StructField("rows_loaded", T.LongType()),
        T.StructField("rows_quarantined", T.LongType()),
        T.StructField("quarantined_by_reason", T.MapType(T.StringType(), T.LongType())),
        T.StructField("extra_columns", T.ArrayType(T.StringType())),
        T.StructField("file_reason", T.StringType()),
        T.StructField("batch_id", T.StringType()),
        T.StructField("started_at", T.TimestampType()),
        T.StructField("ended_at", T.TimestampType()),
        T.StructField("seconds", T.DoubleType()),
    ]
)

FILES_COMMENTS = {
    "source": "Source (contract) name",
    "delivery": "Delivery folder",
    "file": "File name within the delivery",
    "path": "Full path or URI of the file",
    "checksum": "SHA-256 of the file's bytes: a file with an already ingested checksum is not loaded again",
    "size_bytes": "File size in bytes",
    "modified_at": "File modification time",
    "status": "loaded (rows loaded, bad ones quarantined), quarantined_file (whole file quarantined) or skipped_duplicate",
    "duplicate_of": "For skipped_duplicate: path of the already ingested file with the same checksum",
    "rows_read": "Data rows read: physical lines after the header, or Parquet records",
    "rows_loaded": "Rows appended to bronze.<source>",
    "rows_quarantined": "Rows put in bronze.quarantine; rows_read = rows_loaded + rows_quarantined always holds",
    "quarantined_by_reason": "Quarantined rows per reason code",
    "extra_columns": "Unexpected columns (schema drift) kept in _extra",
    "file_reason": "Why the whole file was quarantined or skipped (null otherwise)",
    "batch_id": "Ingest run id (ops.job_runs.run_id)",
    "started_at": "When the file's ingestion started",
    "ended_at": "When it ended",
    "seconds": "Wall-clock seconds spent on the file",
}


class IngestBalanceError(RuntimeError):
    """Rows read != rows loaded + rows quarantined for a file: something was lost or duplicated."""


@dataclass(frozen=True)
class LandingFile:
    source: str
    delivery: str
    file: str
    path: str
    checksum: str
    size_bytes: int
    modified_at: datetime
    ends_with_newline: bool


@dataclass
class FileOutcome:
    """What reading one file produced: rows to load, rows to quarantine and what is known about the file."""

    good: DataFrame | None
    bad: DataFrame | None
    rows_read: int
    extra_columns: list[str] = field(default_factory=list)
    file_reason_code: str | None = None
    file_reason: str | None = None
    cached: list[DataFrame] = field(default_factory=list)
    file_row: bool = False  # `bad` is one row standing for a file with no readable rows


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--source",
        action="append",
        default=None,
        metavar="S",
        help="only this source (repeatable); default: every source with a contract in conf/sources/",
    )


def validate(args: argparse.Namespace) -> None:
    try:
        contracts = load_contracts()
    except ConfigError as err:
        raise ValueError(str(err)) from None
    unknown = sorted(set(getattr(args, "source", None) or []) - set(contracts))
    if unknown:
        raise ValueError(f"unknown source(s) {', '.join(unknown)}; known: {', '.join(contracts)}")


def run(spark: SparkSession, config: AppConfig, args: argparse.Namespace, job_run: JobRun) -> None:
    contracts = load_contracts()
    selected = getattr(args, "source", None) or list(contracts)
    landing = config.paths.resolved("landing")
    ensure_databases(spark)
    with _read_settings(spark):
        for name in selected:
            ingest_source(spark, contracts[name], landing, job_run)


def ingest_source(spark: SparkSession, contract: SourceContract, landing: str, job_run: JobRun) -> None:
    """Ingest every new file of one source, oldest delivery first; duplicates by checksum are skipped."""
    files = list_landing_files(spark, landing, contract.source)
    seen_pairs, ingested = _already_recorded(spark, contract.source)
    for landing_file in files:
        if (landing_file.path, landing_file.checksum) in seen_pairs:
            continue
        if landing_file.checksum in ingested:
            _record_file(spark, _skipped_row(landing_file, ingested[landing_file.checksum], job_run.run_id))
            continue
        row = ingest_file(spark, contract, landing_file, job_run)
        _record_file(spark, row)
        ingested[landing_file.checksum] = landing_file.path


def list_landing_files(spark: SparkSession, landing: str, source: str) -> list[LandingFile]:
    """Files under <landing>/<source>/ (any depth; names starting with `.` or `_` skipped, as Spark's file
    sources skip them), with SHA-256 of their bytes streamed in the driver's JVM: a delivery can be larger
    than the 2 GB one Spark binary value (the binaryFile source) can hold, and is never held in memory whole."""
    jvm = spark.sparkContext._jvm
    hadoop_path = jvm.org.apache.hadoop.fs.Path(f"{landing.rstrip('/')}/{source}")
    fs = hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if not fs.exists(hadoop_path):
        return []
    base = fs.makeQualified(hadoop_path).toString().rstrip("/") + "/"
    files = []
    listing = fs.listFiles(hadoop_path, True)
    while listing.hasNext():
        status = listing.next()
        path = status.getPath().toString()
        relative = path[len(base) :] if path.startswith(base) else path.rsplit(f"/{source}/", 1)[-1]
        if any(part.startswith((".", "_")) for part in relative.split("/")):
            continue
        delivery, _, name = relative.partition("/")
        files.append(
            LandingFile(
                source=source,
                delivery=delivery if name else "",
                file=name or delivery,
                path=path,
                checksum=_sha256(jvm, fs, status.getPath()),
                size_bytes=status.getLen(),
                modified_at=datetime.fromtimestamp(status.getModificationTime() / 1000),
                ends_with_newline=_ends_with_newline(fs, status),
            )
        )
    return sorted(files, key=lambda f: (f.delivery, f.file))


def _sha256(jvm, fs, path) -> str:
    stream = fs.open(path)
    try:
        return jvm.org.apache.commons.codec.digest.DigestUtils.sha256Hex(stream)
    finally:
        stream.close()


def _ends_with_newline(fs, status) -> bool:
    if status.getLen() == 0:
        return False
    stream = fs.open(status.getPath())
    try:
        stream.seek(status.getLen() - 1)
        return stream.read() in (ord("\n"), ord("\r"))
    finally:
        stream.close()


def ingest_file(spark: SparkSession, contract: SourceContract, landing_file: LandingFile, job_run: JobRun) -> tuple:
    """Read, classify and write one file; return its ops.ingest_files row. Raises IngestBalanceError."""
    started_at, started = datetime.now(timezone.utc), time.monotonic()
    ingested_at = started_at
    readers = {"csv": read_csv_file, "jsonl": read_jsonl_file, "parquet": read_parquet_file}
    outcome = readers[contract.format](spark, contract, landing_file)
    try:
        loaded, by_reason = _counts(outcome)
        quarantined = sum(by_reason.values())
        if outcome.rows_read != loaded + quarantined:
            raise IngestBalanceError(
                f"{landing_file.path}: read {outcome.rows_read} rows but classified {loaded} good + {quarantined} bad"
            )
        app_id = f"tpmap-ingest:{contract.source}:{landing_file.checksum}"
        written_good = written_bad = 0
        if outcome.good is not None:
            good = _bronze_rows(outcome.good, contract, landing_file, job_run.run_id, ingested_at)
            written_good = _append_once(spark, good, f"bronze.{contract.source}", _bronze_comments(contract), app_id, contract.description)
        if outcome.bad is not None:
            bad = _quarantine_rows(outcome.bad, landing_file, job_run.run_id, ingested_at)
            written_bad = _append_once(spark, bad, QUARANTINE_TABLE, QUARANTINE_COMMENTS, app_id, "Rows and files that could not be loaded, with the reason")
        file_rows = 1 if outcome.file_row else 0
        if written_good != loaded or written_bad != quarantined + file_rows:
            raise IngestBalanceError(
                f"{landing_file.path}: read {outcome.rows_read}, expected {loaded} loaded + {quarantined} quarantined, "
                f"but the commits wrote {written_good} to bronze.{contract.source} and {written_bad} to {QUARANTINE_TABLE}"
            )
    finally:
        for df in outcome.cached:
            df.unpersist()
    job_run.read(f"{contract.source}:{landing_file.delivery}/{landing_file.file}", outcome.rows_read)
    job_run.wrote(f"bronze.{contract.source}", loaded)
    job_run.wrote(QUARANTINE_TABLE, quarantined + file_rows)
    status = QUARANTINED_FILE if outcome.file_reason_code else LOADED
    return (
        landing_file.source, landing_file.delivery, landing_file.file, landing_file.path, landing_file.checksum,
        landing_file.size_bytes, landing_file.modified_at, status, None, outcome.rows_read, loaded, quarantined,
        by_reason, sorted(outcome.extra_columns), outcome.file_reason, job_run.run_id, started_at,
        datetime.now(timezone.utc), round(time.monotonic() - started, 3),
    )  # fmt: skip


# --- reading ------------------------------------------------------------------------------------------


def read_lines(spark: SparkSession, contract: SourceContract, path: str) -> DataFrame:
    """Every physical line of one file: `line_number` (1-based), `raw` bytes, `text` decoded (cached)."""
    scanned = spark.read.text(path).select(
        F.col("value").cast("binary").alias("raw"),  # the text source keeps the bytes as read
        F.col("_metadata.file_block_start").alias("_block"),
        F.monotonically_increasing_id().alias("_order"),
    )
    return (
        bronze.with_line_numbers(scanned)
        .transform(bronze.with_decoded_text(contract.java_charset, contract.has_bom))
        .drop("raw")
        .persist()
    )


def read_csv_file(spark: SparkSession, contract: SourceContract, landing_file: LandingFile) -> FileOutcome:
    lines = read_lines(spark, contract, landing_file.path)
    last_line = lines.count()
    if contract.header:
        first = lines.where(F.col("line_number") == 1).select("text").first()
        if first is None:
            return _unreadable(spark, [lines], "empty file: no header line")
        header = [name.strip() for name in next(csv.reader([first.text], delimiter=contract.delimiter, quotechar=contract.quote), [])]
        data = lines.where(F.col("line_number") > 1)
    else:
        header, data = contract.column_names, lines
    rows_read = last_line - (1 if contract.header else 0)
    missing = [c for c in contract.required_columns if c not in header]
    if missing:
        reason = f"required column(s) {', '.join(missing)} missing from the header (found: {', '.join(header)})"
        return _whole_file_quarantined(data, rows_read, reason, [lines])
    position = {name: i for i, name in reversed(list(enumerate(header)))}
    classified = (
        data.transform(bronze.with_csv_fields(len(header), contract.delimiter, contract.quote))
        .transform(
            bronze.with_csv_problems(
                len(header), {c: position[c] for c in contract.required_columns}, last_line, landing_file.ends_with_newline
            )
        )
        .persist()
    )
    extras = [n for i, n in enumerate(header) if n not in contract.column_names and not _is_trailing_unnamed(contract, header, i)]
    good = classified.where(F.col("_reason_code").isNull()).transform(
        bronze.select_csv_columns(contract.column_names, header, contract.trailing_empty_column)
    )
    return FileOutcome(good, _bad_lines(classified), rows_read, extras, cached=[lines, classified])


def read_jsonl_file(spark: SparkSession, contract: SourceContract, landing_file: LandingFile) -> FileOutcome:
    lines = read_lines(spark, contract, landing_file.path)
    last_line = lines.count()
    classified = (
        lines.transform(bronze.with_json_fields)
        .transform(bronze.with_json_problems(contract.required_columns, last_line, landing_file.ends_with_newline))
        .persist()
    )
    good = classified.where(F.col("_reason_code").isNull()).transform(bronze.select_json_columns(contract.column_names))
    extras = [r.key for r in good.select(F.explode(F.map_keys("_extra")).alias("key")).distinct().collect()]
    return FileOutcome(good, _bad_lines(classified), last_line, extras, cached=[lines, classified])


def read_parquet_file(spark: SparkSession, contract: SourceContract, landing_file: LandingFile) -> FileOutcome:
    try:
        records = spark.read.parquet(landing_file.path)
        types = {f.name: f.dataType.simpleString() for f in records.schema.fields}
    except Exception as err:  # any reader failure means the file as a whole cannot be read
        return _unreadable(spark, [], f"not a readable Parquet file: {type(err).__name__}: {str(err)[:300]}")
    missing = [c for c in contract.required_columns if c not in types]
    mistyped = [f"{c.name} is {types[c.name]}, contract says {c.type}" for c in contract.columns if c.name in types and types[c.name] != c.type]
    numbered = bronze.with_line_numbers(
        records.select("*", F.col("_metadata.file_block_start").alias("_block"), F.monotonically_increasing_id().alias("_order"))
    ).persist()
    try:
        rows_read = numbered.count()
    except Exception as err:
        numbered.unpersist()
        return _unreadable(spark, [], f"Parquet data cannot be read: {type(err).__name__}: {str(err)[:300]}")
    raw = numbered.withColumn("text", F.to_json(F.struct(*[F.col(c) for c in types])))
    if missing or mistyped:
        parts = [f"required column(s) {', '.join(missing)} missing"] if missing else []
        reason = "; ".join(parts + mistyped)
        code = bronze.MISSING_REQUIRED_COLUMN if missing else bronze.UNREADABLE_FILE
        return _whole_file_quarantined(raw, rows_read, reason, [numbered], code)
    present = [c if c in types else None for c in contract.column_names]
    absent = {c.name: c.type for c in contract.columns if c.name not in types}
    shaped = raw.select(
        *[F.col(c) for c in present if c], *[F.lit(None).cast(t).alias(n) for n, t in absent.items()], "line_number", "text"
    )
    classified = shaped.transform(bronze.with_record_problems(contract.required_columns)).persist()
    extras = [c for c in types if c not in contract.column_names]
    good = (
        classified.where(F.col("_reason_code").isNull())
        .join(numbered.select("line_number", *extras), on="line_number", how="left")
        .transform(bronze.select_record_columns(contract.column_names, extras))
        if extras
        else classified.where(F.col("_reason_code").isNull()).transform(bronze.select_record_columns(contract.column_names, []))
    )
    return FileOutcome(good, _bad_lines(classified), rows_read, extras, cached=[numbered, classified])


def _is_trailing_unnamed(contract: SourceContract, header: list[str], index: int) -> bool:
    return contract.trailing_empty_column and index == len(header) - 1 and header[index] == ""


def _bad_lines(classified: DataFrame) -> DataFrame:
    return classified.where(F.col("_reason_code").isNotNull()).select(
        "line_number", F.col("text").alias("raw_text"), F.col("_reason_code").alias("reason_code"), F.col("_reason").alias("reason")
    )


def _whole_file_quarantined(data: DataFrame, rows_read: int, reason: str, cached: list[DataFrame], code: str = bronze.MISSING_REQUIRED_COLUMN) -> FileOutcome:
    """Every data row of the file goes to quarantine with the file's reason: nothing is loaded, nothing lost."""
    bad = data.select(
        "line_number", F.col("text").alias("raw_text"), F.lit(code).alias("reason_code"), F.lit(reason).alias("reason")
    )
    return FileOutcome(None, bad, rows_read, file_reason_code=code, file_reason=reason, cached=cached)


def _unreadable(spark: SparkSession, cached: list[DataFrame], reason: str) -> FileOutcome:
    """A file with no readable rows: one quarantine row for the file itself (line_number null)."""
    bad = spark.createDataFrame(
        [(None, None, bronze.UNREADABLE_FILE, reason)], "line_number long, raw_text string, reason_code string, reason string"
    )
    return FileOutcome(None, bad, 0, file_reason_code=bronze.UNREADABLE_FILE, file_reason=reason, cached=cached, file_row=True)


def _counts(outcome: FileOutcome) -> tuple[int, dict[str, int]]:
    """(rows to load, rows to quarantine per reason) — the file-level row of an unreadable file not counted."""
    loaded = outcome.good.count() if outcome.good is not None else 0
    if outcome.bad is None or outcome.file_row:
        return loaded, {}
    return loaded, {r.reason_code: r["count"] for r in outcome.bad.groupBy("reason_code").count().collect()}


# --- writing ------------------------------------------------------------------------------------------


def _bronze_comments(contract: SourceContract) -> dict[str, str]:
    return {**{c.name: c.description for c in contract.columns}, **BRONZE_COMMENTS}


def _bronze_rows(good: DataFrame, contract: SourceContract, landing_file: LandingFile, batch_id: str, ingested_at: datetime) -> DataFrame:
    return good.transform(bronze.with_row_hash(contract.column_names)).select(
        *contract.column_names,
        "_extra",
        F.lit(landing_file.file).alias("_source_file"),
        F.lit(landing_file.delivery).alias("_delivery"),
        F.col("line_number").cast("long").alias("_line_number"),
        F.lit(ingested_at).cast("timestamp").alias("_ingested_at"),
        F.lit(batch_id).alias("_batch_id"),
        "_row_hash",
    )


def _quarantine_rows(bad: DataFrame, landing_file: LandingFile, batch_id: str, ingested_at: datetime) -> DataFrame:
    return bad.select(
        F.lit(landing_file.source).alias("source"),
        F.lit(landing_file.delivery).alias("delivery"),
        F.lit(landing_file.file).alias("file"),
        F.col("line_number").cast("long").alias("line_number"),
        F.col("raw_text").cast("string").alias("raw_text"),
        F.col("reason_code").cast("string").alias("reason_code"),
        F.col("reason").cast("string").alias("reason"),
        F.lit(batch_id).alias("batch_id"),
        F.lit(ingested_at).cast("timestamp").alias("ingested_at"),
    )


def _append_once(spark: SparkSession, df: DataFrame, table: str, comments: dict[str, str], app_id: str, table_comment: str) -> int:
    """Append with a Delta idempotent-write id: a retry of the same file's write is skipped by Delta.

    Returns the rows the (first) commit carrying this id wrote, read from the table history.
    """
    documented = with_comments(df, comments, table)
    if not table_exists(spark, table):
        documented.limit(0).write.format("delta").saveAsTable(table)
        spark.sql(f"COMMENT ON TABLE {table} IS '{table_comment.replace(chr(39), chr(92) + chr(39))}'")
    (
        documented.write.format("delta")
        .mode("append")
        .option("txnAppId", app_id)
        .option("txnVersion", 0)
        .option("userMetadata", app_id)
        .saveAsTable(table)
    )
    return _committed_rows(spark, table, app_id)


def _committed_rows(spark: SparkSession, table: str, app_id: str) -> int:
    commits = (
        spark.sql(f"DESCRIBE HISTORY {table}")
        .where(F.col("userMetadata") == app_id)
        .select(F.col("operationMetrics").getItem("numOutputRows").cast("long").alias("rows"))
        .collect()
    )
    if len(commits) > 1:
        raise IngestBalanceError(f"{table}: {len(commits)} commits for {app_id}; expected one")
    return int(commits[0].rows or 0) if commits else 0


def _already_recorded(spark: SparkSession, source: str) -> tuple[set[tuple[str, str]], dict[str, str]]:
    """(path, checksum) pairs already recorded, and checksum -> path of files already ingested, for one source."""
    if not table_exists(spark, FILES_TABLE):
        return set(), {}
    rows = spark.table(FILES_TABLE).where(F.col("source") == source).select("path", "checksum", "status").collect()
    pairs = {(r.path, r.checksum) for r in rows}
    ingested = {r.checksum: r.path for r in rows if r.status in (LOADED, QUARANTINED_FILE)}
    return pairs, ingested


def _skipped_row(landing_file: LandingFile, original: str, batch_id: str) -> tuple:
    now = datetime.now(timezone.utc)
    return (
        landing_file.source, landing_file.delivery, landing_file.file, landing_file.path, landing_file.checksum,
        landing_file.size_bytes, landing_file.modified_at, SKIPPED_DUPLICATE, original, 0, 0, 0, {}, [],
        f"same content (SHA-256) as {original}, already ingested", batch_id, now, now, 0.0,
    )  # fmt: skip


def _record_file(spark: SparkSession, row: tuple) -> None:
    df = with_comments(spark.createDataFrame([row], FILES_SCHEMA), FILES_COMMENTS, FILES_TABLE)
    df.write.format("delta").mode("append").saveAsTable(FILES_TABLE)


@contextmanager
def _read_settings(spark: SparkSession) -> Iterator[None]:
    """Set the decoding settings ingest needs for its duration, then restore what the session had."""
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
