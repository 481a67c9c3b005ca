"""From links to persons: every record gets an anchor record and a method; person_id comes from the anchor."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from transforms.linkage.clustering import connected_components, person_id_of

XREF_COLUMNS = ("record_id", "source", "anchor", "match_method", "match_probability", "match_weight")


def _ranked(pairs: DataFrame, key: str, first: F.Column | None = None) -> DataFrame:
    """Pairs with _rank per `key`: those `first` holds for (if given), then highest probability, then weight,
    then smallest anchor (deterministic)."""
    order = [F.desc("match_probability"), F.desc("match_weight"), F.asc("anchor")]
    if first is not None:
        order.insert(0, F.desc(F.coalesce(first, F.lit(False))))
    return pairs.withColumn("_rank", F.row_number().over(Window.partitionBy(key).orderBy(*order)))


def _best(pairs: DataFrame, key: str) -> DataFrame:
    return _ranked(pairs, key).filter("_rank = 1").drop("_rank")


def _oriented(accepted: DataFrame, *extra: str) -> DataFrame:
    """Both orientations of each accepted pair: record_id, other, other_source, probability, weight, same_pid, extra."""
    cols = ["match_probability", "match_weight", "same_pid", *extra]
    return accepted.select(
        F.col("record_id_l").alias("record_id"), F.col("record_id_r").alias("other"), F.col("source_r").alias("other_source"), *cols
    ).unionByName(
        accepted.select(
            F.col("record_id_r").alias("record_id"), F.col("record_id_l").alias("other"), F.col("source_l").alias("other_source"), *cols
        )
    )


def _scored_edges(accepted: DataFrame, residual: DataFrame, *extra: str) -> DataFrame:
    """The accepted pairs of each scored record (both orientations), with its source."""
    return _oriented(accepted, *extra).join(residual.select("record_id", "source"), on="record_id", how="inner")


def _agrees_on(comparison: str) -> F.Column:
    """The pair's waterfall gives `comparison` a positive weight (needs `comparisons`)."""
    return F.exists("comparisons", lambda c: (c["comparison"] == comparison) & (c["match_weight"] > 0))


def _disagrees_on_any(comparisons: Sequence[str]) -> F.Column:
    """The pair's waterfall gives one of `comparisons` a negative weight (needs `comparisons`)."""
    return F.exists("comparisons", lambda c: c["comparison"].isin(*comparisons) & (c["match_weight"] < 0))


def _id_counts(agrees_on: str, refuted_by: Sequence[str] = ()) -> F.Column:
    """The candidate the record's own ID names agrees with it on `agrees_on` and disagrees on none of `refuted_by`:
    the ID is weighed against the record's other fields. A twin of the other sex named by the ID, with the record's
    own first name and sex on it, disagrees on two fields where the better candidate disagrees on the ID alone."""
    counts = F.col("same_pid") & _agrees_on(agrees_on)
    return counts & ~_disagrees_on_any(refuted_by) if refuted_by else counts


def _id_settles(comparison: str, refuted_by: Sequence[str] = ()) -> F.Column:
    """The candidate the record's own ID names counts (_id_counts) and no other candidate of the record agrees
    on `comparison`: its ID and birth date against another member's first name and house on the record (a twin,
    who shares the birth date, leaves it unsettled)."""
    agreeing = F.sum(_agrees_on(comparison).cast("int")).over(Window.partitionBy("record_id"))
    return _id_counts(comparison, refuted_by) & (agreeing == 1)


def _ranked_to_spine(edges: DataFrame, spine: str, id_agrees_on: str | None = None, id_refuted_by: Sequence[str] = ()) -> DataFrame:
    """The spine candidates of each scored record, ranked; with `id_agrees_on`, one the record's ID settles first."""
    candidates = edges.filter(F.col("other_source") == spine).withColumnRenamed("other", "anchor")
    return _ranked(candidates, "record_id", _id_settles(id_agrees_on, id_refuted_by) if id_agrees_on is not None else None)


def _identity(df: DataFrame) -> DataFrame:
    return df


def held_by_id(by_pid: DataFrame, group: str) -> DataFrame:
    """record_id, group, anchor: the records the ID pass placed that belong to a group of `group` (a survey
    household), with the spine record each holds. by_pid: record_id, spine_record_id, `group`."""
    return by_pid.filter(F.col(group).isNotNull()).select(
        "record_id", F.col(group).alias("group"), F.col("spine_record_id").alias("anchor")
    )


