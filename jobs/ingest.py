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

import csv
import hashlib
import json
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import reduce
from pathlib import Path

from pydantic import Field
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.config import AppConfig, ConfigError
from jobs.contracts import SourceContract, load_contracts
from jobs.options import JobOptions
from jobs.runs import JobRun
from jobs.tables import ensure_databases, recover_location, table_exists, with_comments
from transforms import bronze

DESCRIPTION = "Load new landing deliveries into bronze.<source> by their contracts, with quarantine and per-file row accounting"

QUARANTINE_TABLE = "bronze.quarantine"
FILES_TABLE = "ops.ingest_files"
LOADED, QUARANTINED_FILE, SKIPPED_DUPLICATE, IGNORED = "loaded", "quarantined_file", "skipped_duplicate", "ignored"

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

# Landing files are read through Hadoop's raw local file system: the checksummed one opens a `.<name>.crc`
# beside every file and fails on names that are not valid relative URIs (`a:b.csv`). Other schemes ignore it.
HADOOP_READ_OPTIONS = {"fs.file.impl": "org.apache.hadoop.fs.RawLocalFileSystem", "fs.file.impl.disable.cache": "true"}
# A path with one of these is a Hadoop glob pattern unless globbing is switched off for the read.
GLOB_CHARACTERS = frozenset("{}[]*?\\")

# Files read in one Spark pass; a failing batch is retried file by file.
MAX_FILES_PER_BATCH = 64
# Up to this many bad lines a batch finds them again by line number; above, by classifying every line again.
MAX_LISTED_BAD_LINES = 200_000
HEADER_LIMIT_BYTES = 1 << 20
REASON_LIMIT = 1000

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
    "reason_code": "bad_encoding, nul_byte, truncated_last_line, wrong_column_count, invalid_json, field_too_long, "
    "missing_required, missing_required_column or unreadable_file",
    "reason": "Why the row was quarantined, in words (names the column, the counts, or the root cause of an unreadable file)",
    "batch_id": "Ingest run id that quarantined the row",
    "ingested_at": "When the row was quarantined",
}
QUARANTINE_DESCRIPTION = "Rows and files that could not be loaded, with the reason"
QUARANTINE_SCHEMA = (
    "source string, delivery string, file string, line_number long, raw_text string, reason_code string, "
    "reason string, batch_id string, ingested_at timestamp"
)

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
        T.StructField("missing_columns", T.ArrayType(T.StringType())),
    ]
)

FILES_COMMENTS = {
    "source": "Source (contract) name, or the landing folder's name when no contract names it",
    "delivery": "Delivery folder",
    "file": "File (or folder) name within the delivery",
    "path": "Full path or URI of the file or folder",
    "checksum": "SHA-256 of the file's bytes: a file with an already ingested checksum is not loaded again (null when unread)",
    "size_bytes": "File size in bytes",
    "modified_at": "File modification time",
    "status": "loaded (rows loaded, bad ones quarantined), quarantined_file (the whole file quarantined: its reason "
    "in file_reason), skipped_duplicate, or ignored (not read: hidden name, empty folder, no contract)",
    "duplicate_of": "For skipped_duplicate: path of the already ingested file with the same checksum",
    "rows_read": "Data rows read: physical lines after the header, or Parquet records",
    "rows_loaded": "Rows appended to bronze.<source>",
    "rows_quarantined": "Rows put in bronze.quarantine; rows_read = rows_loaded + rows_quarantined always holds",
    "quarantined_by_reason": "Quarantined rows per reason code",
    "extra_columns": "Unexpected columns (schema drift) kept in _extra",
    "file_reason": "Why the whole file was quarantined, skipped or ignored (for an unreadable file: the root cause)",
    "batch_id": "Ingest run id (ops.job_runs.run_id) that loaded the file",
    "started_at": "When the file's batch started",
    "ended_at": "When the file's batch ended",
    "seconds": "Wall-clock seconds of the batch the file was read in (the files of a batch are read together)",
    "missing_columns": "Contract columns the file does not have (CSV header, Parquet schema, or a JSON key on no line): loaded as null",
}


class IngestBalanceError(RuntimeError):
    """Rows read != rows loaded + rows quarantined for a file, or a commit wrote other counts: rows lost or duplicated."""


# --- what is on the landing zone --------------------------------------------------------------------------


@dataclass(frozen=True)
class LandingFile:
    source: str
    delivery: str
    file: str
    path: str
    size_bytes: int
    modified_at: datetime
    checksum: str | None = None
    ends_with_newline: bool = True


@dataclass
class FileRecord:
    """One ops.ingest_files row."""

    source: str
    delivery: str
    file: str
    path: str
    status: str
    batch_id: str
    checksum: str | None = None
    size_bytes: int | None = None
    modified_at: datetime | None = None
    duplicate_of: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    extra_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    file_reason: str | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    ended_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    seconds: float = 0.0

    @classmethod
    def for_file(cls, landing_file: LandingFile, status: str, batch_id: str, **values) -> FileRecord:
        return cls(
            source=landing_file.source, delivery=landing_file.delivery, file=landing_file.file, path=landing_file.path,
            status=status, batch_id=batch_id, checksum=landing_file.checksum, size_bytes=landing_file.size_bytes,
            modified_at=landing_file.modified_at, **values,
        )  # fmt: skip

    def row(self) -> tuple:
        return tuple(getattr(self, f.name) for f in FILES_SCHEMA.fields)


