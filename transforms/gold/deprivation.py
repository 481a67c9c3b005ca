"""Household deprivation: every indicator's applicability and result, dimensions, BMN-poor, AF score."""

from __future__ import annotations

from functools import reduce

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from transforms.gold import rules
from transforms.gold.catalogue import IndicatorCatalogue

AREA_CODES = ["province_code", "district_code", "subdistrict_code", "village_code"]
_MEMBER_INCOME = "_member_income"


def applies_col(number: int) -> str:
    return f"ind{number}_applies"


def deprived_col(number: int) -> str:
    return f"ind{number}_deprived"


def dimension_col(dimension: str) -> str:
    return f"dim_{dimension}_deprived"


def household_keys(households: DataFrame, members: DataFrame) -> list[str]:
    """hh_id, plus the survey round when both sides carry it (one household per round)."""
    both = "survey_round" in households.columns and "survey_round" in members.columns
    return ["hh_id", "survey_round"] if both else ["hh_id"]


def member_indicator_flags(members: DataFrame, catalogue: IndicatorCatalogue, keys: list[str]) -> DataFrame:
    """Per household: members counted, member-grain applicability/deprivation, summed member income."""
    member_rules = [i for i in catalogue.indicators if i.kind == "member_any"]
    income = next((i for i in catalogue.indicators if i.kind == "income_per_member"), None)
    flags = []
    for ind in member_rules:
        flags.append(F.max(rules.member_applies(ind)).alias(applies_col(ind.number)))
        flags.append(F.max(rules.member_deprived(ind)).alias(deprived_col(ind.number)))
    if income is not None:
        flags.append(F.sum(rules.field_value(income.member_fields)).alias(_MEMBER_INCOME))
    return members.groupBy(*keys).agg(F.count(F.lit(1)).alias("members"), *flags)


def with_household_deprivation(households: DataFrame, members: DataFrame, catalogue: IndicatorCatalogue) -> DataFrame:
    """One row per surveyed household: indicator flags, deprived dimensions, BMN-poor flag, AF score."""
    keys = household_keys(households, members)
    per_household = member_indicator_flags(members, catalogue, keys)
    joined = households.join(per_household, on=keys, how="left")
    extra_round = ["survey_round"] if "survey_round" in households.columns and "survey_round" not in keys else []
    columns = [F.col(k) for k in keys + extra_round] + [F.col(c) for c in AREA_CODES]
    columns.append(F.coalesce(F.col("members"), F.lit(0)).alias("members"))
    # The survey's own member count is the divisor for income per member; the rows counted stand in when it is missing.
    divisor = F.coalesce(F.when(F.col("member_count") > 0, F.col("member_count")), F.when(F.col("members") > 0, F.col("members")))
    for ind in catalogue.indicators:
        if ind.kind == "member_any":
            applies = F.coalesce(F.col(applies_col(ind.number)), F.lit(False))
            deprived = F.coalesce(F.col(deprived_col(ind.number)), F.lit(False))
        elif ind.kind == "income_per_member":
            joined = joined.withColumn("_divisor", divisor)
            applies = F.col("_divisor").isNotNull()
            deprived = applies & rules.income_per_member_deprived(ind, _MEMBER_INCOME, "_divisor")
        else:
            applies = rules.household_applies(ind)
            deprived = applies & rules.household_deprived(ind)
        columns += [applies.alias(applies_col(ind.number)), deprived.alias(deprived_col(ind.number))]
    flagged = joined.select(*columns)
    return flagged.transform(lambda df: with_dimensions_and_poverty(df, catalogue))


def _any(cols: list[Column]) -> Column:
    return reduce(lambda a, b: a | b, cols)


def with_dimensions_and_poverty(df: DataFrame, catalogue: IndicatorCatalogue) -> DataFrame:
    """Dimension flags, counts, arrays, BMN-poor (union: >= 1 indicator) and the Alkire-Foster score."""
    weights = catalogue.af_weights()
    k = catalogue.alkire_foster.k
    dims = list(catalogue.dimensions)
    dim_flags = {d: _any([F.col(deprived_col(n)) for n in catalogue.dimension_indicators(d)]) for d in dims}
    ind_count = reduce(lambda a, b: a + b, [F.col(deprived_col(n)).cast("int") for n in catalogue.numbers])
    score = reduce(lambda a, b: a + b, [F.when(F.col(deprived_col(n)), F.lit(weights[n])).otherwise(F.lit(0.0)) for n in catalogue.numbers])
    return (
        df.select("*", *[flag.alias(dimension_col(d)) for d, flag in dim_flags.items()])
        .withColumn("deprived_indicator_count", ind_count)
        .withColumn(
            "deprived_indicators",
            F.filter(F.array(*[F.when(F.col(deprived_col(n)), F.lit(n)) for n in catalogue.numbers]), lambda x: x.isNotNull()),
        )
        .withColumn(
            "deprived_dimensions",
            F.filter(F.array(*[F.when(F.col(dimension_col(d)), F.lit(d)) for d in dims]), lambda x: x.isNotNull()),
        )
        .withColumn("deprived_dimension_count", F.size("deprived_dimensions"))
        .withColumn("is_poor", F.col("deprived_indicator_count") >= 1)
        .withColumn("af_score", F.round(score, 10))
        # Rounded so that weights like 1/15 + 4 x 1/15 meet k = 1/3 exactly as on paper.
        .withColumn("is_af_poor", F.col("af_score") >= F.lit(round(k, 10) - 1e-9))
    )


def household_comments(catalogue: IndicatorCatalogue) -> dict[str, str]:
    comments = {
        "hh_id": "BMN household id (8-digit village code - 5-digit sequence)",
        "survey_round": "BMN survey round (Buddhist Era year, e.g. 2561)",
        "province_code": "Province code (2 digits)",
        "district_code": "District code (4 digits)",
        "subdistrict_code": "Subdistrict code (6 digits; 51-58 endings are municipal areas)",
        "village_code": "BMN village code (8 digits)",
        "members": "Member records surveyed in the household",
        "deprived_indicator_count": "Number of the 17 TPMAP indicators the household fails",
        "deprived_indicators": "BMN numbers of the indicators the household fails",
        "deprived_dimensions": "Dimensions the household is deprived in (fails any of its indicators)",
        "deprived_dimension_count": "Number of dimensions the household is deprived in",
        "is_poor": "BMN-poor household: fails at least one of the 17 TPMAP indicators",
        "af_score": "Alkire-Foster weighted deprivation score c_i (sum of weights of failed indicators)",
        "is_af_poor": f"Alkire-Foster poor: af_score >= k = {catalogue.alkire_foster.k}",
    }
    for ind in catalogue.indicators:
        comments[applies_col(ind.number)] = f"BMN indicator {ind.number} ({ind.label}) applies to the household"
        comments[deprived_col(ind.number)] = f"Household fails BMN indicator {ind.number} ({ind.label})"
    for name, dim in catalogue.dimensions.items():
        comments[dimension_col(name)] = f"Household deprived in the {dim.name_en} dimension ({dim.name_th})"
    return comments
