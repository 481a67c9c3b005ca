"""Survey rounds: the world of round 2561 moved on one year at a time (generate --round). Pure.

Each step from round r - 1 to r works on the persons frame before the survey is drawn (world.py's columns
plus their household's): deaths, a year of age, grown children leaving home, households moving, survey
coverage changing, births, and the household's latent poverty moving. The survey's answers, welfare and
the deliveries are then drawn from the moved world as for the first round. Every draw is a hash of
(seed, round, entity), so a round is the same whichever rounds were generated before it. Poverty persists
through the latent factor (RoundSettings.latent_persistence) and through last round's answers
(survey.with_deprivation's `previous`, RoundSettings.deprivation_persistence).
"""

from __future__ import annotations

import math

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from transforms.generator import world
from transforms.generator.random import integer, normal, uniform
from transforms.generator.settings import RoundSettings, years_later

FIRST_ROUND = 2561  # BMN 2561: the published figures the world is calibrated to
LAST_ROUND = FIRST_ROUND + 9  # serials and household numbers leave room for nine later rounds
BIRTH_SERIAL = 6_000_000  # a district's serials: persons from 1, namesakes from 5,000,000, births from here
HOUSE_SERIAL = 8_000_000  # new house codes (movers, children leaving home) from here
ROUND_BLOCK = 100_000  # serials per district and round


def years_after_first(survey_round: int) -> int:
    return survey_round - FIRST_ROUND


def round_seed(seed: int, survey_round: int) -> int:
    """The seed of what is drawn afresh each round (which households fail which indicator): the seed in 2561."""
    return seed if survey_round == FIRST_ROUND else seed * 100_000 + survey_round


def registration_draw(seed: int, survey_round: int, persistence: float) -> Column | None:
    """A person's standard normal welfare-registration draw in the round, an AR(1) chain from 2561's
    (survey.with_welfare's own draw, None in 2561): Z_r = sqrt(k) Z_(r-1) + sqrt(1 - k) e_r, written out."""
    n = years_after_first(survey_round)
    if n == 0:
        return None
    terms = [F.lit(math.sqrt(persistence**n)) * normal(seed, "reg", "pid")]
    terms += [
        F.lit(math.sqrt(persistence ** (n - k) * (1 - persistence))) * normal(seed, f"reg{FIRST_ROUND + k}", "pid") for k in range(1, n + 1)
    ]
    return sum(terms[1:], terms[0])


def reference_date(survey_round: int) -> str:
    """The round's fieldwork day (world.REFERENCE_DATE in 2561): ages are as of this day."""
    return years_later(world.REFERENCE_DATE, years_after_first(survey_round))


def next_round(
    persons: DataFrame, villages: DataFrame, names: tuple[world.Names, world.Names, world.Names], seed: int, r: int, s: RoundSettings
) -> DataFrame:
    """One year: from round r - 1 to r. `villages`: ref.village (village_code .. province_code)."""
    return (
        persons.transform(lambda df: with_deaths(df, seed, r, s.mortality_base, s.mortality_growth))
        .withColumn("age", F.col("age") + 1)
        .withColumn("title", _adult_title_at_15())
        .withColumns({"_new_house": F.lit(False), "_new_id": F.lit(False)})
        .transform(lambda df: with_children_leaving(df, seed, r, s.leave_home))
        .transform(lambda df: with_household_moves(df, villages, seed, r, s.household_moves, s.move_away))
        .transform(lambda df: with_survey_coverage(df, seed, r, s.survey_exit, s.survey_entry))
        .transform(lambda df: with_births(df, names, seed, r, s.fertility))
        .transform(lambda df: with_new_houses(df, r))
        .withColumn("latent_poverty", moved_latent(seed, r, s.latent_persistence))
        .withColumn("size", F.count("*").over(Window.partitionBy("hh_key")).cast("int"))
        .drop("_new_house", "_new_id")
    )


def with_deaths(persons: DataFrame, seed: int, r: int, base: float, growth: float) -> DataFrame:
    """The living die with Gompertz probability base * exp(growth * age); the dead leave the survey (it counts
    the living) and stay in the registry as dead."""
    q = F.least(F.lit(1.0), F.lit(base) * F.exp(F.lit(growth) * F.col("age")))
    dies = F.col("is_alive") & (uniform(seed, f"death{r}", "pid") < q)
    return persons.withColumns({"is_alive": F.col("is_alive") & ~dies, "surveyed": F.col("surveyed") & ~dies})


def _adult_title_at_15() -> Column:
    """A child's title becomes an adult's the year they turn 15 (unmarried: นางสาว)."""
    return F.when(F.col("age") == 15, F.when(F.col("sex") == "M", "นาย").otherwise("นางสาว")).otherwise(F.col("title"))


