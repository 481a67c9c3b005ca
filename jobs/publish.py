"""The indicators job's published surface: public.area_indicators and public.welfare_coverage, gold's area
tables with disclosure control (transforms.gold.privacy), checked by the differencing attack before they
are written."""

from __future__ import annotations

from pyspark.sql import SparkSession

from jobs.runs import JobRun
from jobs.tables import save_table, share_database
from transforms.gold import coverage, privacy
from transforms.gold.catalogue import IndicatorCatalogue


class DisclosureError(RuntimeError):
    """The published tables would let a hidden count be computed back: nothing is published."""


def publish(
    spark: SparkSession,
    catalogue: IndicatorCatalogue,
    area_comments: dict[str, str],
    job_run: JobRun,
    gold_db: str = "gold",
    public_db: str = "public",
) -> None:
    """public.area_indicators and public.welfare_coverage: gold's area tables with disclosure control,
    checked by the differencing attack before they are written; the hidden cells per level go to
    ops.disclosure. Old gold.v_* views (which only hid small counts) are dropped."""
    threshold = catalogue.suppression.threshold
    area = spark.table(f"{gold_db}.area_indicators").toPandas()
    cover = spark.table(f"{gold_db}.welfare_coverage").toPandas()
    published = privacy.publish(area, cover, threshold)
    leaks = privacy.recoverable(published.area_indicators, published.welfare_coverage)
    if len(leaks):
        raise DisclosureError(f"{len(leaks)} hidden cell(s) could be computed back, e.g. {leaks.iloc[0].to_dict()}: nothing published")
    spark.sql(
        f"CREATE DATABASE IF NOT EXISTS {public_db} COMMENT 'Published figures: disclosure-controlled area tables for analysts and the public'"
    )
    note = (
        f"Counts 1-{threshold - 1} are hidden (null) at every level, with complementary cells hidden so that no "
        "hidden count can be computed from a parent and its visible children; rates made of a hidden count are null"
    )
    tables = {
        "area_indicators": (published.area_indicators, area_comments, "TPMAP figures per area at every level. " + note),
        "welfare_coverage": (published.welfare_coverage, coverage.COVERAGE_COMMENTS, "Welfare coverage per area and program. " + note),
    }
    for name, (frame, comments, description) in tables.items():
        schema = spark.table(f"{gold_db}.{name}").schema
        df = spark.createDataFrame(_with_nulls(frame[schema.fieldNames()]), schema)
        job_run.wrote(f"{public_db}.{name}", save_table(df, f"{public_db}.{name}", comments, table_comment=description))
    summary = published.hidden.assign(run_id=job_run.run_id, database=public_db)
    save_table(
        spark.createDataFrame(summary[list(DISCLOSURE_COMMENTS)]),
        "ops.disclosure",
        DISCLOSURE_COMMENTS,
        mode="append",
        table_comment="Cells hidden per published table and level, per indicators run",
    )
    for view in ("v_area_indicators", "v_welfare_coverage"):
        spark.sql(f"DROP VIEW IF EXISTS {gold_db}.{view}")
    for database in (public_db, "ref"):
        share_database(spark, database)


def _with_nulls(frame):
    """pandas nullable values (pd.NA) as None, so Spark reads them as nulls of the gold column types."""
    return frame.astype(object).where(frame.notna(), None)


DISCLOSURE_COMMENTS = {
    "run_id": "Indicators run (ops.job_runs.run_id) that published the tables",
    "database": "Database of the published tables",
    "table": "Published table",
    "level": "Area level",
    "primary": "Count cells hidden because they are small (1 to threshold-1)",
    "complementary": "Count cells hidden so that no small count can be computed back",
    "shown": "Count cells published",
}