def without_held_spine(edges: DataFrame, groups: DataFrame, held: DataFrame) -> DataFrame:
    """The edges minus those to a spine record that another record of the same group already holds by its ID.

    Records of one group (the members of one survey household) are different persons, so the registry record a
    member's own ID placed is no candidate for another member's record: a twin's first name or ID on a record
    otherwise makes its two registry candidates look alike (match_method review).
    groups: record_id, group (of the scored records); held: record_id, group, anchor (held_by_id)."""
    holders = held.select(F.col("record_id").alias("holder"), "group", F.col("anchor").alias("other"))
    taken = (
        edges.select("record_id", "other")
        .join(groups.filter(F.col("group").isNotNull()), on="record_id", how="inner")
        .join(holders, on=["group", "other"], how="inner")
        .filter(F.col("holder") != F.col("record_id"))
        .select("record_id", "other")
    )
    return edges.join(taken, on=["record_id", "other"], how="left_anti")


@dataclass(frozen=True)
class SpineChoice:
    """What the scored records' accepted pairs say about their registry (spine) record, computed once for the
    review table and the assignment: the pairs of each scored record (both orientations), its spine
    candidates ranked (record_id, source, anchor, _rank, ...), and the records that cannot choose between
    two of them (record_id; empty without a review margin)."""

    edges: DataFrame
    candidates: DataFrame
    ambiguous: DataFrame


def spine_choice(
    accepted: DataFrame,
    residual: DataFrame,
    spine: str,
    review_margin: float | None = None,
    id_agrees_on: str | None = None,
    keep: Callable[[DataFrame], DataFrame] = _identity,
    groups: DataFrame | None = None,
    held: DataFrame | None = None,
    id_refuted_by: Sequence[str] = (),
) -> SpineChoice:
    """The SpineChoice of the residual (the records Splink scored); `keep` materialises what is read twice.
    Accepted pairs with `comparisons` (the waterfall) keep it on the candidates. With `groups` and `held`
    (without_held_spine), a spine record a group-mate holds by its ID is no candidate. `id_agrees_on` and
    `id_refuted_by`: when the record's ID counts against its other fields (ambiguous_records)."""
    extra = ["comparisons"] if "comparisons" in accepted.columns else []
    edges = _scored_edges(accepted, residual, *extra)
    if groups is not None and held is not None:
        edges = without_held_spine(edges, groups, held)
    edges = keep(edges)
    candidates = keep(_ranked_to_spine(edges, spine, id_agrees_on if review_margin is not None else None, id_refuted_by))
    if review_margin is None:
        return SpineChoice(edges, candidates, candidates.select("record_id").limit(0))
    return SpineChoice(edges, candidates, keep(ambiguous_records(candidates, review_margin, id_agrees_on, id_refuted_by)))


def ambiguous_records(
    candidates: DataFrame, margin: float, id_agrees_on: str | None = None, id_refuted_by: Sequence[str] = ()
) -> DataFrame:
    """record_id of the records with two accepted spine candidates the data cannot choose between: the second
    within `margin` match weight of the best (namesakes in a record without an area), or one named by the
    record's own ID and a better one by its other fields (a twin's name on the record, or a twin's ID).

    With `id_agrees_on` (a comparison; candidates then carry `comparisons`), the ID's candidate counts only if
    it also agrees on that comparison (positive weight): twins share a birth date, so a twin's ID is
    ambiguous, while another household member's ID with another birth date is a wrong ID on the record. And a
    best candidate the record's ID names and that agrees on it is settled, however close the second (spine_choice
    ranks it best when no other candidate agrees on the comparison). Nor does it count if it disagrees (negative
    weight) on one of `id_refuted_by` (a twin of the other sex)."""
    named = F.col("same_pid") if id_agrees_on is None else _id_counts(id_agrees_on, id_refuted_by)
    per_record = candidates.groupBy("record_id").agg(
        F.count("*").alias("_n"),
        F.max(F.when(F.col("_rank") == 1, F.col("match_weight"))).alias("_best"),
        F.max(F.when(F.col("_rank") == 2, F.col("match_weight"))).alias("_second"),
        F.max(F.when(F.col("_rank") == 1, F.col("same_pid"))).alias("_best_by_id"),
        F.max(named.cast("int")).alias("_any_by_id"),
        F.max(F.when(F.col("_rank") == 1, named)).alias("_best_settled"),
    )
    close = F.col("_best") - F.col("_second") <= margin
    if id_agrees_on is not None:
        close = close & ~F.coalesce(F.col("_best_settled"), F.lit(False))
    id_against_rest = (F.col("_any_by_id") == 1) & ~F.col("_best_by_id")
    return per_record.filter((F.col("_n") >= 2) & (close | id_against_rest)).select("record_id")


