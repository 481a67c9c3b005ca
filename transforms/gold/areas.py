"""All area levels in one aggregation (ROLLUP over the nested area codes), with names, parents, ranks, AF."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from transforms.gold.catalogue import IndicatorCatalogue
from transforms.gold.deprivation import AREA_CODES, applies_col, deprived_col, dimension_col

COUNTRY_CODE = "TH"
# grouping_id bits over (province, district, subdistrict, village): 1 = rolled up.
_LEVEL_BY_GROUPING_ID = {0: "village", 1: "subdistrict", 3: "district", 7: "province", 15: "country"}
_CODE_BY_LEVEL = {"village": "village_code", "subdistrict": "subdistrict_code", "district": "district_code", "province": "province_code"}
_PARENT_BY_LEVEL = {"village": "subdistrict_code", "subdistrict": "district_code", "district": "province_code"}


def level_column(grouping_id: Column) -> Column:
    expr = None
    for gid, level in _LEVEL_BY_GROUPING_ID.items():
        expr = F.when(grouping_id == gid, F.lit(level)) if expr is None else expr.when(grouping_id == gid, F.lit(level))
    return expr


def area_code_column() -> Column:
    expr = F.when(F.col("level") == "country", F.lit(COUNTRY_CODE))
    for level, code in _CODE_BY_LEVEL.items():
        expr = expr.when(F.col("level") == level, F.col(code))
    return expr


def parent_code_column() -> Column:
    expr = F.when(F.col("level") == "province", F.lit(COUNTRY_CODE))
    for level, code in _PARENT_BY_LEVEL.items():
        expr = expr.when(F.col("level") == level, F.col(code))
    return expr


def with_levels(aggregated: DataFrame) -> DataFrame:
    """After a rollup carrying `_gid`: level, area code and parent code."""
    return (
        aggregated.withColumn("level", level_column(F.col("_gid")))
        .withColumn("area_code", area_code_column())
        .withColumn("parent_code", parent_code_column())
        .drop("_gid")
    )


def _sum_if(flag: Column, value: Column) -> Column:
    return F.sum(F.when(flag, value).otherwise(F.lit(0))).cast("long")


def area_measures(catalogue: IndicatorCatalogue) -> list[Column]:
    """The aggregate columns, named as the published TPMAP columns in snake case (ref.tpmap2561_*)."""
    persons = F.col("n_persons")
    tp = F.col("n_is_target_poor")
    poor = F.col("is_poor")
    measures = [
        F.count(F.lit(1)).alias("household_cnt"),
        F.sum(persons).cast("long").alias("housemember_cnt"),
        F.sum("n_welfare_registered").cast("long").alias("mof_reg_cnt"),
        F.sum("n_welfare_verified").cast("long").alias("mof_val_cnt"),
        F.sum("n_is_elderly").cast("long").alias("elderly_cnt"),
        F.sum("n_is_disabled").cast("long").alias("disabled_cnt"),
        F.sum("n_has_chronic_illness").cast("long").alias("chronicpatient_cnt"),
    ]
    measures += [_sum_if(F.col(applies_col(n)), persons).alias(f"indicator{n}_all") for n in catalogue.numbers]
    measures += [_sum_if(F.col(deprived_col(n)), persons).alias(f"indicator{n}_cnt") for n in catalogue.numbers]
    measures += [
        _sum_if(poor, F.lit(1)).alias("poor_household_cnt"),
        _sum_if(poor, persons).alias("poor_jpt_cnt"),
        _sum_if(poor, F.col("n_welfare_registered")).alias("poor_jpt_mofreg_cnt"),
        F.sum(tp).cast("long").alias("poor_jpt_mofval_cnt"),
    ]
    measures += [_sum_if(F.col(dimension_col(d)), tp).alias(f"poor_jpt_mofval_{d}") for d in catalogue.dimensions]
    measures += [_sum_if(F.col(deprived_col(n)), tp).alias(f"poor_jpt_mofval_ind{n}_cnt") for n in catalogue.numbers]
    measures += [
        _sum_if(F.col("is_af_poor"), persons).alias("af_poor_persons"),
        F.sum(F.when(F.col("is_af_poor"), F.col("af_score") * persons).otherwise(F.lit(0.0))).alias("_af_score_sum"),
    ]
    return measures


def aggregate_all_levels(household_facts: DataFrame, catalogue: IndicatorCatalogue) -> DataFrame:
    """One ROLLUP over province > district > subdistrict > village: every level from one aggregation.

    `household_facts`: gold household deprivation joined with household_person_counts (n_* columns).
    """
    gid = F.grouping_id(*[F.col(c) for c in AREA_CODES]).alias("_gid")
    rolled = household_facts.rollup(*AREA_CODES).agg(gid, *area_measures(catalogue))
    return rolled.transform(with_levels).transform(lambda df: with_rates(df, catalogue))


def with_rates(df: DataFrame, catalogue: IndicatorCatalogue) -> DataFrame:
    """Target-poor rate and Alkire-Foster H = q/n, A = mean score of the poor, M0 = H x A."""
    persons = F.col("housemember_cnt")
    q = F.col("af_poor_persons")
    return (
        df.withColumn("jpt_mofval_pov_rate", F.when(persons > 0, F.col("poor_jpt_mofval_cnt") / persons * 100))
        .withColumn("af_k", F.lit(catalogue.alkire_foster.k))
        .withColumn("af_h", F.when(persons > 0, q / persons))
        .withColumn("af_a", F.when(q > 0, F.col("_af_score_sum") / q))
        .withColumn("af_m0", F.when(persons > 0, F.col("_af_score_sum") / persons))
        .drop("_af_score_sum")
    )


def with_sibling_rank(df: DataFrame) -> DataFrame:
    """Rank 1 = the highest target-poor rate among areas with the same parent (and level)."""
    siblings = Window.partitionBy("level", "parent_code").orderBy(F.desc_nulls_last("jpt_mofval_pov_rate"))
    return df.withColumn("rank_in_parent", F.rank().over(siblings))


def area_names(province: DataFrame, district: DataFrame, subdistrict: DataFrame, village: DataFrame) -> DataFrame:
    """(level, area_code, name_th, name_en) from the ref area tables; villages have only a Thai name."""
    return (
        province.select(F.lit("province").alias("level"), F.col("province_code").alias("area_code"), "name_th", "name_en")
        .unionByName(district.select(F.lit("district").alias("level"), F.col("district_code").alias("area_code"), "name_th", "name_en"))
        .unionByName(
            subdistrict.select(F.lit("subdistrict").alias("level"), F.col("subdistrict_code").alias("area_code"), "name_th", "name_en")
        )
        .unionByName(
            village.select(
                F.lit("village").alias("level"),
                F.col("village_code").alias("area_code"),
                F.col("village_name").alias("name_th"),
                F.lit(None).cast("string").alias("name_en"),
            )
        )
        .unionByName(
            village.sparkSession.createDataFrame(
                [("country", COUNTRY_CODE, "ประเทศไทย", "Thailand")], "level string, area_code string, name_th string, name_en string"
            )
        )
    )


def with_area_names(df: DataFrame, names: DataFrame) -> DataFrame:
    return df.join(F.broadcast(names), on=["level", "area_code"], how="left")
