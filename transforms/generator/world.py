"""The world: households in real villages (survey) or areas (not surveyed), their members, IDs and names."""

from __future__ import annotations

import math
from typing import NamedTuple

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from transforms.generator.random import integer, normal, uniform

REFERENCE_DATE = "2018-03-15"  # BMN 2561 fieldwork; ages are as of this day
INDICATORS = (1, 4, 5, 7, 8, 9, 10, 11, 15, 16, 17, 19, 20, 21, 22, 27, 28)


def stochastic_round(value: Column, u: Column) -> Column:
    """floor(value) plus one with probability frac(value): unbiased, so tiny scales still get households."""
    return (F.floor(value) + F.when(u < value - F.floor(value), 1).otherwise(0)).cast("int")


def expand_households(areas: DataFrame, scale: float, seed: int) -> DataFrame:
    """One row per household. `areas`: village_code (null outside the survey), subdistrict..province codes,
    area_key (unique), households (published count at S=1), surveyed (bool)."""
    count = stochastic_round(F.col("households") * F.lit(scale), uniform(seed, "hh_count", "area_key"))
    return (
        areas.withColumn("_n", count)
        .where(F.col("_n") > 0)
        .withColumn("hh_seq", F.explode(F.sequence(F.lit(1), F.col("_n"))))
        .drop("_n", "households")
        .withColumn("hh_key", F.concat_ws("-", "area_key", F.lpad(F.col("hh_seq").cast("string"), 5, "0")))
        .withColumn("hh_id", F.when(F.col("surveyed"), F.col("hh_key")))
    )


def with_household_traits(households: DataFrame, seed: int, correlation: float, size_weight: float) -> DataFrame:
    """Size (mean = published persons per household), latent poverty factor, house code, and
    _persons_before: the members of the district's earlier households (in hh_key order), for with_citizen_ids.

    The latent factor is standard normal blended with the household's standardised size draw (weight
    size_weight): larger households are poorer, as in the published figures (poor households have 3.5
    members against 2.8 on average), while the factor keeps mean 0 and variance 1."""
    mean = F.greatest(F.col("mean_size"), F.lit(1.0))
    u_size = uniform(seed, "size", "hh_key")
    size = F.lit(1) + F.floor(u_size * (F.lit(2.0) * (mean - 1) + 1)).cast("int")
    standard_size = (u_size - F.lit(0.5)) * F.lit(math.sqrt(12.0))
    latent = F.lit(math.sqrt(1.0 - size_weight**2)) * normal(seed, "latent", "hh_key") - F.lit(size_weight) * standard_size
    by_district = Window.partitionBy("district_code").orderBy("hh_key")
    before = by_district.rowsBetween(Window.unboundedPreceding, -1)
    return (
        households.withColumn("size", size)
        .withColumn("latent_poverty", latent)
        .withColumn("poverty_correlation", F.lit(correlation))
        .withColumns({  # together: one window operator
            "house_code": F.concat(F.col("district_code"), F.lpad(F.row_number().over(by_district).cast("string"), 7, "0")),
            "_persons_before": F.coalesce(F.sum("size").over(before), F.lit(0)).cast("int"),
        })
    )


ELDERLY_AGE = 60
# Truncated exponential ages 60-94 (scale 12 years): 60-69 60 %, 70-79 26 %, 80+ 14 % (Thailand 2018: 57 / 29 / 14 %).
_OLD_SCALE, _OLD_SPAN = 12.0, 35


def _elderly_age(u: Column) -> Column:
    return (F.lit(ELDERLY_AGE) + F.floor(-F.log(F.lit(1.0) - u * F.lit(1 - math.exp(-_OLD_SPAN / _OLD_SCALE))) * F.lit(_OLD_SCALE))).cast("int")


def _working_head_age(u: Column) -> Column:
    """Heads of working age, 20-59: density rising linearly from 20 to 30, then flat (a seventh of the mass
    on the ramp), so the ages where people start heading households show no step."""
    ramp = F.lit(20) + F.floor(F.lit(10.0) * F.sqrt(u * 7))
    flat = F.lit(30) + F.floor((u - F.lit(1 / 7)) * F.lit(7 / 6 * 30))
    return F.least(F.lit(59), F.when(u < F.lit(1 / 7), ramp).otherwise(flat)).cast("int")