@dataclass
class Survey:
    """One source's landing folder: readable files, entries only recorded (ignored), entries that failed."""

    files: list[LandingFile] = field(default_factory=list)
    ignored: list[tuple[LandingFile, str]] = field(default_factory=list)
    failed: list[tuple[LandingFile, str]] = field(default_factory=list)


class LandingFileSystem:
    """Driver-side access to landing files through Hadoop (local, HDFS, object stores), names taken literally."""

    def __init__(self, spark: SparkSession):
        self.jvm = spark.sparkContext._jvm
        self.conf = self.jvm.org.apache.hadoop.conf.Configuration(spark.sparkContext._jsc.hadoopConfiguration())
        for key, value in HADOOP_READ_OPTIONS.items():
            self.conf.set(key, value)

    def path(self, text: str):
        return self.jvm.org.apache.hadoop.fs.Path(text)

    def filesystem(self, path):
        return path.getFileSystem(self.conf)

    def codec(self, path):
        """The decompression codec Hadoop (and Spark's file sources) pick by file name, or None."""
        return self.jvm.org.apache.hadoop.io.compress.CompressionCodecFactory(self.conf).getCodec(path)

    def checksum(self, fs, path) -> str:
        """SHA-256 of the bytes, streamed in the JVM (a delivery can be larger than any Python or Spark value)."""
        stream = fs.open(path, 1 << 20)
        try:
            return self.jvm.org.apache.commons.codec.digest.DigestUtils.sha256Hex(stream)
        finally:
            stream.close()

    def ends_with_newline(self, fs, path, size: int) -> bool:
        if size == 0:
            return False
        if self.codec(path) is not None:
            return True  # the last byte of compressed data says nothing about the text's last line
        stream = fs.open(path)
        try:
            stream.seek(size - 1)
            return stream.read() in (ord("\n"), ord("\r"))
        finally:
            stream.close()

    def first_line(self, path_text: str, charset: str) -> str | None:
        """The first line of a (possibly compressed) text file, decoded; None for an empty file."""
        jvm, path = self.jvm, self.path(path_text)
        stream = self.filesystem(path).open(path)
        try:
            codec = self.codec(path)
            decoded = codec.createInputStream(stream) if codec is not None else stream
            bounded = jvm.org.apache.commons.io.input.BoundedInputStream(decoded, HEADER_LIMIT_BYTES)
            reader = jvm.java.io.BufferedReader(jvm.java.io.InputStreamReader(bounded, jvm.java.nio.charset.Charset.forName(charset)))
            return reader.readLine()
        finally:
            stream.close()

    def parquet_schema(self, path_text: str) -> str:
        """The Parquet schema in the file's footer, as text (reading it proves the file is Parquet)."""
        input_file = self.jvm.org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(self.path(path_text), self.conf)
        reader = self.jvm.org.apache.parquet.hadoop.ParquetFileReader.open(input_file)
        try:
            return reader.getFooter().getFileMetaData().getSchema().toString()
        finally:
            reader.close()


def root_cause(err: BaseException) -> str:
    """The innermost Java (or Python) exception as `Class: message` — the cause, not the Py4J/Spark wrapper."""
    throwable = getattr(err, "java_exception", None) or getattr(err, "_origin", None)
    if throwable is not None:
        try:
            while throwable.getCause() is not None and not throwable.getCause().equals(throwable):
                throwable = throwable.getCause()
            message = throwable.getMessage()
            text = f"{throwable.getClass().getName()}: {message}" if message else throwable.getClass().getName()
            return text[:REASON_LIMIT]
        except Exception:  # noqa: BLE001 - the gateway may be gone; fall back to the Python side
            pass
    while err.__cause__ is not None:
        err = err.__cause__
    return f"{type(err).__name__}: {err}"[:REASON_LIMIT]


def survey_source(lfs: LandingFileSystem, landing: str, source: str) -> Survey:
    """Walk <landing>/<source>/ (any depth), one directory listing at a time so one bad folder stops nothing.

    Names starting with `.` or `_` (what Spark's file sources treat as hidden) and empty folders are recorded
    as ignored; a folder that cannot be listed is a failed entry with its root cause. Files are not read here.
    """
    root = lfs.path(f"{landing.rstrip('/')}/{source}")
    fs = lfs.filesystem(root)
    survey = Survey()
    if not fs.exists(root):
        return survey

    def entry(status, parts: list[str]) -> LandingFile:
        delivery, name = (parts[0], "/".join(parts[1:])) if len(parts) > 1 else ("", parts[0])
        modified = datetime.fromtimestamp(status.getModificationTime() / 1000)
        return LandingFile(source, delivery, name, status.getPath().toString(), status.getLen(), modified)

    def walk(folder_status, parts: list[str]) -> None:
        try:
            children = fs.listStatus(folder_status.getPath())
        except Exception as err:  # noqa: BLE001 - any listing failure is this folder's, not the run's
            survey.failed.append((entry(folder_status, parts), f"folder cannot be listed: {root_cause(err)}"))
            return
        if not children and parts:
            survey.ignored.append((entry(folder_status, parts), "empty folder: nothing to load"))
        for status in sorted(children, key=lambda s: s.getPath().getName()):
            name = status.getPath().getName()
            child = [*parts, name]
            kind = "folder" if status.isDirectory() else "file"
            if name.startswith((".", "_")):
                survey.ignored.append((entry(status, child), f"hidden {kind}: names starting with '{name[0]}' are not deliveries"))
            elif status.isDirectory():
                walk(status, child)
            else:
                survey.files.append(entry(status, child))

    walk(fs.getFileStatus(root), [])
    survey.files.sort(key=lambda f: (f.delivery, f.file))
    return survey


