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
        .withColumns(
            {  # together: one window operator
                "house_code": F.concat(F.col("district_code"), F.lpad(F.row_number().over(by_district).cast("string"), 7, "0")),
                "_persons_before": F.coalesce(F.sum("size").over(before), F.lit(0)).cast("int"),
            }
        )
    )


ELDERLY_AGE = 60
# Truncated exponential ages 60-94 (scale 12 years): 60-69 60 %, 70-79 26 %, 80+ 14 % (Thailand 2018: 57 / 29 / 14 %).
_OLD_SCALE, _OLD_SPAN = 12.0, 35


def _elderly_age(u: Column) -> Column:
    return (F.lit(ELDERLY_AGE) + F.floor(-F.log(F.lit(1.0) - u * F.lit(1 - math.exp(-_OLD_SPAN / _OLD_SCALE))) * F.lit(_OLD_SCALE))).cast(
        "int"
    )


def _working_head_age(u: Column) -> Column:
    """Heads of working age, 20-59: density rising linearly from 20 to 30, then flat (a seventh of the mass
    on the ramp), so the ages where people start heading households show no step."""
    ramp = F.lit(20) + F.floor(F.lit(10.0) * F.sqrt(u * 7))
    flat = F.lit(30) + F.floor((u - F.lit(1 / 7)) * F.lit(7 / 6 * 30))
    return F.least(F.lit(59), F.when(u < F.lit(1 / 7), ramp).otherwise(flat)).cast("int")


