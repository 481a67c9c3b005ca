"""The erase job's deletions, table by table: bronze rows (and the survey's member lists), quarantine
lines, silver records and the linkage, every round's person rows in gold, the IDs in run records. Which
columns hold a person's ID comes from the source registry (conf/sources/*.yaml), never from a list here."""

from __future__ import annotations

from dataclasses import dataclass

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.tables import table_exists
from transforms import bronze as bronze_transforms
from transforms.contracts import SourceContract, load_contracts
from transforms.erasure import mentions, named_persons, own_id_columns, redact, surveys, without_members
from transforms.silver.sources import record_key
from udfs.pid import pid_digits
from udfs.pseudonym import hmac_sha256

BRONZE_ROW = ["_delivery", "_source_file", "_line_number"]


@dataclass(frozen=True)
class Databases:
    bronze: str = "bronze"
    silver: str = "silver"
    gold: str = "gold"
    public: str = "public"


def erase_subjects(
    spark: SparkSession, dbs: Databases, subjects: DataFrame, pids: list[str], removed: dict[str, int], secret: str
) -> dict[str, bool]:
    """Remove everything of the persons with these IDs; fill `removed` per table; {pid: anything found}.
    `secret`: the pseudonym key, which finds their rows in gold."""
    contracts = load_contracts()
    records = subject_records(spark, dbs.silver, subjects, person_tables(contracts))
    found_rows = records.select("subject_pid").distinct().collect()
    names = [(r.first_name, r.last_name) for r in records.select("first_name", "last_name").distinct().collect()]
    persons = records.select("person_id").where(F.col("person_id").isNotNull()).distinct().localCheckpoint()
    # Order: bronze first, the linkage last, so a run stopped half-way finds the same records again.
    erase_bronze(spark, dbs.bronze, contracts, records, subjects, removed)
    erase_quarantine(spark, dbs.bronze, pids, names, removed)
    erase_silver(spark, dbs.silver, contracts, records, subjects, persons, removed)
    erase_gold_rounds(spark, dbs.gold, persons, secret, removed)
    redact_job_runs(spark, pids, removed)
    purge_deletion_vectors(spark, {name.split(" ")[0] for name, rows in removed.items() if rows})
    return {r.subject_pid: True for r in found_rows}


def purge_deletion_vectors(spark: SparkSession, tables: set[str]) -> None:
    """With deletion vectors a delete only marks rows: rewrite the files so the rows really leave them."""
    for table in sorted(tables):
        properties = {r.key: r.value for r in spark.sql(f"SHOW TBLPROPERTIES {table}").collect()}
        if properties.get("delta.enableDeletionVectors", "false").lower() == "true":
            spark.sql(f"REORG TABLE {table} APPLY (PURGE)")


def person_tables(contracts: dict[str, SourceContract]) -> list[str]:
    return [c.person_table for c in contracts.values() if c.person_table]


def subject_records(spark: SparkSession, silver: str, subjects: DataFrame, tables: list[str]) -> DataFrame:
    """record_id, source, record_key, person_id, first_name, last_name, subject_pid of every silver
    record that is the subject's: linked to their person, or carrying their ID. Materialised (small)."""
    persons = spark.table(f"{silver}.person").join(subjects, on="pid", how="inner").select("person_id", F.col("pid").alias("subject_pid"))
    linked = spark.table(f"{silver}.person_xref").join(persons, on="person_id", how="inner").select("record_id", "person_id", "subject_pid")
    parts = []
    for name in tables:
        table = f"{silver}.{name}"
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


def erase_bronze(
    spark: SparkSession, bronze: str, contracts: dict[str, SourceContract], records: DataFrame, subjects: DataFrame, removed: dict[str, int]
) -> None:
    for source, pid_column in own_id_columns(contracts).items():
        table = f"{bronze}.{source}"
        if not table_exists(spark, table):
            continue
        bronze_rows = spark.table(table)
        keys = records.where(F.col("source") == source).select(F.col("record_key").alias("_subject_key")).distinct()
        by_key = bronze_rows.join(keys, record_key(contracts[source]) == keys["_subject_key"], how="inner")
        by_pid = bronze_rows.join(subjects, pid_digits(bronze_rows[pid_column]) == subjects["pid"], how="inner").drop(subjects["pid"])
        rows = by_key.select(*BRONZE_ROW).unionByName(by_pid.select(*BRONZE_ROW)).distinct().localCheckpoint()
        removed[table] = _merge_delete(table, rows, " AND ".join(f"t.{c} = s.{c}" for c in BRONZE_ROW))
    for named in named_persons(contracts, "bronze"):
        clear_named_person(spark, f"{bronze}.{named.table}", subjects, named.columns, removed, contracts[named.table].column_names)
    for survey in surveys(contracts):
        erase_survey_members(spark, survey, f"{bronze}.{survey}", records, subjects, removed, contracts[survey].column_names)