def checksummed(lfs: LandingFileSystem, files: list[LandingFile], workers: int) -> tuple[list[LandingFile], list[tuple[LandingFile, str]]]:
    """The files with SHA-256 and final-newline flag (hashed in parallel JVM threads); unreadable ones with the cause."""

    def one(landing_file: LandingFile) -> LandingFile | tuple[LandingFile, str]:
        try:
            path = lfs.path(landing_file.path)
            fs = lfs.filesystem(path)
            return replace(
                landing_file,
                checksum=lfs.checksum(fs, path),
                ends_with_newline=lfs.ends_with_newline(fs, path, landing_file.size_bytes),
            )
        except Exception as err:  # noqa: BLE001 - a file that cannot be opened is quarantined, the run goes on
            return landing_file, f"file cannot be read: {root_cause(err)}"

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = list(pool.map(one, files))
    good = [r for r in results if isinstance(r, LandingFile)]
    return good, [r for r in results if not isinstance(r, LandingFile)]


def list_landing_files(spark: SparkSession, landing: str, source: str) -> list[LandingFile]:
    """The readable files of one source with their checksums (hidden and unreadable ones left out)."""
    lfs = LandingFileSystem(spark)
    files, _ = checksummed(lfs, survey_source(lfs, landing, source).files, spark.sparkContext.defaultParallelism)
    return files


# --- how each file's rows are laid out -------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """How a file's rows are read: CSV header, Parquet schema, or JSON lines; or why none of its rows can load."""

    header: tuple[str, ...] = ()
    parquet_schema: str = ""
    types: tuple[tuple[str, str], ...] = ()  # Parquet: (column, Spark type) as in the file
    whole_file: tuple[str, str] | None = None  # (reason code, reason): every data row goes to quarantine


@dataclass(frozen=True)
class PlannedFile:
    file: LandingFile
    layout: Layout


def plan_file(lfs: LandingFileSystem, contract: SourceContract, landing_file: LandingFile) -> PlannedFile | str:
    """The file's layout, read from its first line or footer; a string (the reason) when the file cannot be read."""
    try:
        if contract.format == "parquet":
            return PlannedFile(landing_file, Layout(parquet_schema=lfs.parquet_schema(landing_file.path)))
        if contract.format == "jsonl" or not contract.header:
            return PlannedFile(landing_file, Layout())
        first = lfs.first_line(landing_file.path, contract.java_charset)
    except Exception as err:  # noqa: BLE001
        what = "not a readable Parquet file" if contract.format == "parquet" else "file cannot be read"
        return f"{what}: {root_cause(err)}"
    if first is None:
        return "empty file: no header line"
    if contract.has_bom:
        first = first.removeprefix(bronze.BYTE_ORDER_MARK)
    header = tuple(name.strip() for name in next(csv.reader([first], delimiter=contract.delimiter, quotechar=contract.quote), []))
    missing = [c for c in contract.required_columns if c not in header]
    if missing:
        reason = f"required column(s) {', '.join(missing)} missing from the header (found: {', '.join(header)})"
        return PlannedFile(landing_file, Layout(header=header, whole_file=(bronze.MISSING_REQUIRED_COLUMN, reason)))
    return PlannedFile(landing_file, Layout(header=header))


# --- batches and what was committed ----------------------------------------------------------------------


@dataclass
class Batch:
    """Files of one source read and committed together; each `unreadable` file adds one quarantine row."""

    source: str
    files: list[PlannedFile]
    unreadable: list[tuple[LandingFile, str]]
    batch_id: str
    ingested_at: datetime
    app_id: str = ""

    def __post_init__(self) -> None:
        if not self.app_id:
            keys = sorted(f"{p.file.path}|{p.file.checksum}" for p in self.files) + sorted(
                f"{f.path}|{f.size_bytes}|{f.modified_at.isoformat()}" for f, _ in self.unreadable
            )
            digest = hashlib.sha256("\n".join(keys).encode("utf-8")).hexdigest()[:32]
            self.app_id = f"tpmap-ingest:{self.source}:{digest}"

    def metadata(self) -> str:
        """The commits' userMetadata: what the next run needs to finish the batch if this one dies first."""
        unreadable = [
            {
                "path": f.path,
                "delivery": f.delivery,
                "file": f.file,
                "size": f.size_bytes,
                "modified": f.modified_at.isoformat(),
                "reason": r,
            }
            for f, r in self.unreadable
        ]
        return json.dumps(
            {
                "tpmap_ingest": self.app_id,
                "source": self.source,
                "batch_id": self.batch_id,
                "ingested_at": self.ingested_at.isoformat(),
                "files": [[p.file.path, p.file.checksum] for p in self.files],
                "unreadable": unreadable,
            },
            ensure_ascii=False,
        )


class BatchReadError(RuntimeError):
    """Reading a batch's files failed before anything was written: retry its files one by one."""


def ingest_commits(spark: SparkSession, table: str, limit: int | None = None) -> dict[str, tuple[int, dict]]:
    """This job's commits to a table, newest first, by txnAppId: (rows written, the batch metadata), from the history."""
    if not table_exists(spark, table):
        return {}
    history = spark.sql(f"DESCRIBE HISTORY {table}" + (f" LIMIT {limit}" if limit else ""))
    rows = (
        history.where(F.col("userMetadata").startswith('{"tpmap_ingest"'))
        .select("version", "userMetadata", F.col("operationMetrics").getItem("numOutputRows").cast("long").alias("rows"))
        .collect()
    )
    commits: dict[str, tuple[int, dict]] = {}
    for row in sorted(rows, key=lambda r: -r.version):
        metadata = json.loads(row.userMetadata)
        app_id = metadata["tpmap_ingest"]
        if app_id in commits:
            raise IngestBalanceError(f"{table}: more than one commit for {app_id}")
        commits[app_id] = (int(row.rows or 0), metadata)
    return commits


