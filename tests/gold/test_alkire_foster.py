"""Alkire-Foster H, A, M0 against a case computed by hand (nested equal weights, k = 1/3)."""

from __future__ import annotations

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from transforms.gold.areas import aggregate_all_levels
from transforms.gold.deprivation import with_dimensions_and_poverty

NUMBERS = [1, 4, 5, 7, 8, 9, 10, 11, 15, 16, 17, 19, 20, 21, 22, 27, 28]
# Weights by hand: health, living, education 1/5 / 4 = 0.05; income 1/5 / 3 = 1/15; access 1/5 / 2 = 0.1.
CASES = {  # hh_id: (members, failed indicators, score by hand, AF-poor by hand)
    "A": (2, [4, 9, 22, 27], 0.05 + 0.05 + 1 / 15 + 0.1, False),  # 0.2667 < 1/3
    "B": (3, [19, 20, 21, 22, 28], 0.05 + 0.2 + 0.1, True),  # 0.35
    "C": (1, [8, 9, 10, 27, 28], 0.15 + 0.2, True),  # 0.35
    "D": (4, [], 0.0, False),
    "E": (1, [20, 21, 27, 28], 2 / 15 + 0.2, True),  # exactly 1/3 = k: poor
}


def test_nested_equal_weights(catalogue):
    weights = catalogue.af_weights()
    assert weights[1] == pytest.approx(0.05) and weights[20] == pytest.approx(1 / 15) and weights[27] == pytest.approx(0.1)
    assert sum(weights.values()) == pytest.approx(1.0)


def test_scores_and_area_figures(spark, catalogue):
    rows = []
    for hh, (members, failed, _score, _poor) in CASES.items():
        row = {"hh_id": hh, "province_code": "30", "district_code": "3001", "subdistrict_code": "300101", "village_code": "30010101"}
        for n in NUMBERS:
            row[f"ind{n}_applies"], row[f"ind{n}_deprived"] = True, n in failed
        row.update(
            n_persons=members,
            n_welfare_registered=0,
            n_welfare_verified=0,
            n_is_elderly=0,
            n_is_disabled=0,
            n_has_chronic_illness=0,
            n_is_target_poor=0,
        )
        rows.append(row)
    households = with_dimensions_and_poverty(spark.createDataFrame(rows), catalogue)
    got = households.select("hh_id", F.round("af_score", 6).alias("af_score"), "is_af_poor").orderBy("hh_id")
    want = spark.createDataFrame(
        [(hh, round(c[2], 6), c[3]) for hh, c in CASES.items()], "hh_id string, af_score double, is_af_poor boolean"
    )
    assert_df_equality(got, want, ignore_nullable=True)

    country = aggregate_all_levels(households, catalogue).where("level = 'country'").first()
    n = sum(c[0] for c in CASES.values())  # 11 persons
    q = sum(c[0] for c in CASES.values() if c[3])  # 5 persons in AF-poor households
    score_sum = 3 * 0.35 + 1 * 0.35 + 1 * (1 / 3)  # 1.7333...
    assert (n, q, country["af_poor_persons"]) == (11, 5, 5)
    assert country["af_h"] == pytest.approx(5 / 11)
    assert country["af_a"] == pytest.approx(score_sum / 5)  # 0.34667
    assert country["af_m0"] == pytest.approx(score_sum / 11)  # 0.15758 = H x A
    assert country["af_m0"] == pytest.approx(country["af_h"] * country["af_a"])