def with_children_leaving(persons: DataFrame, seed: int, r: int, rate: float) -> DataFrame:
    """Grown children (20-35) leave home with probability `rate`: the head of a household of their own in the same
    village, with a fresh latent poverty factor (their own circumstances)."""
    leaves = (
        F.col("is_alive")
        & F.col("relation").isin("child", "grandchild")
        & F.col("age").between(20, 35)
        & (uniform(seed, f"leave{r}", "pid") < F.lit(rate))
    )
    new_key = F.concat_ws("-", F.col("hh_key"), F.lit(f"L{r}"), F.col("member_no").cast("string"))
    return (
        persons.withColumn("_leaves", leaves)
        .withColumns(
            {
                "hh_key": F.when(F.col("_leaves"), new_key).otherwise(F.col("hh_key")),
                "member_no": F.when(F.col("_leaves"), F.lit(1)).otherwise(F.col("member_no")),
                "relation": F.when(F.col("_leaves"), F.lit("head")).otherwise(F.col("relation")),
                "head_sex": F.when(F.col("_leaves"), F.col("sex")).otherwise(F.col("head_sex")),
                "latent_poverty": F.when(F.col("_leaves"), normal(seed, f"latent_new{r}", new_key)).otherwise(F.col("latent_poverty")),
                "_new_house": F.col("_new_house") | F.col("_leaves"),
            }
        )
        .drop("_leaves")
    )


def with_household_moves(persons: DataFrame, villages: DataFrame, seed: int, r: int, rate: float, away: float) -> DataFrame:
    """A share `rate` of households move house: to a village of another district anywhere (a share `away` of the
    movers, and every mover from a district without villages) or of their own district. They keep their
    members, IDs and survey status; their house (and survey household id) is new."""
    v = villages.select("village_code", "subdistrict_code", "district_code", "province_code")
    numbered = v.withColumns(
        {
            "_country_no": F.row_number().over(Window.partitionBy(F.lit(1)).orderBy("village_code")),  # 75 k rows: one partition is fine
            "_district_no": F.row_number().over(Window.partitionBy("district_code").orderBy("village_code")),
        }
    )
    counts = numbered.groupBy("district_code").agg(F.count("*").alias("_district_villages"))
    moves = F.col("is_alive") & (uniform(seed, f"move{r}", "hh_key") < F.lit(rate))
    p = (
        persons.withColumn("_moves", moves)
        .join(F.broadcast(counts), "district_code", "left")
        .crossJoin(F.broadcast(numbered.agg(F.count("*").alias("_country_villages"))))
    )
    far = (uniform(seed, f"move_away{r}", "hh_key") < F.lit(away)) | F.col("_district_villages").isNull()
    pick_country = (F.lit(1) + F.floor(uniform(seed, f"move_to{r}", "hh_key") * F.col("_country_villages"))).cast("int")
    pick_district = (F.lit(1) + F.floor(uniform(seed, f"move_to{r}", "hh_key") * F.col("_district_villages"))).cast("int")
    p = p.withColumns(
        {
            "_to_country": F.when(F.col("_moves") & far, pick_country),
            "_to_district": F.when(F.col("_moves") & ~far, pick_district),
        }
    )
    to_country = numbered.select(
        F.col("_country_no").alias("_to_country"),
        *[F.col(c).alias(f"_c_{c}") for c in ("village_code", "subdistrict_code", "district_code", "province_code")],
    )
    to_district = numbered.select(
        F.col("district_code").alias("_from_district"),
        F.col("_district_no").alias("_to_district"),
        *[F.col(c).alias(f"_d_{c}") for c in ("village_code", "subdistrict_code", "province_code")],
    )
    p = p.join(F.broadcast(to_country), "_to_country", "left").join(
        F.broadcast(to_district),
        (p["district_code"] == to_district["_from_district"]) & (p["_to_district"] == to_district["_to_district"]),
        "left",
    )
    moved = {
        "village_code": F.coalesce("_c_village_code", "_d_village_code", "village_code"),
        "subdistrict_code": F.coalesce("_c_subdistrict_code", "_d_subdistrict_code", "subdistrict_code"),
        "province_code": F.coalesce("_c_province_code", "_d_province_code", "province_code"),
        "district_code": F.coalesce("_c_district_code", "district_code"),
        "_new_house": F.col("_new_house") | F.col("_moves"),
    }
    return p.withColumns(moved).select(*persons.columns)


def with_survey_coverage(persons: DataFrame, seed: int, r: int, exit_rate: float, entry_rate: float) -> DataFrame:
    """Surveyed households not interviewed this round (a share `exit_rate`) and households of surveyed villages
    interviewed for the first time (a share `entry_rate` of those not surveyed that live in a village)."""
    exits = F.col("surveyed") & (uniform(seed, f"survey_exit{r}", "hh_key") < F.lit(exit_rate))
    enters = (
        ~F.col("surveyed")
        & F.col("is_alive")
        & F.col("village_code").isNotNull()
        & ~F.col("hh_key").startswith("S")  # a namesake's house stays outside the survey (it was made to be)
        & (uniform(seed, f"survey_entry{r}", "hh_key") < F.lit(entry_rate))
    )
    return persons.withColumns(
        {
            "surveyed": (F.col("surveyed") & ~exits) | enters,
            "hh_id": F.when(exits, F.lit(None).cast("string")).otherwise(F.col("hh_id")),
            "_new_id": enters,  # a survey household id of its own (with_new_houses)
        }
    )