# --- the job ---------------------------------------------------------------------------------------------


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
    recorded = _recorded_paths(spark, IGNORED)
    records = []
    for status in lfs.filesystem(root).listStatus(root):
        name, path = status.getPath().getName(), status.getPath().toString()
        if name in sources or path in recorded:
            continue
        why = "hidden name" if name.startswith((".", "_")) else f"no contract conf/sources/{name}.yaml"
        entry = LandingFile(name, "", name, path, status.getLen(), datetime.fromtimestamp(status.getModificationTime() / 1000))
        records.append(FileRecord.for_file(entry, IGNORED, job_run.run_id, file_reason=f"not a source folder: {why}"))
    _record_files(spark, records)


def ingest_source(spark: SparkSession, contract: SourceContract, landing: str, job_run: JobRun) -> None:
    """Ingest every new file of one source, oldest delivery first; duplicates by checksum are skipped."""
    lfs = LandingFileSystem(spark)
    with _timed(job_run, "survey"):
        ensure_tables(spark, contract)
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
            _record_files(spark, [*notes, *records])
        notes = []
    _record_files(spark, notes)


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
    planned, unplannable = _planned(spark, lfs, contract, [f for f in new if f.path not in claimed])
    unreadable = [(f, why) for f, why in unreadable + unplannable if f.path not in claimed]
    now = datetime.now(UTC)
    batches = [
        Batch(contract.source, planned[i : i + MAX_FILES_PER_BATCH], [], run_id, now) for i in range(0, len(planned), MAX_FILES_PER_BATCH)
    ]
    return batches + ([Batch(contract.source, [], unreadable, run_id, now)] if unreadable else [])


def _planned(
    spark: SparkSession, lfs: LandingFileSystem, contract: SourceContract, files: list[LandingFile]
) -> tuple[list[PlannedFile], list[tuple[LandingFile, str]]]:
    planned, unreadable = [], []
    for landing_file in files:
        result = plan_file(lfs, contract, landing_file)
        if isinstance(result, PlannedFile):
            planned.append(result)
        else:
            unreadable.append((landing_file, result))
    if contract.format == "parquet":
        planned, failed = _typed_parquet(spark, contract, planned)
        unreadable += failed
    return planned, unreadable


def _typed_parquet(
    spark: SparkSession, contract: SourceContract, planned: list[PlannedFile]
) -> tuple[list[PlannedFile], list[tuple[LandingFile, str]]]:
    """Spark's column types for each distinct Parquet schema (read once per schema), checked against the contract."""
    layouts: dict[str, Layout] = {}
    typed, failed = [], []
    for p in planned:
        if p.layout.parquet_schema not in layouts:
            try:
                schema = _read_files(spark, "parquet", [p.file.path], lambda df: df).schema
            except Exception as err:  # noqa: BLE001 - this file's problem; another with the same schema may read
                failed.append((p.file, f"not a readable Parquet file: {root_cause(err)}"))
                continue
            layouts[p.layout.parquet_schema] = _parquet_layout(
                contract, p.layout, {f.name: f.dataType.simpleString() for f in schema.fields}
            )
        typed.append(replace(p, layout=layouts[p.layout.parquet_schema]))
    return typed, failed


def _parquet_layout(contract: SourceContract, layout: Layout, types: dict[str, str]) -> Layout:
    missing = [c for c in contract.required_columns if c not in types]
    mistyped = [
        f"{c.name} is {types[c.name]}, contract says {c.type}" for c in contract.columns if c.name in types and types[c.name] != c.type
    ]
    whole_file = None
    if missing or mistyped:
        parts = [f"required column(s) {', '.join(missing)} missing"] if missing else []
        whole_file = (bronze.MISSING_REQUIRED_COLUMN if missing else bronze.UNREADABLE_FILE, "; ".join(parts + mistyped))
    return replace(layout, types=tuple(types.items()), whole_file=whole_file)


@dataclass
class RecordedFiles:
    """What ops.ingest_files already says about one source's files."""

    pairs: set[tuple[str, str]] = field(default_factory=set)
    ingested: dict[str, str] = field(default_factory=dict)
    known: dict[str, tuple[int, datetime]] = field(default_factory=dict)
    ignored: set[str] = field(default_factory=set)
    batches: set[tuple[str, str]] = field(default_factory=set)  # (path, batch_id)

    @classmethod
    def load(cls, spark: SparkSession, source: str) -> RecordedFiles:
        recorded = cls()
        if not table_exists(spark, FILES_TABLE):
            return recorded
        rows = (
            spark.table(FILES_TABLE)
            .where(F.col("source") == source)
            .select("path", "checksum", "status", "size_bytes", "modified_at", "batch_id")
            .collect()
        )
        for r in rows:
            recorded.batches.add((r.path, r.batch_id))
            if r.status == IGNORED:
                recorded.ignored.add(r.path)
            elif r.checksum is not None:
                recorded.pairs.add((r.path, r.checksum))
                recorded.known[r.path] = (r.size_bytes, r.modified_at)
                if r.status in (LOADED, QUARANTINED_FILE):
                    recorded.ingested[r.checksum] = r.path
        return recorded

    def unchanged(self, landing_file: LandingFile) -> bool:
        """Recorded with a checksum, same size and modification time: not read (nor hashed) again."""
        return self.known.get(landing_file.path) == (landing_file.size_bytes, landing_file.modified_at)


