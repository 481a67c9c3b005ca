"""gold.area_indicators against an independent pandas computation, at every level, exactly."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.gold.conftest import GOLD_DB

NUMBERS = [1, 4, 5, 7, 8, 9, 10, 11, 15, 16, 17, 19, 20, 21, 22, 27, 28]
DIMS = {"health": [1, 4, 5, 7], "living": [8, 9, 10, 11], "education": [15, 16, 17, 19], "income": [20, 21, 22], "accessibility": [27, 28]}
LEVEL_CODES = {
    "country": [],
    "province": ["province_code"],
    "district": ["province_code", "district_code"],
    "subdistrict": ["province_code", "district_code", "subdistrict_code"],
    "village": ["province_code", "district_code", "subdistrict_code", "village_code"],
}


def _no_work(m):
    return m["occupation"] in (None, "none") or (m["income_main"] or 0) + (m["income_secondary"] or 0) <= 0


def _dependent_disabled(m):
    return m["disabled"] is True and m["disability_self_care"] is False


def household_flags(h, ms):
    """The TPMAP rules written again, plainly, in Python (thresholds as in the method document)."""
    f = {}

    def member_rule(n, pop, dep):
        inside = [m for m in ms if m["age"] is not None and pop(m)]
        f[n] = (bool(inside), any(dep(m) for m in inside))

    member_rule(1, lambda m: m["age"] == 0, lambda m: m["birth_weight_g"] is not None and m["birth_weight_g"] < 2500)
    for n, key in ((4, "food_hygiene"), (5, "medicine_use"), (8, "housing"), (11, "home_hygiene")):
        values = list(h[key].values())
        applies = all(v is not None for v in values)
        f[n] = (applies, applies and any(v is False for v in values))
    member_rule(7, lambda m: m["age"] >= 6, lambda m: (m["exercise_days_per_week"] or 99) < 3 or (m["exercise_minutes_per_day"] or 99) < 30)
    for n, key, limit in ((9, "drinking_water_litres_min", 5), (10, "use_water_litres_min", 45)):
        f[n] = (h[key] is not None, h[key] is not None and h[key] < limit)
    member_rule(15, lambda m: 3 <= m["age"] <= 5, lambda m: m["preschool_care"] is False)
    member_rule(16, lambda m: 6 <= m["age"] <= 14, lambda m: m["schooling"] == "not_in_school")
    member_rule(17, lambda m: m["finished_m3_last_year"] is True, lambda m: m["continued_m4"] is False)
    member_rule(19, lambda m: 15 <= m["age"] <= 59, lambda m: m["literate_numerate"] is False)
    member_rule(20, lambda m: 15 <= m["age"] <= 59 and m["full_time_student"] is not True and not _dependent_disabled(m), _no_work)
    member_rule(21, lambda m: m["age"] >= 60 and not _dependent_disabled(m), _no_work)
    divisor = h["member_count"] if h["member_count"] else (len(ms) or None)
    income = (
        sum((m["income_main"] or 0) + (m["income_secondary"] or 0) for m in ms)
        + sum(v or 0 for v in h["income_other"].values())
        + (h["own_food_value"] or 0)
    )
    f[22] = (divisor is not None, divisor is not None and math.floor(income / divisor) < 38000)
    member_rule(27, lambda m: m["age"] >= 60, lambda m: m["elderly_care"] is False)
    member_rule(28, lambda m: m["disabled"] is True, lambda m: m["disability_care"] is False)
    return f


def expected_areas(world) -> pd.DataFrame:
    status = {}
    for rid, _pid, _f, _l, _ph, _inc, st, _d, _v in world["mof"]:
        person = next(x[2] for x in world["xref"] if x[0] == rid)
        status[person] = status.get(person, False) or st == "verified"
    rows = []
    for h in world["households"]:
        ms = [m for m in world["members"] if m["hh_id"] == h["hh_id"]]
        flags = household_flags(h, ms)
        poor = any(dep for _, dep in flags.values())
        for m in ms:
            pid = m.get("_person_id")
            registered, verified = pid in status, status.get(pid, False)
            row = {c: h[c] for c in ("province_code", "district_code", "subdistrict_code", "village_code")}
            row.update(
                hh_id=h["hh_id"],
                first=m["member_no"] == 1,
                persons=1,
                registered=registered,
                verified=verified,
                elderly=m["age"] >= 60,
                disabled=bool(m["disabled"]),
                chronic=bool(m["chronic_illness"]),
                poor=poor,
                tp=poor and verified,
            )
            for n, (applies, dep) in flags.items():
                row[f"a{n}"], row[f"d{n}"] = applies, dep
            for d, ns in DIMS.items():
                row[f"dim_{d}"] = any(flags[n][1] for n in ns)
            rows.append(row)
    people = pd.DataFrame(rows)
    out = []
    for level, codes in LEVEL_CODES.items():
        groups = people.groupby(codes) if codes else [((), people)]
        for key, g in groups:
            key = key if isinstance(key, tuple) else (key,)
            r = {"level": level, "area_code": key[-1] if codes else "TH"}
            hh_first = g[g["first"]]
            r["household_cnt"] = len(hh_first)
            r["housemember_cnt"] = len(g)
            r["mof_reg_cnt"], r["mof_val_cnt"] = int(g["registered"].sum()), int(g["verified"].sum())
            r["elderly_cnt"], r["disabled_cnt"], r["chronicpatient_cnt"] = (
                int(g["elderly"].sum()),
                int(g["disabled"].sum()),
                int(g["chronic"].sum()),
            )
            for n in NUMBERS:
                r[f"indicator{n}_all"] = int(g[f"a{n}"].sum())
                r[f"indicator{n}_cnt"] = int(g[f"d{n}"].sum())
                r[f"poor_jpt_mofval_ind{n}_cnt"] = int((g[f"d{n}"] & g["tp"]).sum())
            r["poor_household_cnt"] = int(hh_first["poor"].sum())
            r["poor_jpt_cnt"] = int(g["poor"].sum())
            r["poor_jpt_mofreg_cnt"] = int((g["poor"] & g["registered"]).sum())
            r["poor_jpt_mofval_cnt"] = int(g["tp"].sum())
            for d in DIMS:
                r[f"poor_jpt_mofval_{d}"] = int((g[f"dim_{d}"] & g["tp"]).sum())
            out.append(r)
    return pd.DataFrame(out)


@pytest.fixture(scope="module")
def areas(spark, gold):
    return spark.table(f"{GOLD_DB}.area_indicators").toPandas()


def test_every_household_has_a_first_member(world):
    # The pandas side counts households by their member 1; the world must give every household one.
    assert all(any(m["hh_id"] == h["hh_id"] and m["member_no"] == 1 for m in world["members"]) for h in world["households"])


def test_area_counts_equal_pandas_at_every_level(world, areas):
    want = expected_areas(world).sort_values(["level", "area_code"]).reset_index(drop=True)
    got = areas[want.columns].sort_values(["level", "area_code"]).reset_index(drop=True)
    for column in want.columns[2:]:
        got[column] = got[column].astype("int64")
    assert sorted(want["level"].unique()) == ["country", "district", "province", "subdistrict", "village"]
    assert want["poor_jpt_mofval_cnt"].sum() > 0 and want["indicator20_cnt"].sum() > 0
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def test_totals_bounded_and_dimensions_may_exceed(areas):
    assert (areas["poor_jpt_mofval_cnt"] <= areas["housemember_cnt"]).all()
    assert (areas["poor_jpt_cnt"] <= areas["housemember_cnt"]).all()
    dims = areas[[f"poor_jpt_mofval_{d}" for d in DIMS]].sum(axis=1)
    assert (dims >= areas["poor_jpt_mofval_cnt"]).all()


def test_names_parents_rates_and_ranks(spark, areas):
    country = areas[areas["level"] == "country"].iloc[0]
    assert (country["name_en"], country["parent_code"]) == ("Thailand", None) or pd.isna(country["parent_code"])
    province = areas[(areas["level"] == "province") & (areas["area_code"] == "31")].iloc[0]
    assert (province["name_en"], province["parent_code"]) == ("Buri Ram", "TH")
    district = areas[(areas["level"] == "district") & (areas["area_code"] == "3001")].iloc[0]
    assert (district["name_th"], district["parent_code"]) == (
        spark.table("ref.district").where("district_code = '3001'").first()["name_th"],
        "30",
    )
    village = areas[(areas["level"] == "village") & (areas["area_code"] == "30010102")].iloc[0]
    assert village["parent_code"] == "300101"
    rate = areas["poor_jpt_mofval_cnt"] / areas["housemember_cnt"] * 100
    assert (abs(areas["jpt_mofval_pov_rate"] - rate) < 1e-9).all()
    villages = areas[areas["subdistrict_code"].eq("300101") & areas["level"].eq("village")].sort_values("rank_in_parent")
    assert list(villages["rank_in_parent"])[0] == 1
    assert villages["jpt_mofval_pov_rate"].is_monotonic_decreasing