def with_births(persons: DataFrame, names: tuple[world.Names, world.Names, world.Names], seed: int, r: int, fertility: float) -> DataFrame:
    """A household whose head or spouse is a woman of 18-44 has a baby with probability `fertility`: member number
    50 + years since 2561, the mother's surname, an ID registered in the household's district now."""
    mothers = persons.where(
        F.col("is_alive") & (F.col("sex") == "F") & F.col("relation").isin("head", "spouse") & F.col("age").between(18, 44)
    )
    first_mother = Window.partitionBy("hh_key").orderBy("member_no")
    born = mothers.withColumn("_k", F.row_number().over(first_mother)).where(
        (F.col("_k") == 1) & (uniform(seed, f"birth{r}", "hh_key") < F.lit(fertility))
    )
    in_district = Window.partitionBy("district_code").orderBy("hh_key")
    serial = F.lit(BIRTH_SERIAL + (r - FIRST_ROUND - 1) * ROUND_BLOCK) + F.row_number().over(in_district)
    twelve = F.concat(F.lit("1"), F.col("district_code"), F.lpad(F.col("_serial").cast("string"), 7, "0"))
    day = integer(seed, f"birthday{r}", 1, 365, "hh_key")
    babies = (
        born.withColumn("_serial", serial)
        .withColumns(
            {
                "_mother_last_name": F.col("last_name"),
                "member_no": F.lit(50 + years_after_first(r)),
                "relation": F.lit("child"),
                "age": F.lit(0),
                "sex": F.when(uniform(seed, f"baby_sex{r}", "hh_key") < 0.51, "M").otherwise("F"),
                "birth_date": F.date_sub(F.lit(reference_date(r)).cast("date"), day),
                "person_id": F.col("district_code").cast("long") * 10_000_000 + F.col("_serial"),
                "pid": F.concat(twelve, world.check_digit(twelve)),
                "phone": F.lit(None).cast("string"),
                "lookalike_kind": F.lit(None).cast("string"),
                "lookalike_of": F.lit(None).cast("long"),
            }
        )
        .drop("first_name", "last_name", "maiden_name", "title", "_k", "_serial")
    )
    male, female, family = names
    named = world.with_names(babies, male, female, family, seed).withColumns(
        {"last_name": F.col("_mother_last_name"), "maiden_name": F.col("_mother_last_name")}
    )
    return persons.unionByName(named.select(*persons.columns))


def with_new_houses(persons: DataFrame, r: int) -> DataFrame:
    """House codes for the households that moved or formed this round (district + 8,000,000 + round block +
    their number in the district), and survey household ids for those and the ones surveyed for the first time,
    if surveyed (village + 9, the round's digit and their number in the village, three digits)."""
    new = persons.where(F.col("_new_house") | F.col("_new_id")).select("hh_key", "district_code", "village_code", "_new_house").distinct()
    numbered = new.withColumns(
        {
            "_house_no": F.row_number().over(Window.partitionBy("district_code").orderBy("hh_key")),
            "_village_no": F.row_number().over(Window.partitionBy("village_code").orderBy("hh_key")),
        }
    ).select("hh_key", F.when(F.col("_new_house"), F.col("_house_no")).alias("_house_no"), "_village_no")
    house = F.concat(
        F.col("district_code"),
        F.lpad((F.lit(HOUSE_SERIAL + years_after_first(r) * ROUND_BLOCK) + F.col("_house_no")).cast("string"), 7, "0"),
    )
    survey_id = F.concat(
        F.col("village_code"), F.lit(f"-9{years_after_first(r) % 10}"), F.lpad(F.col("_village_no").cast("string"), 3, "0")
    )
    return (
        persons.join(numbered, "hh_key", "left")
        .withColumns(
            {
                # Only the household's living members move (a dead member stays where the registry last had them).
                "house_code": F.when(F.col("_house_no").isNotNull() & F.col("_new_house"), house).otherwise(F.col("house_code")),
                "hh_id": F.when(F.col("_village_no").isNotNull() & F.col("surveyed") & (F.col("_new_house") | F.col("_new_id")), survey_id)
                .when(F.col("surveyed"), F.col("hh_id"))
                .otherwise(F.lit(None).cast("string")),
            }
        )
        .drop("_house_no", "_village_no")
    )


def moved_latent(seed: int, r: int, persistence: float) -> Column:
    """latent' = rho latent + sqrt(1 - rho^2) Z (one Z per household): still standard normal, correlated rho with
    last round's, so poor households tend to stay poor."""
    return F.lit(persistence) * F.col("latent_poverty") + F.lit(math.sqrt(1 - persistence**2)) * normal(seed, f"latent{r}", "hh_key")
