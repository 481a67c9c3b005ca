"""The world: households in real villages (survey) or areas (not surveyed), their members, IDs and names."""

from __future__ import annotations

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


def with_household_traits(households: DataFrame, seed: int, correlation: float) -> DataFrame:
    """Size (mean = published persons per household), latent poverty factor, house code."""
    mean = F.greatest(F.col("mean_size"), F.lit(1.0))
    size = F.lit(1) + F.floor(uniform(seed, "size", "hh_key") * (F.lit(2.0) * (mean - 1) + 1)).cast("int")
    by_district = Window.partitionBy("district_code").orderBy("hh_key")
    return (
        households.withColumn("size", size)
        .withColumn("latent_poverty", normal(seed, "latent", "hh_key"))
        .withColumn("poverty_correlation", F.lit(correlation))
        .withColumn(
            "house_code",
            F.concat(F.col("district_code"), F.lpad(F.row_number().over(by_district).cast("string"), 7, "0")),
        )
    )


def expand_members(households: DataFrame, seed: int) -> DataFrame:
    """Members with relation, sex and age: a head, often a spouse, children or grandchildren, sometimes a parent."""
    m = households.withColumn("member_no", F.explode(F.sequence(F.lit(1), F.col("size"))))
    u = lambda purpose: uniform(seed, purpose, "hh_key", "member_no")  # noqa: E731
    head_age = F.lit(25) + F.floor(uniform(seed, "head_age", "hh_key") * 60).cast("int")
    head_male = uniform(seed, "head_sex", "hh_key") < 0.68
    has_spouse = uniform(seed, "spouse", "hh_key") < 0.8
    m = m.withColumn("_head_age", head_age).withColumn("_head_male", head_male)
    relation = (
        F.when(F.col("member_no") == 1, "head")
        .when((F.col("member_no") == 2) & has_spouse, "spouse")
        .when((F.col("_head_age") < 50) & (u("parent") < 0.12), "parent")
        .when((F.col("_head_age") >= 55) & (u("grand") < 0.6), "grandchild")
        .when(u("other") < 0.05, "relative")
        .otherwise("child")
    )
    age = (
        F.when(F.col("relation") == "head", F.col("_head_age"))
        .when(F.col("relation") == "spouse", F.col("_head_age") + integer(seed, "sp_age", -6, 4, "hh_key"))
        .when(F.col("relation") == "parent", F.col("_head_age") + integer(seed, "p_age", 22, 35, "hh_key", "member_no"))
        .when(F.col("relation") == "grandchild", integer(seed, "g_age", 0, 20, "hh_key", "member_no"))
        .when(F.col("relation") == "relative", integer(seed, "r_age", 5, 70, "hh_key", "member_no"))
        .otherwise(F.col("_head_age") - integer(seed, "c_age", 18, 40, "hh_key", "member_no"))
    )
    male = (
        F.when(F.col("relation") == "head", F.col("_head_male"))
        .when(F.col("relation") == "spouse", ~F.col("_head_male"))
        .otherwise(u("sex") < 0.49)
    )
    offset = integer(seed, "birthday", 0, 364, "hh_key", "member_no")
    return (
        m.withColumn("relation", relation)
        .withColumn("age", F.greatest(F.lit(0), F.least(F.lit(99), age)).cast("int"))
        .withColumn("sex", F.when(male, "M").otherwise("F"))
        .withColumn("birth_date", F.date_sub(F.lit(REFERENCE_DATE).cast("date"), F.col("age") * 365 + offset + F.floor(F.col("age") / 4).cast("int")))
        .drop("_head_age", "_head_male")
    )


def with_citizen_ids(persons: DataFrame, seed: int, migrant_share: float) -> DataFrame:
    """person_id and a valid unique 13-digit pid: type digit, district code, serial in district, check digit."""
    by_district = Window.partitionBy("district_code").orderBy("hh_key", "member_no")
    born_1984 = F.year("birth_date") >= 1984
    migrant = ~F.col("surveyed") & (uniform(seed, "migrant", "hh_key", "member_no") < migrant_share)
    first = (
        F.when(migrant, F.element_at(F.array(F.lit("6"), F.lit("7"), F.lit("8")), integer(seed, "mtype", 1, 3, "hh_key", "member_no")))
        .when(born_1984, "1")
        .otherwise("3")
    )
    p = persons.withColumn("_serial", F.row_number().over(by_district))
    twelve = F.concat(first, F.col("district_code"), F.lpad(F.col("_serial").cast("string"), 7, "0"))
    return (
        p.withColumn("person_id", F.col("district_code").cast("long") * 10_000_000 + F.col("_serial"))
        .withColumn("pid", F.concat(twelve, check_digit(twelve)))
        .drop("_serial")
    )


def check_digit(twelve: Column) -> Column:
    """d13 = (11 - sum_{i=1..12} (14 - i) * d_i mod 11) mod 10."""
    total = sum(F.substring(twelve, i, 1).cast("int") * (14 - i) for i in range(1, 13))
    return F.pmod(F.lit(11) - F.pmod(total, F.lit(11)), F.lit(10)).cast("string")


def with_names(persons: DataFrame, male: DataFrame, female: DataFrame, family: DataFrame, seed: int) -> DataFrame:
    """Given name by sex, household surname (married women take it), a maiden surname, and title.

    The name tables are small (index int 1..n, name); they are broadcast and picked by hash index.
    """
    n_male, n_female, n_family = male.count(), female.count(), family.count()
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
