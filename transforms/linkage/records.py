"""The linkage input: every person-bearing silver record with the canonical columns and derived blocking keys."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import reduce

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from transforms.distinct import per_distinct, with_derived_per_distinct
from udfs.latin_names import is_latin, roman_key

CANONICAL = (
    "record_id",
    "source",
    "record_key",
    "pid",
    "pid_valid",
    "title",
    "first_name",
    "last_name",
    "first_name_key",
    "last_name_key",
    "birth_date",
    "birth_date_precision",
    "birth_year",
    "sex",
    "phone",
    "house_code",
    "village_code",
    "subdistrict_code",
    "district_code",
    "province_code",
    "_delivery",
)


def union_canonical(frames: list[DataFrame], columns: Sequence[str] | None = None) -> DataFrame:
    """Stack the sources' `columns` (default CANONICAL; payload columns such as the child grant's mother_pid
    are dropped, so a mother's ID can never take part in linking her child)."""
    return reduce(lambda a, b: a.unionByName(b), [df.select(*(columns or CANONICAL)) for df in frames])


def with_blocking_keys(records: DataFrame, spine: str, derived_keys: Mapping[str, str]) -> DataFrame:
    """Add is_spine and the derived blocking keys (name -> Spark SQL expression, from the settings)."""
    return records.withColumns({"is_spine": F.col("source") == F.lit(spine), **{name: F.expr(sql) for name, sql in derived_keys.items()}})


def with_latin_flag(records: DataFrame) -> DataFrame:
    """latin_name: the record gives a first or last name in Latin script (udfs.latin_names.is_latin)."""
    return records.withColumn("latin_name", is_latin(F.col("first_name")) | is_latin(F.col("last_name")))


def with_roman_names(records: DataFrame, romanise: bool = True) -> DataFrame:
    """first_name_rom and last_name_rom (udfs.latin_names: Thai romanised, Latin as written, one spelling per
    sound), what compares a Latin name with its Thai form; needs latin_name (with_latin_flag).

    Each distinct name is romanised once (a pandas UDF, ~4,000 Thai names/s). Only pairs with a Latin name
    use the keys (conf/linkage.yaml), so where no record has one (`romanise` false) they are left null."""
    if not romanise:
        return records.withColumns({f"{name}_rom": F.lit(None).cast("string") for name in ("first_name", "last_name")})

    def keyed(name: str):
        return per_distinct([name], lambda d: d.withColumn(f"{name}_rom", roman_key(F.col(name))), [f"{name}_rom"])

    return records.transform(with_derived_per_distinct(keyed("first_name"), keyed("last_name")))


def with_shared_values_unknown(
    residual: DataFrame, records: DataFrame, group: str, unknown_if_shared: Mapping[str, str], own: DataFrame | None = None
) -> DataFrame:
    """The residual with each column of `unknown_if_shared` (column -> key) null on a record whose key value
    another record of its group (`group`, a derived key of `records`) shares: two members of a household are not
    given one first name, so one of them carries the other's, and on neither is the name evidence. `own`
    (record_id): records whose values are kept all the same (a record whose ID names a registry record that
    agrees with it on nothing carries another member's ID, and its name is its own). Only the groups of residual
    records are looked up (a broadcast set: the residual is a few percent of the records)."""
    keys = sorted(set(unknown_if_shared.values()))
    groups = F.broadcast(residual.filter(F.col(group).isNotNull()).select(group).distinct())
    members = records.filter(F.col(group).isNotNull()).join(groups, on=group, how="left_semi")
    flags = {
        key: F.broadcast(
            members.filter(F.col(key).isNotNull())
            .groupBy(group, key)
            .count()
            .filter("count > 1")
            .select(group, key, F.lit(True).alias(f"_shared_{key}"))
        )
        for key in keys
    }
    out = reduce(lambda df, key: df.join(flags[key], on=[group, key], how="left"), keys, residual)
    kept = F.lit(False)
    if own is not None:
        out = out.join(F.broadcast(own.select("record_id", F.lit(True).alias("_own"))), on="record_id", how="left")
        kept = F.coalesce(F.col("_own"), F.lit(False))
    shared = {key: F.coalesce(F.col(f"_shared_{key}"), F.lit(False)) & ~kept for key in keys}
    nulled = {
        column: F.when(shared[key], F.lit(None).cast(residual.schema[column].dataType)).otherwise(F.col(column))
        for column, key in unknown_if_shared.items()
    }
    return out.withColumns(nulled).select(*residual.columns)
