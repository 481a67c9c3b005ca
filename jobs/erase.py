"""Job `erase`: PDPA erasure of a person, everywhere the lakehouse holds their data.

    python -m jobs erase --pid 3300100123456 --reason "PDPA s.33 request 2026-117"
    python -m jobs erase --file requests.csv            # header pid,reason; one request per line

For each requested citizen ID the job finds the person (silver.person) and every record linked to them
(silver.person_xref), plus any record that carries the ID itself, and removes them:

- bronze.<source>: the delivered rows of those records (a BMN household keeps its row, without the
  member in its member list); a child-grant record that names the person as mother keeps the child,
  without the mother's ID and name;
- bronze.quarantine: raw lines that hold the ID or the person's given name and surname;
- silver.<source>, silver.link_pairs, silver.person, silver.person_xref (the household's member count
  follows its member list), and the records' rows in ops.link_review;
- ops.job_runs: the ID in recorded arguments or errors is replaced by <erased>;
- gold and public: recomputed from silver by the indicators job's own code.

Then every table it changed gets its layer's retention, and `python -m jobs vacuum` removes the old files
once the deleted-file retention has passed (see conf/<env>.yaml `retention`). ops.erasures keeps one row
per request: a keyed hash of the ID (HMAC-SHA256 with the pseudonym secret), when, why, and the rows
removed per table — never the ID. The IDs never reach ops.job_runs either: the recorded arguments show
`<n erasure request(s), IDs redacted>`, and the Delta log records only join conditions, not values.
Rows are found by joins with in-memory lists of record ids, never by a predicate holding an ID.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from delta.tables import DeltaTable
from pydantic import ConfigDict, Field, field_serializer
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.config import AppConfig
from jobs.options import JobOptions, internal
from jobs.runs import JobRun
from jobs.tables import ensure_databases, save_table, table_exists
from transforms import bronze as bronze_transforms
from transforms.contracts import load_contracts
from transforms.erasure import Request, Requests, check_pid, check_reason, mentions, parse_request_file, redact, without_members
from transforms.silver.pipeline import PERSON_SOURCES
from udfs.pid import pid_digits
from udfs.pseudonym import hmac_sha256

DESCRIPTION = "Erase a person (PDPA): their records in bronze, quarantine, silver, linkage, gold and public, with an audit row"
ERASURES_TABLE = "ops.erasures"
# Bronze columns that hold a person's own ID, per source (the registry's record key is the ID itself).
BRONZE_PID = {"dopa_registry": "pid", "mof_welfare": "pid", "dla_elderly": "pid", "dep_disability": "pid", "dcy_child_grant": "child_pid"}
# Fields that name another person: cleared, not deleted (the child's grant record stays).
MOTHER = {
    "bronze": ("mother_pid", "mother_first_name", "mother_last_name"),
    "silver": ("mother_pid", "mother_pid_valid", "mother_first_name", "mother_last_name"),
}
BRONZE_ROW = ["_delivery", "_source_file", "_line_number"]

ERASURES_COMMENTS = {
    "erasure_id": "Unique id of this erasure (UUID)",
    "subject_key": "HMAC-SHA256(pseudonym secret, citizen ID), hex: tells whether an ID was erased, without holding it",
    "reason": "Why the person was erased, as the request gave it",
    "erased_at": "When the rows were removed from the current tables",
    "purge_after": "From then on `python -m jobs vacuum` removes the old files still holding the rows (the longest deleted-file retention)",
    "found": "Whether the lakehouse held anything of the person",
    "rows_removed": "Rows removed (or cleared) per table",
    "run_id": "The erase run (ops.job_runs.run_id)",
}


class Options(JobOptions):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    pid: str | None = Field(default=None, description="the citizen ID (13 digits) of the person to erase")
    reason: str | None = Field(default=None, description="why (kept in ops.erasures; must not hold an ID)")
    file: str | None = Field(default=None, description="CSV of requests with header pid,reason (reason may come from --reason)")
    bronze_db: str = Field(default="bronze", description="database of the bronze tables (default bronze)")
    silver_db: str = Field(default="silver", description="database of the silver tables (default silver)")
    gold_db: str = Field(default="gold", description="database of the gold tables (default gold)")
    public_db: str = Field(default="public", description="database of the public tables (default public)")
    requests: Requests | None = internal(None)

    @field_serializer("requests")
    def _requests_text(self, requests: Requests | None) -> str | None:
        return None if requests is None else str(requests)  # the count, never an ID


def validate(args: Options) -> Options:
    """Read and check the requests; the options returned hold them as `Requests` (whose text hides the IDs)
    and no --pid, so the recorded arguments never hold an ID."""
    if args.requests is not None:
        return args
    for layer in ("bronze", "silver", "gold", "public"):
        if not getattr(args, f"{layer}_db").isidentifier():
            raise ValueError(f"--{layer}-db must be a database name")
    if bool(args.pid) == bool(args.file):
        raise ValueError("give either --pid (with --reason) or --file")
    if args.pid:
        requests = Requests([Request(check_pid(args.pid), check_reason(args.reason))])
    else:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except OSError as err:
            raise ValueError(f"cannot read the request file: {err.strerror}") from None
        requests = parse_request_file(text, args.reason)
    return args.model_copy(update={"pid": None, "requests": requests})


def preflight(config: AppConfig, args: Options, earlier: tuple[str, ...]) -> None:
    config.pseudonym_secret()  # the audit row needs the keyed hash: no secret, no erasure


def run(spark: SparkSession, config: AppConfig, args: Options, job_run: JobRun) -> None:
    args = validate(args)
    secret = config.pseudonym_secret()
    ensure_databases(spark)
    requests = args.requests
    erased_at = datetime.now(UTC)
    subjects = spark.createDataFrame([(r.pid,) for r in requests.items], "pid string")
    removed: dict[str, int] = {}
    dbs = Databases(*(getattr(args, f"{layer}_db") for layer in ("bronze", "silver", "gold", "public")))
    found = erase_subjects(spark, dbs, subjects, requests.pids, removed)
    if any(removed.values()):
        recompute_gold(spark, config, dbs, job_run)
    for table, rows in removed.items():
        job_run.wrote(table, rows)
    purge_after = erased_at + timedelta(
        days=max(config.retention.of(layer).deleted_file_days for layer in ("bronze", "silver", "gold", "public", "ops"))
    )
    audit = [
        (str(uuid.uuid4()), r.pid, r.reason, erased_at, purge_after, found.get(r.pid, False), removed, job_run.run_id)
        for r in requests.items
    ]
    df = spark.createDataFrame(audit, ERASURES_SCHEMA).withColumn("subject_key", hmac_sha256(F.col("subject_key"), secret))
    job_run.wrote(
        ERASURES_TABLE,
        save_table(
            df.select(*ERASURES_COMMENTS),
            ERASURES_TABLE,
            ERASURES_COMMENTS,
            mode="append",
            table_comment="One row per PDPA erasure request: keyed hash of the ID, when, why, rows removed",
        ),
    )


@dataclass(frozen=True)
class Databases:
    bronze: str = "bronze"
    silver: str = "silver"
    gold: str = "gold"
    public: str = "public"


ERASURES_SCHEMA = T.StructType(
    [
        T.StructField("erasure_id", T.StringType()),
        T.StructField("subject_key", T.StringType()),
        T.StructField("reason", T.StringType()),
        T.StructField("erased_at", T.TimestampType()),
        T.StructField("purge_after", T.TimestampType()),
        T.StructField("found", T.BooleanType()),
        T.StructField("rows_removed", T.MapType(T.StringType(), T.LongType())),
        T.StructField("run_id", T.StringType()),
    ]
)


def erase_subjects(spark: SparkSession, dbs: Databases, subjects: DataFrame, pids: list[str], removed: dict[str, int]) -> dict[str, bool]:
    """Remove everything of the persons with these IDs; fill `removed` per table; {pid: anything found}."""
    records = subject_records(spark, dbs.silver, subjects)
    found_rows = records.select("subject_pid").distinct().collect()
    names = [(r.first_name, r.last_name) for r in records.select("first_name", "last_name").distinct().collect()]
    persons = records.select("person_id").where(F.col("person_id").isNotNull()).distinct().localCheckpoint()
    # Order: bronze first, the linkage last, so a run stopped half-way finds the same records again.
    erase_bronze(spark, dbs.bronze, records, subjects, removed)
    erase_quarantine(spark, dbs.bronze, pids, names, removed)
    erase_silver(spark, dbs.silver, records, subjects, persons, removed)
    redact_job_runs(spark, pids, removed)
    purge_deletion_vectors(spark, {name.split(" ")[0] for name, rows in removed.items() if rows})
    return {r.subject_pid: True for r in found_rows}


def purge_deletion_vectors(spark: SparkSession, tables: set[str]) -> None:
    """With deletion vectors a delete only marks rows: rewrite the files so the rows really leave them."""
    for table in sorted(tables):
        properties = {r.key: r.value for r in spark.sql(f"SHOW TBLPROPERTIES {table}").collect()}
        if properties.get("delta.enableDeletionVectors", "false").lower() == "true":
            spark.sql(f"REORG TABLE {table} APPLY (PURGE)")


def subject_records(spark: SparkSession, silver: str, subjects: DataFrame) -> DataFrame:
    """record_id, source, record_key, person_id, first_name, last_name, subject_pid of every silver
    record that is the subject's: linked to their person, or carrying their ID. Materialised (small)."""
    persons = spark.table(f"{silver}.person").join(subjects, on="pid", how="inner").select("person_id", F.col("pid").alias("subject_pid"))
    linked = spark.table(f"{silver}.person_xref").join(persons, on="person_id", how="inner").select("record_id", "person_id", "subject_pid")
    parts = []
    for source in PERSON_SOURCES:
        table = f"{silver}.{source}"
        if not table_exists(spark, table):
            continue
        rows = spark.table(table).select("record_id", "source", "record_key", "pid", "first_name", "last_name")
        by_link = rows.join(linked, on="record_id", how="inner").drop("pid")
        by_pid = (
            rows.join(subjects.withColumnRenamed("pid", "subject_pid"), rows["pid"] == F.col("subject_pid"), how="inner")
            .drop("pid")
            .withColumn("person_id", F.lit(None).cast("string"))
        )
        parts.append(by_link.unionByName(by_pid))
    records = parts[0]
    for part in parts[1:]:
        records = records.unionByName(part)
    return records.dropDuplicates(["record_id", "person_id"]).localCheckpoint()