def review_rows(candidates: DataFrame, ambiguous: DataFrame) -> DataFrame:
    """The two best candidates of each ambiguous record (and the one its ID names, if not among them), for
    clerical review: record_id, source, candidate_rank, candidate_record_id, match_probability, match_weight,
    same_pid, comparisons (candidates built with `comparisons`)."""
    return candidates.filter((F.col("_rank") <= 2) | F.col("same_pid")).join(ambiguous, on="record_id", how="left_semi").select(
        "record_id", "source", F.col("_rank").alias("candidate_rank"), F.col("anchor").alias("candidate_record_id"),
        "match_probability", "match_weight", "same_pid", "comparisons",
    )  # fmt: skip


def _as_xref(df: DataFrame, anchor: str, method: str, probability: F.Column, weight: F.Column) -> DataFrame:
    return df.select("record_id", "source", F.col(anchor).alias("anchor"), F.lit(method).alias("match_method"),
                     probability.alias("match_probability"), weight.alias("match_weight"))  # fmt: skip


def assign_persons(
    spine_records: DataFrame,
    by_pid: DataFrame,
    residual: DataFrame,
    choice: SpineChoice,
    keep: Callable[[DataFrame], DataFrame] = _identity,
) -> DataFrame:
    """record_id, source, anchor_record_id, person_id, match_method, match_probability, match_weight.

    spine_records (record_id, source) anchor themselves; by_pid (record_id, source, spine_record_id) take
    their corroborated spine record; the residual (record_id, source: the records Splink scored) take their
    best accepted pair to a spine record, else to a record already placed; records left become new persons,
    clustered among themselves (connected components, anchored at the smallest record_id). A record the data
    cannot place between two spine candidates (`choice.ambiguous`) is never linked by their order: it anchors
    itself (match_method review). Only the residual and the accepted pairs are joined: the spine and PID-linked
    records (nearly all records) pass straight through. `keep` materialises a frame read several times (the
    job passes a checkpoint; identity by default).
    """
    one, none = F.lit(1.0), F.lit(None).cast("double")
    placed_by_pid = _as_xref(spine_records, "record_id", "pid", one, none).unionByName(
        _as_xref(by_pid, "spine_record_id", "pid", one, none)
    )
    edges = choice.edges
    best = choice.candidates.filter("_rank = 1").drop("_rank")
    review = best.join(choice.ambiguous, on="record_id", how="left_semi")
    best = best.join(choice.ambiguous, on="record_id", how="left_anti")
    probabilistic = best.select(*XREF_COLUMNS[:2], "anchor", F.lit("probabilistic").alias("match_method"), *XREF_COLUMNS[4:])
    reviewed = review.select(
        *XREF_COLUMNS[:2], F.col("record_id").alias("anchor"), F.lit("review").alias("match_method"), *XREF_COLUMNS[4:]
    )

    left = residual.join(probabilistic.unionByName(reviewed).select("record_id"), on="record_id", how="left_anti")
    left_edges = edges.join(left.select("record_id"), on="record_id", how="left_semi")
    # The edges are few: they go to the (large) placed records as a broadcast, never the other way round.
    placed_anchor = (
        F.broadcast(left_edges.select(F.col("other").alias("record_id")).distinct())
        .join(placed_by_pid.unionByName(probabilistic), on="record_id", how="inner")
        .select(F.col("record_id").alias("other"), "anchor")
    )
    # Kept (few rows): the new persons below refer to it several times, and each reference would
    # otherwise look the anchors up in the placed records (nearly all records) again.
    inherited = keep(
        _best(left_edges.join(placed_anchor, on="other", how="inner"), "record_id").select(
            *XREF_COLUMNS[:2], "anchor", F.lit("probabilistic").alias("match_method"), *XREF_COLUMNS[4:]
        )
    )

    new = left.join(inherited.select("record_id"), on="record_id", how="left_anti")
    new_ids = new.select(F.col("record_id").alias("node"))
    new_edges = left_edges.join(new.select("record_id"), on="record_id", how="left_semi").join(
        new_ids.withColumnRenamed("node", "other"), on="other", how="left_semi"
    )
    components = connected_components(new_ids, new_edges.select(F.col("record_id").alias("node_l"), F.col("other").alias("node_r")))
    best_edge = new_edges.groupBy("record_id").agg(
        F.max("match_probability").alias("match_probability"), F.max("match_weight").alias("match_weight")
    )
    new_persons = (
        new.join(components.select(F.col("node").alias("record_id"), F.col("component").alias("anchor")), on="record_id", how="inner")
        .join(best_edge, on="record_id", how="left")
        .select(*XREF_COLUMNS[:2], "anchor", F.lit("new_person").alias("match_method"), *XREF_COLUMNS[4:])
    )
    placed = placed_by_pid.unionByName(probabilistic).unionByName(reviewed).unionByName(inherited).unionByName(new_persons)
    return placed.select(
        "record_id", "source", F.col("anchor").alias("anchor_record_id"), person_id_of(F.col("anchor")).alias("person_id"),
        "match_method", "match_probability", "match_weight",
    )  # fmt: skip