def with_relation_and_age(members: DataFrame, seed: int, old_head: bool) -> DataFrame:
    """Adds _rel_<kind> and _age_<kind> (kind: old or young): relation and age of each member in a household
    whose head is elderly (old_head) or of working age. One column at a time, so the head's age and the
    relation are computed once, not inlined into every branch that uses them.

    Young heads live with their children (0 to 40 years younger, at least 18) and often with a parent
    (grandparents living with the family); elderly heads with grandchildren or grown-up children."""
    kind = "old" if old_head else "young"
    head, rel = F.col(f"_head_{kind}"), F.col(f"_rel_{kind}")
    u = lambda purpose: uniform(seed, purpose, "hh_key", "member_no")  # noqa: E731
    head_u = uniform(seed, "head_age", "hh_key")
    has_spouse = uniform(seed, "spouse", "hh_key") < 0.8
    relation = F.when(F.col("member_no") == 1, "head").when((F.col("member_no") == 2) & has_spouse, "spouse")
    if old_head:
        relation = relation.when(u("grand") < 0.6, "grandchild")
    else:
        relation = relation.when((head < 55) & (u("parent") < 0.25), "parent")
    relation = relation.when(u("other") < 0.05, "relative").otherwise("child")
    youngest_child = F.greatest(F.lit(0), head - 40)
    age = (
        F.when(rel == "head", head)
        .when(rel == "spouse", F.greatest(F.lit(18), head + integer(seed, "sp_age", -6, 4, "hh_key")))
        .when(rel == "parent", F.greatest(head + 20, _elderly_age(u("p_age"))))
        .when(rel == "grandchild", integer(seed, "g_age", 0, 20, "hh_key", "member_no"))
        .when(rel == "relative", integer(seed, "r_age", 5, 70, "hh_key", "member_no"))
        .otherwise(youngest_child + F.floor(u("c_age") * (head - 18 - youngest_child + 1)).cast("int"))
    )
    return (
        members.withColumn(f"_head_{kind}", _elderly_age(head_u) if old_head else _working_head_age(head_u))
        .withColumn(f"_rel_{kind}", relation)
        .withColumn(f"_age_{kind}", F.least(F.lit(99), age).cast("int"))
        .drop(f"_head_{kind}")
    )


def elderly_head_probability(members: DataFrame) -> DataFrame:
    """Per district and survey coverage: the share p of households with an elderly head that makes the
    expected share of members aged 60+ equal `elderly_rate` (the published ELDERLY_CNT / HOUSEMEMBER_CNT).

    Both versions of every household are drawn from the same uniforms, so the area's elderly count is
    young + p * (old - young) in expectation over the head-type draw: p solves that for the target."""
    group = members.groupBy("district_code", "surveyed").agg(
        F.count("*").alias("_n"),
        F.sum((F.col("_age_young") >= ELDERLY_AGE).cast("long")).alias("_young"),
        F.sum((F.col("_age_old") >= ELDERLY_AGE).cast("long")).alias("_old"),
        F.first("elderly_rate").alias("_target"),
    )
    p = (F.col("_target") * F.col("_n") - F.col("_young")) / F.greatest(F.col("_old") - F.col("_young"), F.lit(1))
    return group.select("district_code", "surveyed", F.least(F.lit(1.0), F.greatest(F.lit(0.0), p)).alias("p_elderly_head"))


def expand_members(households: DataFrame, seed: int) -> DataFrame:
    """Members with relation, sex and age. Needs `elderly_rate` per household (its area's target share of
    members aged 60+): each household's head is elderly with the area's probability (elderly_head_probability)."""
    m = households.withColumn("member_no", F.explode(F.sequence(F.lit(1), F.col("size"))))
    m = with_relation_and_age(with_relation_and_age(m, seed, old_head=False), seed, old_head=True)
    m = m.join(F.broadcast(elderly_head_probability(m)), ["district_code", "surveyed"], "left")
    old = uniform(seed, "elderly_head", "hh_key") < F.col("p_elderly_head")
    head_male = uniform(seed, "head_sex", "hh_key") < 0.68
    male = (
        F.when(F.col("relation") == "head", head_male)
        .when(F.col("relation") == "spouse", ~head_male)
        .otherwise(uniform(seed, "sex", "hh_key", "member_no") < 0.49)
    )
    offset = integer(seed, "birthday", 0, 364, "hh_key", "member_no")
    return (
        m.withColumn("_old", old)
        .withColumn("relation", F.when(F.col("_old"), F.col("_rel_old")).otherwise(F.col("_rel_young")))
        .withColumn("age", F.when(F.col("_old"), F.col("_age_old")).otherwise(F.col("_age_young")))
        .withColumn("sex", F.when(male, "M").otherwise("F"))
        .withColumn("birth_date", F.date_sub(F.lit(REFERENCE_DATE).cast("date"), F.col("age") * 365 + offset + F.floor(F.col("age") / 4).cast("int")))
        .drop("_old", "_rel_young", "_age_young", "_rel_old", "_age_old", "p_elderly_head")
    )