def _merge_delete(table: str, keys: DataFrame, condition: str) -> int:
    """Delete the rows of `table` matching `keys` on `condition` (t. = table, s. = keys); rows deleted."""
    spark = keys.sparkSession
    if not table_exists(spark, table) or keys.isEmpty():
        return 0
    target = DeltaTable.forName(spark, table)
    before = _version(target)
    target.alias("t").merge(keys.alias("s"), condition).whenMatchedDelete().execute()
    return _changed_rows(target, before, "numTargetRowsDeleted")


def _version(table: DeltaTable) -> int:
    return table.history(1).first()["version"]


def _changed_rows(table: DeltaTable, before: int, metric: str) -> int:
    """Rows the MERGE changed, from its commit; 0 when it committed nothing."""
    last = table.history(1).first()
    return int((last["operationMetrics"] or {}).get(metric, 0)) if last["version"] != before else 0


def erase_bronze(spark: SparkSession, bronze: str, records: DataFrame, subjects: DataFrame, removed: dict[str, int]) -> None:
    contracts = load_contracts()
    for source, pid_column in BRONZE_PID.items():
        table = f"{bronze}.{source}"
        if not table_exists(spark, table):
            continue
        key = contracts[source].record_key[0]
        bronze_rows = spark.table(table)
        by_key = bronze_rows.join(
            records.where(F.col("source") == source).select(F.col("record_key").alias(key)).distinct(), on=key, how="inner"
        )
        by_pid = bronze_rows.join(subjects, pid_digits(bronze_rows[pid_column]) == subjects["pid"], how="inner").drop(subjects["pid"])
        rows = by_key.select(*BRONZE_ROW).unionByName(by_pid.select(*BRONZE_ROW)).distinct().localCheckpoint()
        removed[table] = _merge_delete(table, rows, " AND ".join(f"t.{c} = s.{c}" for c in BRONZE_ROW))
    clear_mothers(spark, f"{bronze}.dcy_child_grant", subjects, MOTHER["bronze"], removed, contracts["dcy_child_grant"].column_names)
    erase_bmn_members(spark, f"{bronze}.cdd_bmn", records, subjects, removed, contracts["cdd_bmn"].column_names)