def with_relation_and_age(members: DataFrame, seed: int, old_head: bool, member: str = "member_no", suffix: str = "") -> DataFrame:
    """Adds _rel_<kind><suffix> and _age_<kind><suffix> (kind: old or young): relation and age of the member
    numbered by column `member` in a household whose head is elderly (old_head) or of working age. One column
    at a time, so the head's age and the relation are computed once, not inlined into every branch that uses them.
    (A draw is a function of the household and the member number, so another member's can be computed in place.)

    Young heads live with their children (0 to 40 years younger, at least 18) and often with a parent
    (grandparents living with the family); elderly heads with grandchildren or grown-up children."""
    kind = "old" if old_head else "young"
    head, rel = F.col(f"_head_{kind}"), F.col(f"_rel_{kind}{suffix}")

    def u(purpose):
        return uniform(seed, purpose, "hh_key", member)

    head_u = uniform(seed, "head_age", "hh_key")
    has_spouse = uniform(seed, "spouse", "hh_key") < 0.8
    relation = F.when(F.col(member) == 1, "head").when((F.col(member) == 2) & has_spouse, "spouse")
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
        .when(rel == "grandchild", integer(seed, "g_age", 0, 20, "hh_key", member))
        .when(rel == "relative", integer(seed, "r_age", 5, 70, "hh_key", member))
        .otherwise(youngest_child + F.floor(u("c_age") * (head - 18 - youngest_child + 1)).cast("int"))
    )
    return (
        members.withColumn(f"_head_{kind}", _elderly_age(head_u) if old_head else _working_head_age(head_u))
        .withColumn(f"_rel_{kind}{suffix}", relation)
        .withColumn(f"_age_{kind}{suffix}", F.least(F.lit(99), age).cast("int"))
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


def _chosen(old: Column, name: str, suffix: str = "") -> Column:
    """The old-head or young-head version of a member's relation or age (with_relation_and_age)."""
    return F.when(old, F.col(f"_{name}_old{suffix}")).otherwise(F.col(f"_{name}_young{suffix}"))


def expand_members(households: DataFrame, seed: int, twins: float = 0.0) -> DataFrame:
    """Members with relation, sex and age. Needs `elderly_rate` per household (its area's target share of
    members aged 60+): each household's head is elderly with the area's probability (elderly_head_probability).

    A child (or grandchild) listed right after a sibling of the same relation (not itself a twin) is that
    sibling's twin with probability `twins`: same birth date (so same house, surname and parents), a first name of its own;
    lookalike_kind says so (see with_lookalike_of)."""
    m = households.withColumn("member_no", F.explode(F.sequence(F.lit(1), F.col("size")))).withColumn("_prev_no", F.col("member_no") - 1)
    for old_head in (False, True):
        m = with_relation_and_age(m, seed, old_head)
        m = with_relation_and_age(m, seed, old_head, member="_prev_no", suffix="_prev")
    m = m.join(F.broadcast(elderly_head_probability(m)), ["district_code", "surveyed"], "left")
    old = F.col("_old")
    head_male = uniform(seed, "head_sex", "hh_key") < 0.68
    male = (
        F.when(F.col("relation") == "head", head_male)
        .when(F.col("relation") == "spouse", ~head_male)
        .otherwise(uniform(seed, "sex", "hh_key", "member_no") < 0.49)
    )
    twin = (
        F.col("relation").isin("child", "grandchild")
        & (_chosen(old, "rel", "_prev") == F.col("relation"))
        & (uniform(seed, "twin", "hh_key", "member_no") < F.lit(twins))
        & (uniform(seed, "twin", "hh_key", "_prev_no") >= F.lit(twins))  # the sibling is not itself a twin of an earlier one
    )
    own_day, twin_day = (integer(seed, "birthday", 0, 364, "hh_key", k) for k in ("member_no", "_prev_no"))
    return (
        m.withColumn("_old", uniform(seed, "elderly_head", "hh_key") < F.col("p_elderly_head"))
        .withColumn("relation", _chosen(old, "rel"))
        .withColumn("_twin", twin)
        .withColumn("age", F.when(F.col("_twin"), _chosen(old, "age", "_prev")).otherwise(_chosen(old, "age")))
        .withColumn("sex", F.when(male, "M").otherwise("F"))
        .withColumn("head_sex", F.when(head_male, "M").otherwise("F"))
        .withColumn("_day", F.when(F.col("_twin"), twin_day).otherwise(own_day))
        .withColumn(
            "birth_date",
            F.date_sub(F.lit(REFERENCE_DATE).cast("date"), F.col("age") * 365 + F.col("_day") + F.floor(F.col("age") / 4).cast("int")),
        )
        .withColumn("lookalike_kind", F.when(F.col("_twin"), F.lit("twin")))
        .drop(
            "_old",
            "_twin",
            "_day",
            "_prev_no",
            "p_elderly_head",
            *[f"_{c}_{k}{s}" for c in ("rel", "age") for k in ("young", "old") for s in ("", "_prev")],
        )
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


def with_names(
    persons: DataFrame, male_names: Names, female_names: Names, family_names: Names, seed: int, juniors: float = 0.0
) -> DataFrame:
    """Given name by sex, household surname (married women take it), a maiden surname, and title.

    A child of the head's sex is given the head's first name with probability `juniors` (lookalike_kind
    junior, unless already a twin). The name tables are broadcast and picked by hash index.
    """
    (male, n_male), (female, n_female), (family, n_family) = male_names, female_names, family_names

    def pick(n, purpose, *keys):
        return (F.floor(uniform(seed, purpose, *keys) * n) + 1).cast("int")

    def given(sex, member):
        return F.when(sex == "M", pick(n_male, "given", "hh_key", member)).otherwise(pick(n_female, "given", "hh_key", member))

    junior = (
        F.col("lookalike_kind").isNull()
        & (F.col("relation") == "child")
        & (F.col("sex") == F.col("head_sex"))
        & (uniform(seed, "junior", "hh_key", "member_no") < F.lit(juniors))
    )
    p = (
        persons.withColumn("lookalike_kind", F.when(junior, F.lit("junior")).otherwise(F.col("lookalike_kind")))
        .withColumn(
            "_gi",
            F.when(F.col("lookalike_kind") == "junior", given(F.col("head_sex"), F.lit(1))).otherwise(
                given(F.col("sex"), F.col("member_no"))
            ),
        )
        .withColumn("_fi", pick(n_family, "family", "hh_key"))
        .withColumn("_mi", pick(n_family, "maiden", "hh_key", "member_no"))
    )
    p = (
        p.join(F.broadcast(male.withColumnRenamed("name", "_male")), p["_gi"] == male["index"], "left")
        .drop("index")
        .join(F.broadcast(female.withColumnRenamed("name", "_female")), p["_gi"] == female["index"], "left")
        .drop("index")
        .join(F.broadcast(family.withColumnRenamed("name", "last_name")), p["_fi"] == family["index"], "left")
        .drop("index")
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


def with_contact(persons: DataFrame, seed: int, death_rate: float, family_phone: float = 0.0) -> DataFrame:
    """A mobile phone (aged 15+), alive/dead (only outside the survey: the survey counts the living).

    In a share `family_phone` of households every member aged 15+ gives the same phone (lookalike_kind
    family_phone for the members other than the head, unless already a look-alike of another kind)."""
    shared = uniform(seed, "family_phone", "hh_key") < F.lit(family_phone)
    owner = F.when(shared, F.col("hh_key")).otherwise(F.col("pid"))
    digits = F.lpad(F.pmod(F.xxhash64(F.lit(seed), F.lit("phone"), owner), F.lit(100_000_000)).cast("string"), 8, "0")
    prefix = F.element_at(F.array(*[F.lit(x) for x in ("08", "09", "06")]), integer(seed, "phone_prefix", 1, 3, owner))
    dead = ~F.col("surveyed") & (uniform(seed, "dead", "pid") < F.lit(death_rate) * (1 + F.col("age") / 30))
    sharing = shared & (F.col("age") >= 15) & (F.col("member_no") > 1) & F.col("lookalike_kind").isNull()
    return (
        persons.withColumn("phone", F.when(F.col("age") >= 15, F.concat(prefix, digits)))
        .withColumn("is_alive", ~dead)
        .withColumn("lookalike_kind", F.when(sharing, F.lit("family_phone")).otherwise(F.col("lookalike_kind")))
    )


def with_lookalike_of(persons: DataFrame) -> DataFrame:
    """lookalike_of: the person a look-alike was made to resemble. Person ids are consecutive within a
    household (with_citizen_ids), so a twin's sibling is the previous id and the head is member 1's."""
    return persons.withColumn(
        "lookalike_of",
        F.when(F.col("lookalike_kind") == "twin", F.col("person_id") - 1)
        .when(F.col("lookalike_kind").isin("junior", "family_phone"), F.col("person_id") - F.col("member_no") + 1)
        .otherwise(F.col("lookalike_of")),  # a namesake's original (with_namesakes)
    )


def with_namesakes(persons: DataFrame, villages: DataFrame, seed: int, rate: float) -> DataFrame:
    """Adds, for a share `rate` of adults, a namesake: another person (outside the survey, alone in a house of
    another village of the same district when it has one) with the same title, names, sex and birth date,
    and an ID, phone and person id of their own; lookalike_kind namesake, lookalike_of the original.

    `villages`: village_code, subdistrict_code, district_code, village_no (1..villages in the district),
    district_villages. A namesake's serial is 5,000,000 plus the original's, beyond any district's persons."""
    chosen = persons.where((F.col("age") >= 18) & F.col("village_code").isNotNull() & (uniform(seed, "namesake", "pid") < F.lit(rate)))
    own = villages.select("village_code", F.col("village_no").alias("_own_no"), "district_villages")
    # One of the district's other villages (the same one only where the district has no other).
    other = F.lit(1) + F.floor(uniform(seed, "namesake_village", "pid") * F.greatest(F.col("district_villages") - 1, F.lit(1))).cast("int")
    picked = (
        chosen.join(F.broadcast(own), "village_code", "inner")
        .withColumn("village_no", F.when((other >= F.col("_own_no")) & (F.col("district_villages") > 1), other + 1).otherwise(other))
        .drop("village_code", "subdistrict_code", "district_villages", "_own_no")
        .join(F.broadcast(villages.drop("district_villages")), ["district_code", "village_no"], "inner")
    )
    serial = F.lit(5_000_000) + F.substring("pid", 6, 7).cast("int")
    twelve = F.concat(F.substring("pid", 1, 1), F.col("district_code"), F.lpad(serial.cast("string"), 7, "0"))
    copies = (
        picked.select(
            *[c for c in persons.columns if c not in ("village_code", "subdistrict_code", "village_no")],
            "village_code",
            "subdistrict_code",
            (F.col("district_code").cast("long") * 10_000_000 + serial).alias("_person_id"),
            F.concat(twelve, check_digit(twelve)).alias("_pid"),
        )
        .withColumns(
            {
                "lookalike_of": F.col("person_id"),
                "lookalike_kind": F.lit("namesake"),
                "person_id": F.col("_person_id"),
                "pid": F.col("_pid"),
                "hh_key": F.concat(F.lit("S"), F.col("_pid")),
                "hh_id": F.lit(None).cast("string"),
                "member_no": F.lit(1),
                "relation": F.lit("head"),
                "surveyed": F.lit(False),
                "house_code": F.concat(F.col("district_code"), F.lpad(serial.cast("string"), 7, "0")),
            }
        )
        .drop("_person_id", "_pid")
    )
    originals = persons.withColumn("lookalike_of", F.lit(None).cast("long"))
    return originals.unionByName(copies.select(*originals.columns))
