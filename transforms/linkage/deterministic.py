"""Deterministic pass: a valid PID equal to a spine PID, corroborated by birth date or name, links (method `pid`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import reduce

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F


def _corroborated(fields: list[str]) -> F.Column:
    # A null on either side is not agreement: coalesce to false.
    return reduce(lambda a, b: a | b, [F.coalesce(F.col(f) == F.col(f"_spine_{f}"), F.lit(False)) for f in fields])


def _plausible_birth_year(max_gap: int | None) -> F.Column:
    # Unknown on either side is no evidence against the ID.
    if max_gap is None:
        return F.lit(True)
    return F.coalesce(F.abs(F.col("birth_year") - F.col("_spine_birth_year")) <= max_gap, F.lit(True))


def _first_name_not_contradicted(max_edits: int | None) -> F.Column:
    # Another phonetic key and more than max_edits edits: a different first name, not a misspelling of it.
    if max_edits is None:
        return F.lit(True)
    differs = (F.col("first_name_key") != F.col("_spine_first_name_key")) & (
        F.levenshtein(F.col("first_name"), F.col("_spine_first_name")) > max_edits
    )
    return ~F.coalesce(differs, F.lit(False))


def pid_matches(
    records: DataFrame,
    spine: str,
    corroborate_any: list[str],
    max_birth_year_gap: int | None = None,
    max_first_name_edits: int | None = None,
    id_column: str = "pid",
    valid_column: str = "pid_valid",
    carry: Sequence[str] = (),
) -> DataFrame:
    """Every non-spine record with a valid PID: record_id, source, `carry` (the record's own columns, kept for
    what reads the matches next), id_refuted (a spine record has the PID and agrees on none of `corroborate_any`
    nor on the birth year: someone else's ID on the record), spine_record_id — the spine record with
    that PID that agrees on one of `corroborate_any` (the smallest record_id if several do), whose birth
    year is at most `max_birth_year_gap` from the record's, and whose first name is not a different name
    (more than `max_first_name_edits` edits and another phonetic key: a twin's ID on the record agrees on
    the birth date), or null.

    A record whose PID matches but agrees on none of them (someone else's ID) keeps a null spine_record_id
    and is left for the probabilistic pass. Only `id_column` is used (never a payload such as a mother's
    ID). One join on the PID, then a grouping that keeps its partitioning (no second shuffle).
    """
    compared = list(dict.fromkeys([*corroborate_any, "birth_year", "first_name", "first_name_key"]))
    spine_records = records.filter(F.col("source") == spine).select(
        F.col(id_column).alias("pid"), F.col("record_id").alias("_spine_record_id"), *[F.col(f).alias(f"_spine_{f}") for f in compared]
    )
    others = records.filter((F.col("source") != spine) & F.col(valid_column) & F.col(id_column).isNotNull()).select(
        F.col(id_column).alias("pid"), "record_id", "source", *dict.fromkeys([*compared, *carry])
    )
    joined = others.join(spine_records, on="pid", how="left")
    links = _corroborated(corroborate_any) & _plausible_birth_year(max_birth_year_gap) & _first_name_not_contradicted(max_first_name_edits)
    # Not even the birth year: an unknown day or a date written wrong on one's own record still shares the year.
    other_year = F.coalesce(F.col("birth_year") != F.col("_spine_birth_year"), F.lit(False))
    refuted = F.col("_spine_record_id").isNotNull() & ~_corroborated(corroborate_any) & other_year
    return (
        joined.groupBy("pid", "record_id", "source", *carry)
        .agg(F.min(F.when(links, F.col("_spine_record_id"))).alias("spine_record_id"), F.bool_or(refuted).alias("id_refuted"))
        .drop("pid")
    )


def without_contested_claims(
    matches: DataFrame, records: DataFrame, spine: str, group: str, keep: Callable[[DataFrame], DataFrame] = lambda df: df
) -> DataFrame:
    """`matches` (pid_matches) with the ID link undone (spine_record_id null) of a record whose ID names the same
    spine record as the ID of another record of its group (`group`: members of one survey household are
    different persons) when that other record agrees with it on the birth date and this one does not: another
    member's ID and first name on a record, which the ID pass cannot tell from the member's own. The record
    goes to the probabilistic pass. matches carry `group` and birth_date (pid_matches' carry); records: the
    spine's record_id, source and birth_date. `keep` materialises the few records undone, which every read of
    the result would otherwise find again."""
    claims = matches.filter(F.col("spine_record_id").isNotNull() & F.col(group).isNotNull()).withColumnRenamed(group, "_group")
    claim = Window.partitionBy("_group", "spine_record_id")
    contested = claims.withColumn("_claims", F.count("*").over(claim)).filter("_claims > 1").drop("_claims")
    # Few contested claims: they reach the spine as a broadcast, never the other way round.
    spine_dates = records.filter(F.col("source") == spine).select(
        F.col("record_id").alias("spine_record_id"), F.col("birth_date").alias("_spine_birth_date")
    )
    judged = spine_dates.join(F.broadcast(contested), on="spine_record_id")
    agrees = F.coalesce(F.col("birth_date") == F.col("_spine_birth_date"), F.lit(False))
    undone = keep(
        judged.withColumn("_agrees", agrees)
        .withColumn("_any_agrees", F.max(F.col("_agrees").cast("int")).over(claim))
        .filter((F.col("_any_agrees") == 1) & ~F.col("_agrees"))
        .select("record_id", F.lit(True).alias("_undone"))
    )
    return (
        matches.join(F.broadcast(undone), on="record_id", how="left")
        .withColumn("spine_record_id", F.when(F.col("_undone"), F.lit(None).cast("string")).otherwise(F.col("spine_record_id")))
        .drop("_undone")
    )


def deterministic_links(
    records: DataFrame,
    spine: str,
    corroborate_any: list[str],
    max_birth_year_gap: int | None = None,
    max_first_name_edits: int | None = None,
) -> DataFrame:
    """Non-spine records linked to a spine record by PID: record_id, spine_record_id."""
    matches = pid_matches(records, spine, corroborate_any, max_birth_year_gap, max_first_name_edits)
    return matches.filter(F.col("spine_record_id").isNotNull()).select("record_id", "spine_record_id")


def unlinked_records(records: DataFrame, matches: DataFrame, id_column: str = "pid", valid_column: str = "pid_valid") -> DataFrame:
    """Non-spine records the PID pass did not link: no valid PID, or a PID no spine record corroborates.

    The unlinked PIDs are few (a share of a percent of the records), so they reach the records as a broadcast
    set; the PID-linked majority is never joined back.
    """
    others = records.filter(~F.col("is_spine"))
    without_pid = others.filter(~F.coalesce(F.col(valid_column) & F.col(id_column).isNotNull(), F.lit(False)))
    unlinked = F.broadcast(matches.filter(F.col("spine_record_id").isNull()).select("record_id"))
    return without_pid.unionByName(others.join(unlinked, on="record_id", how="left_semi"))