def clear_mothers(
    spark: SparkSession, table: str, subjects: DataFrame, columns: tuple[str, ...], removed: dict[str, int], hashed: list[str] | None = None
) -> None:
    """Clear the mother's ID and name in child records that name the subject as mother (bronze: and rehash)."""
    if not table_exists(spark, table):
        return
    target = spark.table(table)
    mother_pid = pid_digits(target["mother_pid"]) if hashed else target["mother_pid"]
    hits = target.join(subjects, mother_pid == subjects["pid"], how="inner").drop(subjects["pid"])
    key = BRONZE_ROW if hashed else ["record_id"]
    cleared = hits.select(*[F.lit(None).cast(target.schema[c].dataType).alias(c) if c in columns else F.col(c) for c in target.columns])
    if hashed:
        cleared = cleared.transform(bronze_transforms.with_row_hash(hashed))
    cleared = cleared.localCheckpoint()
    if cleared.isEmpty():
        return
    updates = {c: f"s.{c}" for c in (*columns, *(["_row_hash"] if hashed else []))}
    (
        DeltaTable.forName(spark, table)
        .alias("t")
        .merge(cleared.alias("s"), " AND ".join(f"t.{c} = s.{c}" for c in key))
        .whenMatchedUpdate(set=updates)
        .execute()
    )
    removed[f"{table} (mother cleared)"] = cleared.count()


