"""What ingest has done: ops.ingest_files rows (one per landing file or folder) and the batches its Delta
commits carry in their userMetadata, so a run killed half-way is finished by the next one."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.landing import LandingFileSystem, planned_files
from jobs.tables import append_rows, recover_location, table_exists
from transforms.contracts import SourceContract
from transforms.landing_layout import LandingFile, PlannedFile

FILES_TABLE = "ops.ingest_files"
QUARANTINE_TABLE = "bronze.quarantine"
LOADED, QUARANTINED_FILE, SKIPPED_DUPLICATE, IGNORED = "loaded", "quarantined_file", "skipped_duplicate", "ignored"

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


def recorded_paths(spark: SparkSession, status: str) -> set[str]:
    if not table_exists(spark, FILES_TABLE):
        return set()
    return {r.path for r in spark.table(FILES_TABLE).where(F.col("status") == status).select("path").collect()}


def record_files(spark: SparkSession, records: list[FileRecord]) -> None:
    if not records:
        return
    if not table_exists(spark, FILES_TABLE):
        recover_location(spark, FILES_TABLE)
    # mergeSchema: an ops.ingest_files written before `missing_columns` existed gains the column.
    append_rows(spark.createDataFrame([r.row() for r in records], FILES_SCHEMA), FILES_TABLE, FILES_COMMENTS, {"mergeSchema": "true"})


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
    planned, unplannable = planned_files(spark, lfs, contract, [by_path[path] for path, _ in metadata["files"]])
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
