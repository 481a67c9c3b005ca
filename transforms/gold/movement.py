"""Who moved between two survey rounds: households and persons that stayed poor, left poverty, entered it,
or were surveyed in one round only; by dimension and indicator; and the change of each area's figures.

A person is the same person in both rounds through the linkage (their pseudonym, an HMAC of the stable
person id). A household is the same household when the two rounds' listings are each other's best match
by the linked persons they share (most persons in common, then the same household id, then the one holding
the earlier listing's lowest-numbered member), and either keep the household id, or share two of its
persons (its only one, for a one-person household), or its head or spouse (as surveyed then). A household
that moved keeps its persons (and so its identity) under a new id, even if its head died that year; a grown
child who left home to head a household of their own takes one person, not the head or spouse: theirs is a
new household, even when the parents' household left the survey the same year. Members not linked to a
person (no pseudonym) count in neither match.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from transforms.gold.catalogue import IndicatorCatalogue
from transforms.gold.deprivation import AREA_CODES, deprived_col, dimension_col

# What a flag did between the rounds (for poverty, a dimension or an indicator).
BOTH, LEFT, ENTERED, NEITHER = "both", "left", "entered", "neither"
NOT_BEFORE, NOT_NOW = "not_surveyed_before", "not_surveyed_now"
PROGRAM_FLAGS = ("receives_welfare_card", "receives_elderly_allowance", "receives_disability_allowance", "receives_child_grant")
# Area figures whose change from the previous round area_indicators carries (a count's, or a rate's in points).
AREA_CHANGES = ("household_cnt", "poor_household_cnt", "poor_jpt_mofval_cnt", "jpt_mofval_pov_rate")


def movement(before: Column, now: Column, in_before: Column, in_now: Column) -> Column:
    """What a flag did between the rounds; for a unit surveyed in one round only, which round it is missing
    from (its flag there is unknown, not false)."""
    return (
        F.when(~in_before, F.lit(NOT_BEFORE))
        .when(~in_now, F.lit(NOT_NOW))
        .when(before & now, F.lit(BOTH))
        .when(before, F.lit(LEFT))
        .when(now, F.lit(ENTERED))
        .otherwise(F.lit(NEITHER))
    )


def flag_columns(catalogue: IndicatorCatalogue) -> dict[str, str]:
    """{movement column: flag} for the dimensions and indicators, in catalogue order."""
    dims = {f"dim_{d}_movement": dimension_col(d) for d in catalogue.dimensions}
    return dims | {f"ind{n}_movement": deprived_col(n) for n in catalogue.numbers}


def household_pairs(before: DataFrame, now: DataFrame) -> DataFrame:
    """(previous_hh_id, hh_id, persons_in_both) of the households that continue from one round to the next
    (`before`, `now`: persons with hh_id, member_no, relation and person_key; the module's description gives
    the rule)."""
    linked = F.col("person_key").isNotNull()
    core = F.col("relation").isin("head", "spouse").cast("int")
    earlier = before.where(linked).select(F.col("hh_id").alias("previous_hh_id"), "person_key", "member_no", core.alias("_core"))
    linked_before = earlier.groupBy("previous_hh_id").agg(F.count("*").alias("_linked_before"))
    shared = (
        earlier.join(now.where(linked).select("hh_id", "person_key"), "person_key")
        .groupBy("previous_hh_id", "hh_id")
        .agg(F.count("*").alias("persons_in_both"), F.min("member_no").alias("_first_member"), F.max("_core").alias("_core"))
        .join(linked_before, "previous_hh_id")
    )
    same_id = F.col("previous_hh_id") == F.col("hh_id")
    # A listing under a new id continues an earlier one only with two of its persons (or its only one), or
    # with its head or spouse: a grown child heading a household of their own takes one person, not the core.
    enough = F.col("persons_in_both") >= F.least(F.lit(2), F.col("_linked_before"))
    candidates = shared.where(same_id | enough | (F.col("_core") == 1))
    order = [F.desc("persons_in_both"), F.desc(same_id), F.asc("_first_member")]
    best_for_now = Window.partitionBy("hh_id").orderBy(*order, "previous_hh_id")
    best_for_before = Window.partitionBy("previous_hh_id").orderBy(*order, "hh_id")
    return (
        candidates.withColumns({"_now_rank": F.row_number().over(best_for_now), "_before_rank": F.row_number().over(best_for_before)})
        .where((F.col("_now_rank") == 1) & (F.col("_before_rank") == 1))
        .select("previous_hh_id", "hh_id", F.col("persons_in_both").cast("int"))
    )


def _side(df: DataFrame, key: Column, suffix: str, flags: list[str]) -> DataFrame:
    """A round's rows: the key, its flags and area codes renamed for that round, and a marker."""
    renamed = [F.col(c).alias(f"{c}_{suffix}") for c in (*flags, *AREA_CODES)]
    return df.select(key, *renamed, F.lit(True).alias(f"_in_{suffix}"))