def erase_bmn_members(
    spark: SparkSession, table: str, records: DataFrame, subjects: DataFrame, removed: dict[str, int], columns: list[str]
) -> None:
    """Rewrite the member list of each BMN household that lists the subject (by member record or ID)."""
    if not table_exists(spark, table):
        return
    members = (
        records.where(F.col("source") == "cdd_bmn_member")
        .select(
            F.regexp_extract("record_key", r"^(.*)-(\d+)$", 1).alias("hh_id"),
            F.regexp_extract("record_key", r"^(.*)-(\d+)$", 2).cast("int").alias("member_no"),
        )
        .collect()
    )
    numbers: dict[str, set[int]] = {}
    for m in members:
        numbers.setdefault(m.hh_id, set()).add(m.member_no)
    pids = {r.pid for r in subjects.collect()}
    households = spark.table(table)
    # Households named by a member record, or whose member list holds an ID (found in the text, confirmed in Python).
    text_hit = F.lit(False)
    for pid in pids:
        text_hit = text_hit | F.col("members").contains(pid)
    candidates = households.where(F.col("hh_id").isin(list(numbers)) | text_hit).collect()
    changed, count = [], 0
    for row in candidates:
        new_members, n = without_members(row["members"], numbers.get(row["hh_id"], set()), pids)
        if n:
            changed.append((*[row[c] for c in BRONZE_ROW], new_members))
            count += n
    if not changed:
        return
    updates = spark.createDataFrame(changed, households.select(*BRONZE_ROW, "members").schema)
    rewritten = (
        households.drop("members")
        .join(updates, on=BRONZE_ROW, how="inner")
        .select(*households.columns)
        .transform(bronze_transforms.with_row_hash(columns))
        .localCheckpoint()
    )
    (
        DeltaTable.forName(spark, table)
        .alias("t")
        .merge(rewritten.alias("s"), " AND ".join(f"t.{c} = s.{c}" for c in BRONZE_ROW))
        .whenMatchedUpdate(set={"members": "s.members", "_row_hash": "s._row_hash"})
        .execute()
    )
    removed[f"{table} (members removed)"] = count


def erase_quarantine(spark: SparkSession, bronze: str, pids: list[str], names: list[tuple[str, str]], removed: dict[str, int]) -> None:
    table = f"{bronze}.quarantine"
    if not table_exists(spark, table):
        return
    key = ["source", "delivery", "file", "line_number", "batch_id"]
    hits = spark.table(table).where(mentions(F.col("raw_text"), pids, names)).select(*key).localCheckpoint()
    removed[table] = _merge_delete(table, hits, " AND ".join(f"t.{c} <=> s.{c}" for c in key))


