"""The indicators job's published surface: public.area_indicators and public.welfare_coverage, gold's area
tables with disclosure control (transforms.gold.privacy), checked by the differencing attack before they
are written, and public.household_flow, the country's households between poverty states from one round to
the next."""

from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.runs import JobRun
from jobs.tables import append_rows, save_round, save_table, share_database, table_exists
from transforms.gold import coverage, movement, privacy
from transforms.gold.catalogue import IndicatorCatalogue
from transforms.gold.rounds import ROUND_COMMENT, with_round


class DisclosureError(RuntimeError):
    """The published tables would let a hidden count be computed back: nothing is published."""


def publish(
    spark: SparkSession,
    catalogue: IndicatorCatalogue,
    area_comments: dict[str, str],
    job_run: JobRun,
    survey_round: int,
    gold_db: str = "gold",
    public_db: str = "public",
) -> None:
    """The round's rows of public.area_indicators and public.welfare_coverage: gold's area tables of that
    round with disclosure control, checked by the differencing attack before they are written (the other
    rounds' published rows are kept; area changes between rounds are computed from published figures, so a
    change is hidden where either figure is); the hidden cells per level go to ops.disclosure. Old gold.v_*
    views (which only hid small counts) are dropped."""
    threshold = catalogue.suppression.threshold
    this = F.col("survey_round") == F.lit(str(survey_round))
    area_table = spark.table(f"{gold_db}.area_indicators").where(this).drop("survey_round", *movement.area_change_columns())
    cover_table = spark.table(f"{gold_db}.welfare_coverage").where(this).drop("survey_round")
    published = privacy.publish(area_table.toPandas(), cover_table.toPandas(), threshold)
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
    area = with_round(_spark_frame(spark, published.area_indicators, area_table.schema), survey_round)
    table = f"{public_db}.area_indicators"
    description = "TPMAP figures per round and area at every level, with the change from the round before. " + note
    job_run.wrote(table, save_area_rounds(area, table, area_comments, survey_round, description))
    cover = with_round(_spark_frame(spark, published.welfare_coverage, cover_table.schema), survey_round)
    table = f"{public_db}.welfare_coverage"
    comments = {**coverage.COVERAGE_COMMENTS, **ROUND_COMMENT}
    description = "Welfare coverage per round, area and program. " + note
    job_run.wrote(table, save_round(cover, table, comments, survey_round, table_comment=description))
    publish_flow(spark, job_run, survey_round, threshold, gold_db, public_db)
    summary = published.hidden.assign(run_id=job_run.run_id, database=public_db, survey_round=str(survey_round))
    record_hidden_cells(spark.createDataFrame(summary[list(DISCLOSURE_COMMENTS)]))
    for view in ("v_area_indicators", "v_welfare_coverage"):
        spark.sql(f"DROP VIEW IF EXISTS {gold_db}.{view}")
    for database in (public_db, "ref"):
        share_database(spark, database)


def save_area_rounds(area: DataFrame, table: str, comments: dict[str, str], survey_round: int, description: str) -> int:
    """Write one round's area rows into `table` whole: with the other rounds' rows it holds, each round's
    change from the round before computed again (transforms.gold.movement.with_area_changes)."""
    return save_table(
        movement.with_area_changes(*_with_other_rounds(area, table, survey_round)), table, comments, table_comment=description
    )


def _with_other_rounds(area: DataFrame, table: str, survey_round: int) -> tuple[DataFrame, list[str]]:
    """The round's rows with the other rounds' rows of `table` (without their change columns), and every
    round held. A table written before its rows carried their round is replaced."""
    spark = area.sparkSession
    rounds = [str(survey_round)]
    if not spark.catalog.tableExists(table) or "survey_round" not in spark.table(table).columns:
        return area, rounds
    others = spark.table(table).where(~F.col("survey_round").isin(rounds)).select(*area.columns)
    rounds += [r[0] for r in others.select("survey_round").distinct().collect()]  # a few rounds of a small table
    return area.unionByName(others), rounds


def record_hidden_cells(summary) -> None:
    """Append the run's hidden-cell counts to ops.disclosure (a table from before rounds gains the column)."""
    table = "ops.disclosure"
    if table_exists(summary.sparkSession, table):
        append_rows(summary, table, DISCLOSURE_COMMENTS, {"mergeSchema": "true"})
    else:
        save_table(
            summary, table, DISCLOSURE_COMMENTS, table_comment="Cells hidden per published table, round and level, per indicators run"
        )


def publish_flow(spark: SparkSession, job_run: JobRun, survey_round: int, threshold: int, gold_db: str, public_db: str) -> None:
    """public.household_flow: the country's households between poor, not poor and not surveyed from the round
    before to this one (none for the first round)."""
    source = f"{gold_db}.household_movement"
    if not spark.catalog.tableExists(source):
        return
    moved = spark.table(source).where(F.col("survey_round") == F.lit(str(survey_round)))
    if moved.isEmpty():
        return
    table = f"{public_db}.household_flow"
    flow = movement.published_flow(movement.household_flow(moved), threshold)
    description = "Households of the country between poor, not poor and not surveyed, from each round to the next"
    job_run.wrote(table, save_round(flow, table, movement.FLOW_COMMENTS, survey_round, table_comment=description))


def _spark_frame(spark: SparkSession, frame, schema):
    return spark.createDataFrame(_with_nulls(frame[schema.fieldNames()]), schema)


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
    "survey_round": "Survey round the run published (BE year; null before rounds were recorded)",
}
