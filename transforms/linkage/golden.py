"""Golden record per person.

Rules: a person with a civil-registry record takes every field from it (the registry is authoritative).
Otherwise each identity field (pid, title, names, birth date, sex) takes the value most records agree on
(only checksum-valid PIDs count); ties go to the most recent delivery (the landing folder's date: a batch id
is an ingest run's random id, with no order), then to the source listed first in conf/linkage.yaml, then to
the smallest record_id. The address (house to province) is taken whole from one record, the most recently
delivered one with a subdistrict, so it stays coherent.
"""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from transforms.linkage.clustering import person_id_of

IDENTITY = ("pid", "title", "first_name", "last_name", "birth_date", "sex")
ADDRESS = ("house_code", "village_code", "subdistrict_code", "district_code", "province_code")


def _priority(sources: list[str]) -> F.Column:
    ranks = F.create_map(*[x for i, s in enumerate(sources) for x in (F.lit(s), F.lit(i))])
    return F.coalesce(ranks[F.col("source")], F.lit(len(sources)))


def _agreed_identity(linked: DataFrame) -> DataFrame:
    values = (
        linked.select(
            "person_id",
            "_delivery",
            "priority",
            "record_id",
            F.explode(F.array(*[F.struct(F.lit(f).alias("field"), F.col(f).cast("string").alias("value")) for f in IDENTITY])).alias("kv"),
        )
        .select("person_id", "_delivery", "priority", "record_id", "kv.field", "kv.value")
        .filter(F.col("value").isNotNull())
    )
    scored = values.groupBy("person_id", "field", "value").agg(
        F.count("*").alias("votes"),
        F.max("_delivery").alias("latest"),
        F.min("priority").alias("priority"),
        F.min("record_id").alias("record_id"),
    )
    order = Window.partitionBy("person_id", "field").orderBy(F.desc("votes"), F.desc("latest"), F.asc("priority"), F.asc("record_id"))
    chosen = scored.withColumn("_rank", F.row_number().over(order)).filter("_rank = 1")
    wide = chosen.groupBy("person_id").pivot("field", list(IDENTITY)).agg(F.first("value"))
    return wide.withColumn("birth_date", F.col("birth_date").cast("date"))


def _latest_address(linked: DataFrame) -> DataFrame:
    order = Window.partitionBy("person_id").orderBy(
        F.col("subdistrict_code").isNull(), F.desc("_delivery"), F.asc("priority"), F.asc("record_id")
    )
    return linked.withColumn("_rank", F.row_number().over(order)).filter("_rank = 1").select("person_id", *ADDRESS)


def golden_persons(
    xref: DataFrame, records: DataFrame, spine: str, sources: list[str], keep: Callable[[DataFrame], DataFrame] = lambda df: df
) -> DataFrame:
    """One row per person_id with the golden identity and address, record_count and sorted sources.

    A spine record is its own person's anchor, so registry persons come straight from the spine records;
    only persons without one (new_person clusters and records under review, few) are voted on, from their records alone.
    Their records are read twice: `keep` materialises them (the job passes a checkpoint; identity by default).
    """
    valid_pid = F.when(F.col("pid_valid"), F.col("pid")).alias("pid")
    registry = records.filter(F.col("source") == spine).select(
        person_id_of(F.col("record_id")).alias("person_id"), valid_pid, *[c for c in IDENTITY if c != "pid"], *ADDRESS
    )
    unanchored = xref.filter(F.col("match_method").isin("new_person", "review")).select("record_id", "person_id")
    others = keep(
        records.join(F.broadcast(unanchored), on="record_id", how="inner")
        .withColumn("priority", _priority(sources))
        .withColumn("pid", F.when(F.col("pid_valid"), F.col("pid")))
    )
    derived = _agreed_identity(others).join(_latest_address(others), on="person_id", how="inner")
    golden = registry.unionByName(derived.select("person_id", *IDENTITY, *ADDRESS))
    counts = xref.groupBy("person_id").agg(F.count("*").alias("record_count"), F.array_sort(F.collect_set("source")).alias("sources"))
    return golden.join(counts, on="person_id", how="inner")