def _latest_codes() -> list[Column]:
    """The area codes of the later round, or the earlier one's for a unit not surveyed again."""
    return [F.coalesce(F.col(f"{c}_now"), F.col(f"{c}_before")).alias(c) for c in AREA_CODES]


def _movements(flags: dict[str, str]) -> list[Column]:
    in_before, in_now = F.col("_in_before"), F.col("_in_now")
    return [movement(F.col(f"{flag}_before"), F.col(f"{flag}_now"), in_before, in_now).alias(name) for name, flag in flags.items()]


def household_movement(
    before_households: DataFrame,
    now_households: DataFrame,
    before_persons: DataFrame,
    now_persons: DataFrame,
    catalogue: IndicatorCatalogue,
    rounds: tuple[str, str],
) -> DataFrame:
    """Per household of either round (gold.household_deprivation rows; persons: gold.person_poverty rows):
    its listing in each round, the persons they share, and what its poverty, dimensions and indicators did."""
    by_flag = flag_columns(catalogue)
    flags = ["is_poor", "members", *by_flag.values()]
    pairs = household_pairs(before_persons, now_persons)
    before = _side(before_households, F.col("hh_id").alias("previous_hh_id"), "before", flags)
    now = _side(now_households, F.col("hh_id"), "now", flags)
    both = before.join(pairs, "previous_hh_id", "left").join(now, "hh_id", "full").fillna(False, subset=["_in_before", "_in_now"])
    moved = F.col("_in_before") & F.col("_in_now") & (F.col("village_code_before") != F.col("village_code_now"))
    return both.select(
        F.lit(rounds[1]).alias("survey_round"),
        F.lit(rounds[0]).alias("previous_round"),
        "hh_id",
        "previous_hh_id",
        *_latest_codes(),
        moved.alias("moved_village"),
        "members_before",
        "members_now",
        F.coalesce("persons_in_both", F.lit(0)).alias("persons_in_both"),
        "is_poor_before",
        "is_poor_now",
        *_movements({"poverty_movement": "is_poor", **by_flag}),
    )


def person_movement(
    before_persons: DataFrame, now_persons: DataFrame, now_welfare: DataFrame, catalogue: IndicatorCatalogue, rounds: tuple[str, str]
) -> DataFrame:
    """Per linked person surveyed in either round (gold.person_poverty rows): their household in each round,
    what their poverty, target-poor status, dimensions and indicators did, and the programs they receive at
    the later round (gold.person_welfare of that round)."""
    by_flag = flag_columns(catalogue)
    flags = ["is_poor", "is_target_poor", *by_flag.values()]
    linked = F.col("person_key").isNotNull()
    before = _side(before_persons.where(linked), F.col("person_key"), "before", [*flags, "hh_id"])
    now = _side(now_persons.where(linked), F.col("person_key"), "now", [*flags, "hh_id"])
    programs = now_welfare.select("person_key", *PROGRAM_FLAGS)
    both = before.join(now, "person_key", "full").fillna(False, subset=["_in_before", "_in_now"]).join(programs, "person_key", "left")
    return both.select(
        F.lit(rounds[1]).alias("survey_round"),
        F.lit(rounds[0]).alias("previous_round"),
        "person_key",
        F.col("hh_id_now").alias("hh_id"),
        F.col("hh_id_before").alias("previous_hh_id"),
        *_latest_codes(),
        "is_poor_before",
        "is_poor_now",
        *_movements({"poverty_movement": "is_poor"}),
        "is_target_poor_before",
        "is_target_poor_now",
        *_movements({"target_poor_movement": "is_target_poor", **by_flag}),
        *[F.coalesce(F.col(p), F.lit(False)).alias(p) for p in PROGRAM_FLAGS],
    )


def previous_rounds(rounds: list[str]) -> dict[str, str]:
    """{round: the round before it} among `rounds` (BE years as text)."""
    held = sorted(set(rounds), key=int)
    return dict(zip(held[1:], held[:-1], strict=True))


def with_area_changes(area: DataFrame, rounds: list[str]) -> DataFrame:
    """area_indicators of every round with previous_round and each AREA_CHANGES figure's change from the
    previous round held (null for an area not in it, or where either figure is null: hidden when published)."""
    spark = area.sparkSession
    before_of = spark.createDataFrame(list(previous_rounds(rounds).items()), "survey_round string, previous_round string")
    earlier = area.select(
        F.col("survey_round").alias("previous_round"), "level", "area_code", *[F.col(c).alias(f"_before_{c}") for c in AREA_CHANGES]
    )
    return (
        area.join(before_of, "survey_round", "left")
        .join(earlier, ["previous_round", "level", "area_code"], "left")
        .select(*area.columns, "previous_round", *[(F.col(c) - F.col(f"_before_{c}")).alias(f"{c}_change") for c in AREA_CHANGES])
    )


