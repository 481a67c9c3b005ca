"""Blocking: candidate pairs of records agreeing on every key of at least one rule (spine-spine pairs excluded).

The same rules are given to Splink (splink_settings.blocking_rule_sql); this Spark version measures candidate
pairs per record and blocking recall in evaluate-linkage, and is what the tests pin down.
"""

from __future__ import annotations

from functools import reduce

from pyspark.sql import DataFrame
from pyspark.sql import functions as F


def blocking_rule_sql(keys: list[str], link_only: bool = False) -> str:
    """A Splink blocking rule: equal keys, and not both records from the spine (the registry has no duplicates);
    with `link_only`, records of different sources only."""
    equal = " AND ".join(f"l.{k} = r.{k}" for k in keys)
    across = " AND l.source <> r.source" if link_only else ""
    return f"{equal} AND NOT (l.is_spine AND r.is_spine){across}"


def _pairs_for_rule(records: DataFrame, keys: list[str], link_only: bool) -> DataFrame:
    side = records.select("record_id", "source", "is_spine", *keys).filter(reduce(lambda a, b: a & b, [F.col(k).isNotNull() for k in keys]))
    left = side.select([F.col(c).alias(f"{c}_l") for c in side.columns])
    right = side.select([F.col(c).alias(f"{c}_r") for c in side.columns])
    condition = reduce(lambda a, b: a & b, [F.col(f"{k}_l") == F.col(f"{k}_r") for k in keys])
    condition = condition & (F.col("record_id_l") < F.col("record_id_r")) & ~(F.col("is_spine_l") & F.col("is_spine_r"))
    if link_only:
        condition = condition & (F.col("source_l") != F.col("source_r"))
    return left.join(right, on=condition, how="inner").select("record_id_l", "record_id_r")


def candidate_pairs(records: DataFrame, rules: list[list[str]], link_only: bool = False) -> DataFrame:
    """Distinct (record_id_l < record_id_r) pairs produced by any rule; each pair once."""
    return reduce(lambda a, b: a.unionByName(b), [_pairs_for_rule(records, keys, link_only) for keys in rules]).distinct()


def _rule_key(number: int, keys: list[str]) -> F.Column:
    """A 64-bit hash of one rule's key values (null when any is null): what two records must share to pair."""
    present = reduce(lambda a, b: a & b, [F.col(k).isNotNull() for k in keys])
    return F.when(present, F.xxhash64(F.lit(number), *[F.col(k) for k in keys]))


def with_spine_candidates_only(records: DataFrame, rules: list[list[str]]) -> DataFrame:
    """The non-spine records and only those spine records that share every key of some rule with one of them.

    Spine-spine pairs are never candidates, so a spine record sharing no rule's keys with a non-spine record
    can pair with nothing: leaving it out of Splink's input changes no candidate pair, and keeps the input
    near the size of the records the deterministic pass left (at S = 1, millions instead of 66 M spine
    records joined with themselves once per rule). Every rule's keys of the non-spine records go to the spine
    side as one broadcast set of 64-bit hashes (the rule's number is hashed in, so one set serves every rule,
    computed and broadcast once; a collision only lets one more spine record in).
    """
    others = records.filter(~F.col("is_spine"))
    every_key = F.array(*[_rule_key(number, keys) for number, keys in enumerate(rules)])
    shared = F.broadcast(others.select(F.explode(every_key).alias("_key")).dropna().distinct())
    spine = records.filter(F.col("is_spine"))
    for number, keys in enumerate(rules):
        hit = shared.select(F.col("_key").alias(f"_key{number}"), F.lit(True).alias(f"_hit{number}"))
        spine = spine.withColumn(f"_key{number}", _rule_key(number, keys)).join(hit, on=f"_key{number}", how="left")
    shares = F.coalesce(*[F.col(f"_hit{number}") for number in range(len(rules))], F.lit(False))
    return others.unionByName(spine.filter(shares).select(*records.columns))