def with_citizen_ids(persons: DataFrame, seed: int, migrant_share: float) -> DataFrame:
    """person_id and a valid unique 13-digit pid: type digit, district code, serial in district, check digit.

    The serial numbers the district's persons in (hh_key, member_no) order: the members of the district's
    earlier households (_persons_before, from with_household_traits) plus the member number, so persons
    need no window (and no shuffle) of their own."""
    born_1984 = F.year("birth_date") >= 1984
    migrant = ~F.col("surveyed") & (uniform(seed, "migrant", "hh_key", "member_no") < migrant_share)
    first = (
        F.when(migrant, F.element_at(F.array(F.lit("6"), F.lit("7"), F.lit("8")), integer(seed, "mtype", 1, 3, "hh_key", "member_no")))
        .when(born_1984, "1")
        .otherwise("3")
    )
    p = persons.withColumn("_serial", F.col("_persons_before") + F.col("member_no"))
    twelve = F.concat(first, F.col("district_code"), F.lpad(F.col("_serial").cast("string"), 7, "0"))
    return (
        p.withColumn("person_id", F.col("district_code").cast("long") * 10_000_000 + F.col("_serial"))
        .withColumn("pid", F.concat(twelve, check_digit(twelve)))
        .drop("_serial", "_persons_before")
    )


def check_digit(twelve: Column) -> Column:
    """d13 = (11 - sum_{i=1..12} (14 - i) * d_i mod 11) mod 10."""
    total = sum(F.substring(twelve, i, 1).cast("int") * (14 - i) for i in range(1, 13))
    return F.pmod(F.lit(11) - F.pmod(total, F.lit(11)), F.lit(10)).cast("string")


class Names(NamedTuple):
    """A small name table (index int 1..size, name) and its size."""

    frame: DataFrame
    size: int


def with_names(persons: DataFrame, male_names: Names, female_names: Names, family_names: Names, seed: int) -> DataFrame:
    """Given name by sex, household surname (married women take it), a maiden surname, and title.

    The name tables are broadcast and picked by hash index.
    """
    (male, n_male), (female, n_female), (family, n_family) = male_names, female_names, family_names
    pick = lambda n, purpose, *keys: (F.floor(uniform(seed, purpose, *keys) * n) + 1).cast("int")  # noqa: E731
    p = (
        persons.withColumn("_gi", F.when(F.col("sex") == "M", pick(n_male, "given", "hh_key", "member_no")).otherwise(pick(n_female, "given", "hh_key", "member_no")))
        .withColumn("_fi", pick(n_family, "family", "hh_key"))
        .withColumn("_mi", pick(n_family, "maiden", "hh_key", "member_no"))
    )
    p = (
        p.join(F.broadcast(male.withColumnRenamed("name", "_male")), p["_gi"] == male["index"], "left").drop("index")
        .join(F.broadcast(female.withColumnRenamed("name", "_female")), p["_gi"] == female["index"], "left").drop("index")
        .join(F.broadcast(family.withColumnRenamed("name", "last_name")), p["_fi"] == family["index"], "left").drop("index")
    )
    maiden = family.withColumnRenamed("name", "maiden_name").withColumnRenamed("index", "_mi")
    married = (F.col("sex") == "F") & F.col("relation").isin("head", "spouse") & (F.col("age") >= 18)
    title = (
        F.when(F.col("age") < 15, F.when(F.col("sex") == "M", "เด็กชาย").otherwise("เด็กหญิง"))
        .when(F.col("sex") == "M", "นาย")
        .when(married, "นาง")
        .otherwise("นางสาว")
    )
    return (
        p.join(F.broadcast(maiden), on="_mi", how="left")
        .withColumn("first_name", F.when(F.col("sex") == "M", F.col("_male")).otherwise(F.col("_female")))
        .withColumn("maiden_name", F.when(married, F.col("maiden_name")).otherwise(F.col("last_name")))
        .withColumn("title", title)
        .drop("_gi", "_fi", "_mi", "_male", "_female")
    )


def with_contact(persons: DataFrame, seed: int, death_rate: float) -> DataFrame:
    """A mobile phone (adults), alive/dead (only outside the survey: the survey counts the living)."""
    digits = F.lpad(F.pmod(F.xxhash64(F.lit(seed), F.lit("phone"), "pid"), F.lit(100_000_000)).cast("string"), 8, "0")
    prefix = F.element_at(F.array(*[F.lit(x) for x in ("08", "09", "06")]), integer(seed, "phone_prefix", 1, 3, "pid"))
    dead = ~F.col("surveyed") & (uniform(seed, "dead", "pid") < F.lit(death_rate) * (1 + F.col("age") / 30))
    return persons.withColumn("phone", F.when(F.col("age") >= 15, F.concat(prefix, digits))).withColumn("is_alive", ~dead)