def area_change_columns() -> list[str]:
    return ["previous_round", *[f"{c}_change" for c in AREA_CHANGES]]


_MOVED = "both rounds, left, entered, neither, or not_surveyed_before / not_surveyed_now"
MOVEMENT_DESCRIPTIONS = {
    "household_movement": "Per household of two consecutive rounds in gold: matched by the linked persons they share; "
    "whether it stayed poor, left poverty, entered it or was surveyed in one round only, by dimension and indicator",
    "person_movement": "Per linked person surveyed in either of two consecutive rounds in gold: poverty and target-poor "
    "movement by dimension and indicator, and the programs received at the later round",
}


def movement_comments(catalogue: IndicatorCatalogue, table: str) -> dict[str, str]:
    """Column comments of gold.household_movement or gold.person_movement."""
    comments = {
        "survey_round": "The later survey round (BE year)",
        "previous_round": "The round before it in gold (BE year)",
        "person_key": "Pseudonym of the linked person: HMAC-SHA256(secret, person_id), hex (the same in every round)",
        "hh_id": "BMN household id in the later round (null: not surveyed in it)",
        "previous_hh_id": "BMN household id in the earlier round (null: not surveyed in it)",
        **{c: f"{c.split('_')[0].capitalize()} code in the later round (the earlier one's if not surveyed again)" for c in AREA_CODES},
        "moved_village": "Surveyed in both rounds, in different villages",
        "members_before": "Members surveyed in the earlier round",
        "members_now": "Members surveyed in the later round",
        "persons_in_both": "Linked persons in the household in both rounds (what matched its two listings)",
        "is_poor_before": "BMN-poor (household) in the earlier round",
        "is_poor_now": "BMN-poor (household) in the later round",
        "poverty_movement": f"BMN-poor in {_MOVED}",
        "is_target_poor_before": "Target poor in the earlier round",
        "is_target_poor_now": "Target poor in the later round",
        "target_poor_movement": f"Target poor in {_MOVED}",
        **{p: f"Receives the {p.removeprefix('receives_').replace('_', ' ')} at the later round" for p in PROGRAM_FLAGS},
    }
    for name, dim in catalogue.dimensions.items():
        comments[f"dim_{name}_movement"] = f"Deprived in the {dim.name_en} dimension in {_MOVED}"
    for ind in catalogue.indicators:
        comments[f"ind{ind.number}_movement"] = f"Fails BMN indicator {ind.number} ({ind.label}) in {_MOVED}"
    persons_only = ("person_key", "is_target_poor_before", "is_target_poor_now", "target_poor_movement", *PROGRAM_FLAGS)
    households_only = ("moved_village", "members_before", "members_now", "persons_in_both")
    drop = households_only if table == "person_movement" else persons_only
    return {c: text for c, text in comments.items() if c not in drop}


def area_change_comments() -> dict[str, str]:
    return {
        "previous_round": "The round before this one in the table (null: the first round held)",
        **{
            f"{c}_change": f"{c} minus its value in the previous round (null: the area not in it, or either value hidden)"
            for c in AREA_CHANGES
        },
    }


POOR, NOT_POOR, NOT_SURVEYED = "poor", "not poor", "not surveyed"
FLOW_COMMENTS = {
    "survey_round": "The later survey round (BE year)",
    "previous_round": "The round before it (BE year)",
    "from_state": "The households' state in the earlier round: poor (BMN-poor), not poor, or not surveyed",
    "to_state": "Their state in the later round: poor, not poor, or not surveyed",
    "households": "Households (matched across the rounds by their linked persons; null: the round's flow is hidden, "
    "as one of its counts is small)",
}


def _state(surveyed: Column, poor: Column) -> Column:
    return F.when(~surveyed, F.lit(NOT_SURVEYED)).when(poor, F.lit(POOR)).otherwise(F.lit(NOT_POOR))


def household_flow(household_movement: DataFrame) -> DataFrame:
    """Households per (state before, state after) of each round in gold.household_movement, country-wide."""
    surveyed_before, surveyed_now = F.col("previous_hh_id").isNotNull(), F.col("hh_id").isNotNull()
    return household_movement.groupBy(
        "survey_round",
        "previous_round",
        _state(surveyed_before, F.col("is_poor_before")).alias("from_state"),
        _state(surveyed_now, F.col("is_poor_now")).alias("to_state"),
    ).agg(F.count("*").alias("households"))


def published_flow(flow: DataFrame, threshold: int) -> DataFrame:
    """The flow with every count of a round hidden when any is small (1 .. threshold-1): with the households
    of each round published, one hidden count would follow from the others."""
    small = F.max((F.col("households") < threshold).cast("int")).over(Window.partitionBy("survey_round")) == 1
    return flow.withColumn("households", F.when(small, F.lit(None)).otherwise(F.col("households")))