def pending_batches(
    spark: SparkSession, lfs: LandingFileSystem, contract: SourceContract, recorded: RecordedFiles, new: list[LandingFile]
) -> list[tuple[Batch, dict[str, int]]]:
    """The batch an earlier run committed but did not record in ops.ingest_files, with its commits (rows per table).

    Every batch commits to bronze.<source> first (even with no rows) and the next run finishes an unrecorded
    batch before it writes anything else, so only the source's latest ingest commit can be unrecorded.
    """
    bronze_table = f"bronze.{contract.source}"
    if not new:
        return []  # an unrecorded batch's files are unrecorded, so they would be new
    latest = next(iter(ingest_commits(spark, bronze_table, limit=10).items()), None)
    if latest is None:
        return []
    app_id, (rows, metadata) = latest
    paths = [path for path, _ in metadata["files"]] + [u["path"] for u in metadata["unreadable"]]
    if all((path, metadata["batch_id"]) in recorded.batches for path in paths):
        return []
    by_path = {f.path: f for f in new}
    changed = [path for path, checksum in metadata["files"] if path not in by_path or by_path[path].checksum != checksum]
    if changed:
        raise IngestBalanceError(
            f"batch {app_id} was committed by an earlier run but not recorded, and its file(s) changed since: "
            f"{', '.join(changed[:5])}; put them back as they were to finish the batch"
        )
    planned, unplannable = _planned(spark, lfs, contract, [by_path[path] for path, _ in metadata["files"]])
    if unplannable:
        raise IngestBalanceError(f"batch {app_id}: {unplannable[0][0].path} can no longer be read: {unplannable[0][1]}")
    unreadable = [
        (LandingFile(contract.source, u["delivery"], u["file"], u["path"], u["size"], datetime.fromisoformat(u["modified"])), u["reason"])
        for u in metadata["unreadable"]
    ]
    batch = Batch(contract.source, planned, unreadable, metadata["batch_id"], datetime.fromisoformat(metadata["ingested_at"]), app_id)
    committed = {bronze_table: rows}
    quarantined = ingest_commits(spark, QUARANTINE_TABLE).get(app_id)
    if quarantined is not None:
        committed[QUARANTINE_TABLE] = quarantined[0]
    return [(batch, committed)]


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
                committed[bronze_table] = _append_once(
                    spark, reader.bronze_rows(stats, by_line), bronze_table, _bronze_comments(contract), batch
                )
            except Exception as err:  # nothing committed: the caller retries the files one by one
                if batch.app_id in ingest_commits(spark, bronze_table, limit=10):
                    raise
                raise BatchReadError(root_cause(err)) from err
    if expected[QUARANTINE_TABLE] and QUARANTINE_TABLE not in committed:
        with _timed(job_run, "write quarantine"):
            committed[QUARANTINE_TABLE] = _append_once(
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


# --- reading a batch -------------------------------------------------------------------------------------


@dataclass
class FileStats:
    """What pass 1 saw in one file: data rows, bad lines, the lines before each split, keys present (JSON)."""

    rows: int = 0
    bad: dict[int, str] = field(default_factory=dict)  # line number -> reason code
    bad_keys: list[tuple[int, int]] = field(default_factory=list)  # (split start, index in split) of bad lines
    offsets: dict[int, int] = field(default_factory=dict)  # split start -> lines before it
    key_mask: int = 0
    extra_keys: set[str] = field(default_factory=set)
    spark_path: str = ""
    cut_line: int | None = None  # the last line, when the file has no final newline


class BatchReader:
    """The Spark side of one batch: files grouped by layout, each split of a file a partition of its own.

    A line is known by (file, split start, index in split) in every pass; pass 1 counts lines per split,
    from which the driver derives each split's first line number for the later passes.
    """

    def __init__(self, spark: SparkSession, contract: SourceContract, batch: Batch):
        self.spark, self.contract, self.batch = spark, contract, batch
        self.groups: dict[Layout, list[PlannedFile]] = {}
        for planned in batch.files:
            self.groups.setdefault(planned.layout, []).append(planned)
        self.header_lines = 1 if contract.format == "csv" and contract.header else 0

    # pass 1 ---------------------------------------------------------------------------------------------

    def scan(self) -> dict[str, FileStats]:
        """Classify every line of every file; per file (by landing path): rows, bad lines, split offsets, keys seen."""
        if not self.groups:
            return {}
        parts = []
        for layout, files in self.groups.items():
            lines = self._decoded(layout, self._lines(files))
            classified = lines if layout.whole_file else self._classify(layout, lines, None)
            parts.append(classified.select(*self._pass1_columns(layout)))
        empty_keys = F.array().cast("array<string>")
        per_split = (
            reduce(DataFrame.unionByName, parts)
            .groupBy("file_path", "_block")
            .agg(
                F.count(F.lit(1)).alias("rows"),
                F.collect_list(F.when(F.col("listed"), F.struct("_index", "code"))).alias("bad"),
                F.max_by(F.struct("_index", "code"), F.col("_index")).alias("last"),
                F.bit_or("key_mask").alias("key_mask"),
                F.collect_set(F.coalesce("extra_keys", empty_keys)).alias("extra_keys"),
            )
            .collect()
        )
        by_uri = {self._uri_path(p.file.path): p.file for p in self.batch.files}
        splits: dict[str, list] = {}
        for row in per_split:
            splits.setdefault(row.file_path, []).append(row)
        return dict(self._file_stats(by_uri[self._uri_path(path, spark_form=True)], path, rows) for path, rows in splits.items())

    def _file_stats(self, landing_file: LandingFile, spark_path: str, splits: list) -> tuple[str, FileStats]:
        offsets = bronze.split_offsets({r._block: r.rows for r in splits}, self.header_lines)
        stats = FileStats(rows=sum(r.rows for r in splits), offsets=offsets, spark_path=spark_path)
        for r in splits:
            for b in r.bad:
                stats.bad[offsets[r._block] + b._index + 1] = b.code
                stats.bad_keys.append((r._block, b._index))
            stats.key_mask |= r.key_mask or 0
            stats.extra_keys.update(key for keys in r.extra_keys for key in keys)
        last = max(splits, key=lambda r: r._block)["last"]
        if not landing_file.ends_with_newline:
            stats.cut_line = offsets[max(offsets)] + last._index + 1
            if stats.bad.get(stats.cut_line) in bronze.TRUNCATABLE:
                stats.bad[stats.cut_line] = bronze.TRUNCATED_LAST_LINE
        return landing_file.path, stats

    def _pass1_columns(self, layout: Layout) -> list[Column]:
        code = F.lit(layout.whole_file[0]) if layout.whole_file else F.col("_reason_code")
        json_rows = self.contract.format == "jsonl" and not layout.whole_file
        good = F.col("_reason_code").isNull() if json_rows else F.lit(False)
        return [
            "file_path",
            "_block",
            "_index",
            code.alias("code"),
            (F.lit(False) if layout.whole_file else code.isNotNull()).alias("listed"),
            (F.when(good, bronze.json_key_mask(self.contract.column_names)) if json_rows else F.lit(None)).cast("long").alias("key_mask"),
            (F.when(good, bronze.json_extra_keys(self.contract.column_names)) if json_rows else F.lit(None))
            .cast("array<string>")
            .alias("extra_keys"),
        ]

    # pass 2 and 3 -----------------------------------------------------------------------------------------

    def quarantine_rows(self, stats: dict[str, FileStats], by_line: bool) -> DataFrame:
        """Bad lines (found again by their place, or by classifying again) and one row per unreadable file."""
        parts = []
        for layout, files in self.groups.items():
            # Only files with bad lines are read again.
            files = [p for p in files if layout.whole_file or stats.get(p.file.path, FileStats()).bad]
            if not files:
                continue
            lines = self._lines(files)
            if by_line and not layout.whole_file:
                lines = lines.join(F.broadcast(self._bad_lines(stats)), on=["file_path", "_block", "_index"], how="left_semi")
            numbered = self._decoded(layout, self._numbered(lines, stats))
            if layout.whole_file:
                code, reason = layout.whole_file
                parts.append(numbered.withColumn("_reason_code", F.lit(code)).withColumn("_reason", F.lit(reason)))
                continue
            cut = F.coalesce(F.col("line_number") == F.col("_cut_line"), F.lit(False))
            parts.append(self._classify(layout, numbered, cut).where(F.col("_reason_code").isNotNull()))
        columns = ["_delivery", "_source_file", "line_number", "text", "_reason_code", "_reason"]
        rows = [part.select(*columns) for part in parts]
        if self.batch.unreadable:
            whole = [(f.delivery, f.file, None, None, bronze.UNREADABLE_FILE, why) for f, why in self.batch.unreadable]
            schema = "_delivery string, _source_file string, line_number long, text string, _reason_code string, _reason string"
            rows.append(self.spark.createDataFrame(whole, schema))
        return reduce(DataFrame.unionByName, rows).select(
            F.lit(self.batch.source).alias("source"),
            F.col("_delivery").alias("delivery"),
            F.col("_source_file").alias("file"),
            F.col("line_number").cast("long"),
            F.col("text").alias("raw_text"),
            F.col("_reason_code").alias("reason_code"),
            F.col("_reason").alias("reason"),
            F.lit(self.batch.batch_id).alias("batch_id"),
            F.lit(self.batch.ingested_at).cast("timestamp").alias("ingested_at"),
        )

    def bronze_rows(self, stats: dict[str, FileStats], by_line: bool) -> DataFrame:
        """Every line of the batch that pass 1 did not find bad, in the contract's columns."""
        contract, parts = self.contract, []
        for layout, files in self.groups.items():
            if layout.whole_file:
                continue
            lines = self._lines(files)
            if by_line:
                good = lines.join(F.broadcast(self._bad_lines(stats)), on=["file_path", "_block", "_index"], how="left_anti")
                good = self._decoded(layout, self._numbered(good, stats))
            else:
                good = self._classify(layout, self._decoded(layout, self._numbered(lines, stats)), None).where(
                    F.col("_reason_code").isNull()
                )
            parts.append(self._contract_columns(layout, good))
        if not parts:
            return self.spark.createDataFrame([], bronze_schema(contract))
        return (
            reduce(DataFrame.unionByName, parts)
            .transform(bronze.with_row_hash(contract.column_names))
            .select(
                *contract.column_names,
                "_extra",
                "_source_file",
                "_delivery",
                F.col("line_number").cast("long").alias("_line_number"),
                F.lit(self.batch.ingested_at).cast("timestamp").alias("_ingested_at"),
                F.lit(self.batch.batch_id).alias("_batch_id"),
                "_row_hash",
            )
        )

    # reading --------------------------------------------------------------------------------------------

    def _lines(self, files: list[PlannedFile]) -> DataFrame:
        """file_path, _block (split start), _index (in split) and the raw `value` of every data line; Parquet:
        the record's columns (split 0, index = the file's record index)."""
        paths = [p.file.path for p in files]
        if self.contract.format == "parquet":
            return _read_files(self.spark, "parquet", paths, lambda df: df.select(
                "*", F.col("_metadata.file_path").alias("file_path"), F.lit(0).cast("long").alias("_block"),
                F.col("_metadata.row_index").alias("_index"),
            ))  # fmt: skip
        lines = _read_files(self.spark, "text", paths, lambda df: df.select(
            F.col("_metadata.file_path").alias("file_path"), F.col("_metadata.file_block_start").alias("_block"),
            "value", F.monotonically_increasing_id().alias("_order"),
        )).transform(bronze.with_split_index())  # fmt: skip
        if self.header_lines:
            return lines.where((F.col("_block") != 0) | (F.col("_index") != 0))
        return lines

    def _decoded(self, layout: Layout, lines: DataFrame) -> DataFrame:
        """`text`: the decoded line (Parquet: the record as JSON, for quarantine rows)."""
        if self.contract.format == "parquet":
            return lines.withColumn("text", F.to_json(F.struct(*[F.col(f"`{name}`") for name, _ in layout.types])))
        first = (F.col("_block") == 0) & (F.col("_index") == 0)
        return lines.transform(bronze.with_decoded_text(self.contract.java_charset, self.contract.has_bom, first))

    def _numbered(self, lines: DataFrame, stats: dict[str, FileStats]) -> DataFrame:
        """Lines with `line_number`, `_delivery`, `_source_file` and `_cut_line` of their file (a broadcast join)."""
        return lines.join(F.broadcast(self._split_table(stats)), on=["file_path", "_block"], how="inner").transform(
            bronze.with_line_numbers
        )

    def _classify(self, layout: Layout, lines: DataFrame, cut: Column | None) -> DataFrame:
        contract = self.contract
        limits = contract.field_limits
        if contract.format == "csv":
            header = list(layout.header) if contract.header else contract.column_names
            position = {name: i for i, name in reversed(list(enumerate(header)))}
            field_limits = {name: (i, limits.get(name, contract.max_field_chars)) for name, i in position.items()}
            required = {c: position[c] for c in contract.required_columns}
            return lines.transform(bronze.with_csv_fields(len(header), contract.delimiter, contract.quote)).transform(
                bronze.with_csv_problems(len(header), required, field_limits, cut, contract.delimiter, contract.quote)
            )
        if contract.format == "jsonl":
            return lines.transform(bronze.with_json_fields).transform(
                bronze.with_json_problems(contract.required_columns, limits, contract.max_field_chars, cut)
            )
        strings = {name: limits.get(name, contract.max_field_chars) for name, kind in layout.types if kind == "string"}
        return lines.transform(bronze.with_record_problems(contract.required_columns, strings))

    def _contract_columns(self, layout: Layout, good: DataFrame) -> DataFrame:
        contract, keep = self.contract, ("line_number", "_delivery", "_source_file")
        if contract.format == "csv":
            header = list(layout.header) if contract.header else contract.column_names
            return good.transform(bronze.with_csv_fields(len(header), contract.delimiter, contract.quote)).transform(
                bronze.select_csv_columns(contract.column_names, header, contract.trailing_empty_column, keep)
            )
        if contract.format == "jsonl":
            return good.transform(bronze.with_json_fields).transform(bronze.select_json_columns(contract.column_names, keep))
        types = dict(layout.types)
        absent = [F.lit(None).cast(c.type).alias(c.name) for c in contract.columns if c.name not in types]
        extras = [c for c in types if c not in contract.column_names]
        return good.select("*", *absent).transform(bronze.select_record_columns(contract.column_names, extras, keep))

    # per file -----------------------------------------------------------------------------------------------

    def record(self, planned: PlannedFile, stats: FileStats, batch_id: str) -> FileRecord:
        """The ops.ingest_files row of one read file."""
        contract, layout = self.contract, planned.layout
        if layout.whole_file:
            code, reason = layout.whole_file
            return FileRecord.for_file(
                planned.file, QUARANTINED_FILE, batch_id, rows_read=stats.rows, rows_quarantined=stats.rows,
                quarantined_by_reason={code: stats.rows} if stats.rows else {}, file_reason=reason,
                missing_columns=[c for c in contract.column_names if c not in (layout.header or dict(layout.types))],
            )  # fmt: skip
        by_reason: dict[str, int] = {}
        for code in stats.bad.values():
            by_reason[code] = by_reason.get(code, 0) + 1
        if contract.format == "csv":
            present = list(layout.header) if contract.header else contract.column_names
            extras = [n for i, n in enumerate(present) if n not in contract.column_names and not _is_trailing_unnamed(contract, present, i)]
        elif contract.format == "jsonl":
            loaded = stats.rows - len(stats.bad)
            present = [c for i, c in enumerate(contract.column_names) if stats.key_mask >> i & 1 or not loaded]
            extras = sorted(stats.extra_keys)
        else:
            present = [name for name, _ in layout.types]
            extras = [c for c in present if c not in contract.column_names]
        return FileRecord.for_file(
            planned.file, LOADED, batch_id, rows_read=stats.rows, rows_loaded=stats.rows - len(stats.bad),
            rows_quarantined=len(stats.bad), quarantined_by_reason=by_reason, extra_columns=sorted(extras),
            missing_columns=[c for c in contract.column_names if c not in present],
        )  # fmt: skip

    def _split_table(self, stats: dict[str, FileStats]) -> DataFrame:
        """(file_path as Spark names it, split start) -> lines before the split, delivery, file name, cut-off line."""
        by_path = {p.file.path: p.file for p in self.batch.files}
        rows = [
            (s.spark_path, start, offset, by_path[path].delivery, by_path[path].file, s.cut_line)
            for path, s in stats.items()
            for start, offset in s.offsets.items()
        ]
        schema = "file_path string, _block long, _offset long, _delivery string, _source_file string, _cut_line long"
        return self.spark.createDataFrame(rows, schema)

    def _bad_lines(self, stats: dict[str, FileStats]) -> DataFrame:
        rows = [(s.spark_path, block, index) for s in stats.values() for block, index in s.bad_keys]
        return self.spark.createDataFrame(rows, "file_path string, _block long, _index long")

    def _uri_path(self, path: str, spark_form: bool = False) -> str:
        """The decoded path part of a landing path or of Spark's (URL-encoded) _metadata.file_path."""
        jvm = self.spark.sparkContext._jvm
        uri = jvm.java.net.URI(path) if spark_form else jvm.org.apache.hadoop.fs.Path(path).toUri()
        return uri.getPath()


def _read_files(spark: SparkSession, fmt: str, paths: list[str], at_scan) -> DataFrame:
    """Read files by their literal names (no glob, no URI surprises); `at_scan` projects right at each scan.

    Plain paths are read in one scan. A path with glob characters is read in a scan of its own with
    globbing off: Spark lists every path of a read again per glob path when globbing is off (each file
    would be read several times).
    """
    plain = [p for p in paths if not GLOB_CHARACTERS & set(p)]
    reads = [(plain, {})] if plain else []
    reads += [([p], {"__globPaths__": "false"}) for p in paths if GLOB_CHARACTERS & set(p)]
    scans = [at_scan(spark.read.format(fmt).options(**HADOOP_READ_OPTIONS, **options).load(group)) for group, options in reads]
    return reduce(DataFrame.unionByName, scans)


def _is_trailing_unnamed(contract: SourceContract, header: list[str], index: int) -> bool:
    return contract.trailing_empty_column and index == len(header) - 1 and header[index] == ""


# --- writing ---------------------------------------------------------------------------------------------


def _bronze_comments(contract: SourceContract) -> dict[str, str]:
    return {**{c.name: c.description for c in contract.columns}, **BRONZE_COMMENTS}


def bronze_schema(contract: SourceContract) -> str:
    typed = contract.format == "parquet"
    columns = ", ".join(f"`{c.name}` {c.type if typed else 'string'}" for c in contract.columns)
    return (
        f"{columns}, _extra map<string,string>, _source_file string, _delivery string, _line_number long, "
        "_ingested_at timestamp, _batch_id string, _row_hash string"
    )


def ensure_tables(spark: SparkSession, contract: SourceContract) -> None:
    """bronze.<source> and bronze.quarantine exist (empty at first) with their comments, written or not."""
    # File statistics only on where rows came from: nothing filters bronze by its data columns, and statistics
    # on every string column cost a fifth of the write.
    where_from = {"delta.dataSkippingStatsColumns": ",".join(c for c in BRONZE_COMMENTS if c not in ("_extra", "_row_hash"))}
    tables = [
        (f"bronze.{contract.source}", bronze_schema(contract), _bronze_comments(contract), contract.description, where_from),
        (QUARANTINE_TABLE, QUARANTINE_SCHEMA, QUARANTINE_COMMENTS, QUARANTINE_DESCRIPTION, {}),
    ]
    for table, schema, comments, description, properties in tables:
        if table_exists(spark, table) or recover_location(spark, table):
            continue
        fields = with_comments(spark.createDataFrame([], schema), comments, table).schema.fields
        columns = ", ".join(f"`{f.name}` {f.dataType.simpleString()} COMMENT '{_sql_text(comments[f.name])}'" for f in fields)
        settings = ", ".join(f"'{key}' = '{_sql_text(value)}'" for key, value in properties.items())
        spark.sql(
            f"CREATE TABLE IF NOT EXISTS {table} ({columns}) USING delta COMMENT '{_sql_text(description)}'"
            + (f" TBLPROPERTIES ({settings})" if settings else "")
        )


def _sql_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


def _append_once(spark: SparkSession, df: DataFrame, table: str, comments: dict[str, str], batch: Batch) -> int:
    """Append with a Delta idempotent-write id (a retry of the batch's write is skipped by Delta); the rows it wrote."""
    documented = with_comments(df, comments, table)
    (
        documented.write.format("delta")
        .mode("append")
        .option("txnAppId", batch.app_id)
        .option("txnVersion", 0)
        .option("userMetadata", batch.metadata())
        .saveAsTable(table)
    )
    commits = ingest_commits(spark, table, limit=5)
    if batch.app_id not in commits:
        commits = ingest_commits(spark, table)
    return commits[batch.app_id][0] if batch.app_id in commits else 0


def _recorded_paths(spark: SparkSession, status: str) -> set[str]:
    if not table_exists(spark, FILES_TABLE):
        return set()
    return {r.path for r in spark.table(FILES_TABLE).where(F.col("status") == status).select("path").collect()}


def _record_files(spark: SparkSession, records: list[FileRecord]) -> None:
    if not records:
        return
    df = with_comments(spark.createDataFrame([r.row() for r in records], FILES_SCHEMA), FILES_COMMENTS, FILES_TABLE)
    if not table_exists(spark, FILES_TABLE):
        recover_location(spark, FILES_TABLE)
    # mergeSchema: an ops.ingest_files written before `missing_columns` existed gains the column.
    df.write.format("delta").mode("append").option("mergeSchema", "true").saveAsTable(FILES_TABLE)


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
