"""Job `erase`: PDPA erasure of a person, everywhere the lakehouse holds their data.

    python -m jobs erase --pid 3300100123456 --reason "PDPA s.33 request 2026-117"
    python -m jobs erase --file requests.csv            # header pid,reason; one request per line

For each requested citizen ID the job finds the person (silver.person) and every record linked to them
(silver.person_xref), plus any record that carries the ID itself, and removes them:

- bronze.<source>: the delivered rows of those records (a BMN household keeps its row, without the
  member in its member list); a child-grant record that names the person as mother keeps the child,
  without the mother's ID and name;
- bronze.quarantine: raw lines that hold the ID or the person's given name and surname;
- silver.<source>, silver.link_pairs, silver.person, silver.person_xref, silver.person_changes (the household's member count
  follows its member list), and the records' rows in ops.link_review;
- ops.job_runs: the ID in recorded arguments or errors is replaced by <erased>;
- gold: the person's rows of every survey round in the tables keyed by person (gold.person_poverty,
  gold.person_welfare, gold.person_movement: person_key, the keyed hash of their person id); then the latest
  round of gold and public recomputed from silver by the indicators job's own code (an earlier round's
  area and household counts still count the person: aggregates, disclosure-controlled when published).

Then every table it changed gets its layer's retention, and `python -m jobs vacuum` removes the old files
once the deleted-file retention has passed (see conf/<env>.yaml `retention`). ops.erasures keeps one row
per request: a keyed hash of the ID (HMAC-SHA256 with the pseudonym secret), when, why, and the rows
removed per table — never the ID. The IDs never reach ops.job_runs either: the recorded arguments show
`<n erasure request(s), IDs redacted>`, and the Delta log records only join conditions, not values.
Rows are found by joins with in-memory lists of record ids, never by a predicate holding an ID.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import ConfigDict, Field, field_serializer
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.config import AppConfig
from jobs.erase_tables import Databases, erase_subjects
from jobs.options import JobOptions, internal
from jobs.runs import JobRun
from jobs.tables import ensure_databases, save_table
from transforms.erasure import Request, Requests, check_pid, check_reason, parse_request_file
from udfs.pseudonym import hmac_sha256

DESCRIPTION = "Erase a person (PDPA): their records in bronze, quarantine, silver, linkage, gold and public, with an audit row"
ERASURES_TABLE = "ops.erasures"
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
    databases = {"bronze": args.bronze_db, "silver": args.silver_db, "gold": args.gold_db, "public": args.public_db}
    for layer, name in databases.items():
        if not name.isidentifier():
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
    dbs = Databases(args.bronze_db, args.silver_db, args.gold_db, args.public_db)
    found = erase_subjects(spark, dbs, subjects, requests.pids, removed, secret)
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


def recompute_gold(spark: SparkSession, config: AppConfig, dbs: Databases, job_run: JobRun) -> None:
    """gold and public from the erased silver, by the indicators job itself (everything gold holds depends on silver)."""
    from jobs import indicators

    options = indicators.Options(silver_db=dbs.silver, gold_db=dbs.gold, public_db=dbs.public)
    indicators.run(spark, config, options, job_run)