def erase_silver(
    spark: SparkSession, silver: str, records: DataFrame, subjects: DataFrame, persons: DataFrame, removed: dict[str, int]
) -> None:
    record_ids = records.select("record_id").distinct().localCheckpoint()
    bmn = (
        records.where(F.col("source") == "cdd_bmn_member")
        .select(F.regexp_extract("record_key", r"^(.*)-(\d+)$", 1).alias("hh_id"), "record_id")
        .distinct()
        .groupBy("hh_id")
        .agg(F.count(F.lit(1)).alias("removed"))
        .localCheckpoint()
    )
    for source in PERSON_SOURCES:
        removed[f"{silver}.{source}"] = _merge_delete(f"{silver}.{source}", record_ids, "t.record_id = s.record_id")
    if table_exists(spark, f"{silver}.cdd_bmn") and not bmn.isEmpty():
        (
            DeltaTable.forName(spark, f"{silver}.cdd_bmn")
            .alias("t")
            .merge(bmn.alias("s"), "t.hh_id = s.hh_id")
            .whenMatchedUpdate(set={"member_count": "greatest(t.member_count - s.removed, 0)"})
            .execute()
        )
        removed[f"{silver}.cdd_bmn (member_count)"] = bmn.count()
    clear_mothers(spark, f"{silver}.dcy_child_grant", subjects, MOTHER["silver"], removed)
    pairs = record_ids.select(F.col("record_id").alias("r"))
    removed[f"{silver}.link_pairs"] = _merge_delete(f"{silver}.link_pairs", pairs, "t.record_id_l = s.r") + _merge_delete(
        f"{silver}.link_pairs", pairs, "t.record_id_r = s.r"
    )
    removed["ops.link_review"] = _merge_delete("ops.link_review", pairs, "t.record_id = s.r") + _merge_delete(
        "ops.link_review", pairs, "t.candidate_record_id = s.r"
    )
    removed[f"{silver}.person"] = _merge_delete(f"{silver}.person", persons, "t.person_id = s.person_id")
    removed[f"{silver}.person_xref"] = _merge_delete(f"{silver}.person_xref", record_ids, "t.record_id = s.record_id") + _merge_delete(
        f"{silver}.person_xref", persons, "t.person_id = s.person_id"
    )


def redact_job_runs(spark: SparkSession, pids: list[str], removed: dict[str, int]) -> None:
    """An ID given to a job (e.g. explain-link dopa_registry:<ID>) is replaced by <erased> in the run records."""
    table = "ops.job_runs"
    if not table_exists(spark, table):
        return
    runs = spark.table(table)
    hit = F.lit(False)
    for pid in pids:
        hit = (
            hit
            | F.coalesce(F.col("arguments").contains(pid), F.lit(False))
            | F.coalesce(F.col("error_message").contains(pid), F.lit(False))
        )
    rows = runs.where(hit).select("run_id", "job", "arguments", "error_message").collect()
    if not rows:
        return
    fixed = spark.createDataFrame(
        [(r.run_id, r.job, redact(r.arguments, pids), redact(r.error_message, pids)) for r in rows],
        "run_id string, job string, arguments string, error_message string",
    )
    (
        DeltaTable.forName(spark, table)
        .alias("t")
        .merge(fixed.alias("s"), "t.run_id = s.run_id AND t.job = s.job")
        .whenMatchedUpdate(set={"arguments": "s.arguments", "error_message": "s.error_message"})
        .execute()
    )
    removed[f"{table} (ID redacted)"] = len(rows)


def recompute_gold(spark: SparkSession, config: AppConfig, dbs: Databases, job_run: JobRun) -> None:
    """gold and public from the erased silver, by the indicators job itself (everything gold holds depends on silver)."""
    from jobs import indicators

    options = indicators.Options(silver_db=dbs.silver, gold_db=dbs.gold, public_db=dbs.public)
    indicators.run(spark, config, options, job_run)