def clear_named_person(
    spark: SparkSession, table: str, subjects: DataFrame, columns: tuple[str, ...], removed: dict[str, int], hashed: list[str] | None = None
) -> None:
    """Clear another person's ID and name (columns, the ID first) in records that name the subject so, e.g. a
    child grant's mother (bronze: and rehash the row)."""
    if not table_exists(spark, table):
        return
    target = spark.table(table)
    named_pid = pid_digits(target[columns[0]]) if hashed else target[columns[0]]
    hits = target.join(subjects, named_pid == subjects["pid"], how="inner").drop(subjects["pid"])
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
    removed[f"{table} ({columns[0].removesuffix('pid').rstrip('_') or 'person'} cleared)"] = cleared.count()


def erase_survey_members(
    spark: SparkSession, survey: str, table: str, records: DataFrame, subjects: DataFrame, removed: dict[str, int], columns: list[str]
) -> None:
    """Rewrite the member list of each survey household that lists the subject (by member record or ID)."""
    if not table_exists(spark, table):
        return
    members = (
        records.where(F.col("source") == f"{survey}_member")
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
    spark: SparkSession,
    silver: str,
    contracts: dict[str, SourceContract],
    records: DataFrame,
    subjects: DataFrame,
    persons: DataFrame,
    removed: dict[str, int],
) -> None:
    record_ids = records.select("record_id").distinct().localCheckpoint()
    for table in person_tables(contracts):
        removed[f"{silver}.{table}"] = _merge_delete(f"{silver}.{table}", record_ids, "t.record_id = s.record_id")
    for survey in surveys(contracts):
        recount_survey_members(spark, survey, f"{silver}.{survey}", records, removed)
    for named in named_persons(contracts, "silver"):
        clear_named_person(spark, f"{silver}.{named.table}", subjects, named.columns, removed)
    pairs = record_ids.select(F.col("record_id").alias("r"))
    removed[f"{silver}.link_pairs"] = _merge_delete(f"{silver}.link_pairs", pairs, "t.record_id_l = s.r") + _merge_delete(
        f"{silver}.link_pairs", pairs, "t.record_id_r = s.r"
    )
    removed["ops.link_review"] = _merge_delete("ops.link_review", pairs, "t.record_id = s.r") + _merge_delete(
        "ops.link_review", pairs, "t.candidate_record_id = s.r"
    )
    removed[f"{silver}.person_changes"] = _merge_delete(f"{silver}.person_changes", record_ids, "t.record_id = s.record_id")
    removed[f"{silver}.person"] = _merge_delete(f"{silver}.person", persons, "t.person_id = s.person_id")
    removed[f"{silver}.person_xref"] = _merge_delete(f"{silver}.person_xref", record_ids, "t.record_id = s.record_id") + _merge_delete(
        f"{silver}.person_xref", persons, "t.person_id = s.person_id"
    )


def erase_gold_rounds(spark: SparkSession, gold: str, persons: DataFrame, secret: str, removed: dict[str, int]) -> None:
    """The persons' rows of every round in every gold table keyed by person (person_key = HMAC of person_id).
    The indicators run that follows recomputes the latest round only: an earlier round's rows, and the
    movement computed from them, would keep the person."""
    if not spark.catalog.databaseExists(gold):
        return
    keys = persons.select(hmac_sha256(F.col("person_id"), secret).alias("person_key")).localCheckpoint()
    for listed in spark.catalog.listTables(gold):
        table = f"{gold}.{listed.name}"
        if not listed.isTemporary and "person_key" in spark.table(table).columns:
            removed[table] = _merge_delete(table, keys, "t.person_key = s.person_key")


def recount_survey_members(spark: SparkSession, survey: str, table: str, records: DataFrame, removed: dict[str, int]) -> None:
    """A household's member_count follows its member list: less the members erased."""
    members = (
        records.where(F.col("source") == f"{survey}_member")
        .select(F.regexp_extract("record_key", r"^(.*)-(\d+)$", 1).alias("hh_id"), "record_id")
        .distinct()
        .groupBy("hh_id")
        .agg(F.count(F.lit(1)).alias("removed"))
        .localCheckpoint()
    )
    if table_exists(spark, table) and not members.isEmpty():
        (
            DeltaTable.forName(spark, table)
            .alias("t")
            .merge(members.alias("s"), "t.hh_id = s.hh_id")
            .whenMatchedUpdate(set={"member_count": "greatest(t.member_count - s.removed, 0)"})
            .execute()
        )
        removed[f"{table} (member_count)"] = members.count()


def redact_job_runs(spark: SparkSession, pids: list[str], removed: dict[str, int]) -> None:
    """An ID given to a job (e.g. explain-link <source>:<ID>) is replaced by <erased> in the run records."""
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
