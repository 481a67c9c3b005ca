"""Writing bronze: bronze.<source> and bronze.quarantine created with their comments, and appends that Delta
makes idempotent per batch (txnAppId), so each row is written exactly once."""

from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession

from jobs.ingest_ledger import QUARANTINE_TABLE, Batch, ingest_commits
from jobs.tables import append_rows, recover_location, table_exists, with_comments
from transforms.contracts import SourceContract
from transforms.landing_layout import bronze_schema

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


def bronze_comments(contract: SourceContract) -> dict[str, str]:
    return {**{c.name: c.description for c in contract.columns}, **BRONZE_COMMENTS}


def ensure_tables(spark: SparkSession, contract: SourceContract) -> None:
    """bronze.<source> and bronze.quarantine exist (empty at first) with their comments, written or not."""
    # File statistics only on where rows came from: nothing filters bronze by its data columns, and statistics
    # on every string column cost a fifth of the write.
    where_from = {"delta.dataSkippingStatsColumns": ",".join(c for c in BRONZE_COMMENTS if c not in ("_extra", "_row_hash"))}
    tables = [
        (f"bronze.{contract.source}", bronze_schema(contract), bronze_comments(contract), contract.description, where_from),
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


def append_once(spark: SparkSession, df: DataFrame, table: str, comments: dict[str, str], batch: Batch) -> int:
    """Append with a Delta idempotent-write id (a retry of the batch's write is skipped by Delta); the rows it wrote."""
    append_rows(df, table, comments, {"txnAppId": batch.app_id, "txnVersion": "0", "userMetadata": batch.metadata()})
    commits = ingest_commits(spark, table, limit=5)
    if batch.app_id not in commits:
        commits = ingest_commits(spark, table)
    return commits[batch.app_id][0] if batch.app_id in commits else 0
