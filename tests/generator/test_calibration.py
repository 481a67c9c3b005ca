"""Calibration of the generated world against the published TPMAP 2561 figures (issue 3), at S = 0.01.

The indicator rules below are a deliberately simple, independent re-implementation of the method
(the 17 TPMAP indicators of the BMN survey, thresholds from the method): they read the generated
answers — the cdd_bmn JSON-lines landing files, with plain `json` — and use neither the generator's
internals nor the pipeline's transforms. Broken lines (invalid JSON, bad bytes, a truncated last line:
injected on purpose) are skipped and counted.

- National per-indicator rate = persons in households deprived in the indicator / persons in households
  it applies to (the published `indicatorN.CNT / indicatorN.ALL`): within ±10 % relative of the published
  rate for every indicator whose published rate is above 0.5 %.
- Province target-poor rate (truth: surveyed persons, BMN-poor and verified card holders, over surveyed
  persons): Spearman rank correlation with the published `JPT.MOFval.pov.rate` at least 0.8.
- BMN-poor households (failing at least one indicator) and their members: national shares within ±10 %
  relative of the published `poor.household.CNT / household.CNT` and `poor.JPT.CNT / HOUSEMEMBER_CNT`
  (so poor households are as much larger than the others as published), province shares of persons
  rank-correlated at least 0.8.
- Household structure: the share of persons aged 60+ (`ELDERLY_CNT / HOUSEMEMBER_CNT`) nationally within
  ±10 % and by province rank-correlated at least 0.9; the share of persons living with a member in each
  age-scoped indicator's population (`indicatorN.ALL / HOUSEMEMBER_CNT`: children 3-5, 6-14, adults 15-59,
  elderly, disabled) within ±10 %. Indicator 1 (infants) is left out: its published ALL (1.5 % of persons)
  is a third of what Thailand's births imply (about 1 % of persons are infants, in households of ~4).
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pandas as pd
import pytest

from jobs import generate
from jobs.config import PROJECT_ROOT
from jobs.runs import JobRun

SCALE = 0.01
SEED = 2561
PUBLISHED = PROJECT_ROOT / "conf" / "reference" / "tpmap2561"
TOLERANCE = 0.10  # relative
CHECKED_ABOVE = 0.005  # published rate above 0.5 %
MIN_SPEARMAN = 0.8

# Thresholds and age bands of the method (shared/docs/tpmap-method.md), written out here on purpose.
LOW_BIRTH_WEIGHT_G = 2500
EXERCISE_DAYS, EXERCISE_MINUTES = 3, 30
DRINKING_WATER_L, USE_WATER_L = 5.0, 45.0
INCOME_PER_PERSON = 38_000
INDICATORS = (1, 4, 5, 7, 8, 9, 10, 11, 15, 16, 17, 19, 20, 21, 22, 27, 28)


# ---------------------------------------------------------------- reading the landing files


def read_jsonl(paths: list[Path]) -> tuple[list[dict], dict[str, int]]:
    """Every well-formed record; broken lines skipped and counted by kind."""
    records: list[dict] = []
    skipped = {"bad_encoding": 0, "invalid_json": 0, "not_an_object": 0}
    for path in paths:
        for raw in path.read_bytes().splitlines():
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                skipped["bad_encoding"] += 1
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError:
                skipped["invalid_json"] += 1  # also a truncated last line
                continue
            if not isinstance(record, dict) or not isinstance(record.get("members"), list):
                skipped["not_an_object"] += 1
                continue
            records.append(record)
    return records, skipped


# ---------------------------------------------------------------- the indicator rules


def _no(value) -> bool:
    return value == "n"


def _any_no(items) -> bool:
    return any(_no(v) for v in (items or {}).values())


def _age(m: dict) -> int:
    return int(m.get("age") if m.get("age") is not None else -1)


def _no_work(m: dict) -> bool:
    income = (m.get("income_main") or 0) + (m.get("income_secondary") or 0)
    return (m.get("occupation") in (None, "", "none")) and income <= 0


def _cannot_look_after_self(m: dict) -> bool:
    return m.get("disabled") == "y" and m.get("disability_self_care") == "n"


def household_indicators(hh: dict) -> dict[int, bool | None]:
    """Per indicator: None if it does not apply to the household, else whether the household fails it."""
    members = hh["members"]

    def over(scope, fails) -> bool | None:
        within = [m for m in members if scope(m)]
        return None if not within else any(fails(m) for m in within)

    other = hh.get("income_other") or {}
    income = sum((m.get("income_main") or 0) + (m.get("income_secondary") or 0) for m in members)
    income += sum(v or 0 for v in other.values()) + (hh.get("own_food_value") or 0)
    drinking, use = hh.get("drinking_water_litres_min"), hh.get("use_water_litres_min")
    return {
        1: over(lambda m: _age(m) == 0, lambda m: m.get("birth_weight_g") is not None and m["birth_weight_g"] < LOW_BIRTH_WEIGHT_G),
        4: _any_no(hh.get("food_hygiene")),
        5: _any_no(hh.get("medicine_use")),
        7: over(
            lambda m: _age(m) >= 6,
            lambda m: (m.get("exercise_days_per_week") or 0) < EXERCISE_DAYS or (m.get("exercise_minutes_per_day") or 0) < EXERCISE_MINUTES,
        ),
        8: _any_no(hh.get("housing")),
        9: drinking is not None and drinking < DRINKING_WATER_L,
        10: use is not None and use < USE_WATER_L,
        11: _any_no(hh.get("home_hygiene")),
        15: over(lambda m: 3 <= _age(m) <= 5, lambda m: _no(m.get("preschool_care"))),
        16: over(lambda m: 6 <= _age(m) <= 14, lambda m: m.get("schooling") == "not_in_school"),
        17: over(lambda m: m.get("finished_m3_last_year") == "y", lambda m: _no(m.get("continued_m4"))),
        19: over(lambda m: 15 <= _age(m) <= 59, lambda m: _no(m.get("literate_numerate"))),
        20: over(
            lambda m: 15 <= _age(m) <= 59 and m.get("full_time_student") != "y" and not _cannot_look_after_self(m),
            _no_work,
        ),
        21: over(lambda m: _age(m) >= 60 and not _cannot_look_after_self(m), _no_work),
        22: math.floor(income / max(len(members), 1)) < INCOME_PER_PERSON,
        27: over(lambda m: _age(m) >= 60, lambda m: _no(m.get("elderly_care"))),
        28: over(lambda m: m.get("disabled") == "y", lambda m: _no(m.get("disability_care"))),
    }


def national_rates(households: list[dict]) -> pd.DataFrame:
    """Per indicator: persons in households it applies to (ALL), in households failing it (CNT), rate."""
    applies = dict.fromkeys(INDICATORS, 0)
    deprived = dict.fromkeys(INDICATORS, 0)
    for hh in households:
        persons = len(hh["members"])
        for n, fails in household_indicators(hh).items():
            if fails is None:
                continue
            applies[n] += persons
            deprived[n] += persons if fails else 0
    country = pd.read_csv(PUBLISHED / "country_common.csv").iloc[0]
    rows = []
    for n in INDICATORS:
        published = float(country[f"indicator{n}.CNT"]) / float(country[f"indicator{n}.ALL"])
        ours = deprived[n] / applies[n] if applies[n] else float("nan")
        rows.append(
            {
                "indicator": n,
                "ALL": applies[n],
                "CNT": deprived[n],
                "ours": ours,
                "published": published,
                "relative_error": ours / published - 1,
            }
        )
    return pd.DataFrame(rows)


def spearman(a: pd.Series, b: pd.Series) -> float:
    """Spearman rank correlation: Pearson on average ranks (no scipy in the project)."""
    return float(a.rank().corr(b.rank()))


# ---------------------------------------------------------------- the test


@pytest.fixture(scope="module")
def calibration_world(spark, config, reference_tables, tmp_path_factory):
    """A world at S = 0.01 (survey source only; the truth comes with it) in its own landing/truth folders."""
    root = tmp_path_factory.mktemp("calibration")
    paths = config.paths.model_copy(update={"landing": str(root / "landing"), "truth": str(root / "truth")})
    copy = config.model_copy(update={"paths": paths})
    args = generate.Options(scale=SCALE, seed=SEED, source=["cdd_bmn"])
    started = time.monotonic()
    generate.run(spark, copy, args, JobRun("generate", args.model_dump()))
    print(f"\ngenerate --scale {SCALE} --seed {SEED} --source cdd_bmn: {time.monotonic() - started:.1f} s")
    return root / "landing", root / "truth"


@pytest.fixture(scope="module")
def survey(calibration_world):
    """The generated BMN households (well-formed lines) and the broken lines skipped, by kind."""
    landing, _ = calibration_world
    files = sorted((landing / "cdd_bmn").glob("*/*.jsonl"))
    assert files, "no cdd_bmn files generated"
    return read_jsonl(files)


@pytest.mark.slow
def test_national_indicator_rates_match_published(calibration_world, survey):
    landing, truth = calibration_world
    households, skipped = survey
    expected_broken = len(pd.read_parquet(truth / "broken_rows" / "source=cdd_bmn"))
    print(f"\n{len(households):,} households read; broken lines skipped: {skipped} (truth: {expected_broken})")
    assert sum(skipped.values()) == expected_broken > 0
    assert len(households) > 50_000

    table = national_rates(households)
    checked = table["published"] > CHECKED_ABOVE
    table["checked"] = checked
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(
            table.assign(
                ours=table["ours"].map("{:.3%}".format),
                published=table["published"].map("{:.3%}".format),
                relative_error=table["relative_error"].map("{:+.1%}".format),
            ).to_string(index=False)
        )
    outside = table[checked & (table["relative_error"].abs() > TOLERANCE)]
    assert outside.empty, f"indicators outside ±{TOLERANCE:.0%} of the published rate:\n{outside.to_string(index=False)}"


@pytest.mark.slow
def test_province_target_poor_rates_rank_like_published(calibration_world):
    _, truth = calibration_world
    persons = pd.read_parquet(truth / "persons", columns=["province_code", "surveyed", "is_poor", "welfare_status"])
    surveyed = persons[persons["surveyed"]]
    target = surveyed["is_poor"] & (surveyed["welfare_status"] == "verified")
    ours = (target.groupby(surveyed["province_code"]).mean() * 100).rename("ours")
    published = (
        pd.read_csv(PUBLISHED / "province_target_poor.csv", dtype={"province_ID": str})
        .set_index("province_ID")["JPT.MOFval.pov.rate"]
        .rename("published")
    )
    both = pd.concat([ours, published], axis=1, join="inner")
    assert len(both) >= 70, f"only {len(both)} provinces in common"
    rho = spearman(both["ours"], both["published"])
    national = target.mean() * 100
    print(f"\ntarget poor {national:.2f} % of surveyed persons (published 2.82 %)")
    print(f"provinces {len(both)}; Spearman rank correlation of province target-poor rates {rho:.3f} (at least {MIN_SPEARMAN})")
    assert rho >= MIN_SPEARMAN


@pytest.mark.slow
def test_bmn_poor_share_tracks_published_poor_counts(calibration_world):
    """Households failing at least one indicator, and their members (the latent household factor's job):
    national shares within ±10 % relative of the published counts, province shares rank-correlated."""
    _, truth = calibration_world
    persons = pd.read_parquet(truth / "persons", columns=["province_code", "surveyed", "is_poor"])
    surveyed = persons[persons["surveyed"]]
    ours = surveyed["is_poor"].groupby(surveyed["province_code"]).mean().rename("ours")

    def read(name):
        return pd.read_csv(PUBLISHED / name, dtype={"province_ID": str})

    members = read("province_common.csv").set_index("province_ID")["HOUSEMEMBER_CNT"]
    published = (read("province_target_poor.csv").set_index("province_ID")["poor.JPT.CNT"] / members).rename("published")
    national_published = read("country_target_poor.csv")["poor.JPT.CNT"].iloc[0] / read("country_common.csv")["HOUSEMEMBER_CNT"].iloc[0]
    national = surveyed["is_poor"].mean()
    households = pd.read_parquet(truth / "households", columns=["is_poor"])["is_poor"].mean()
    households_published = (
        read("country_target_poor.csv")["poor.household.CNT"].iloc[0] / read("country_common.csv")["household.CNT"].iloc[0]
    )
    both = pd.concat([ours, published], axis=1, join="inner")
    rho = spearman(both["ours"], both["published"])
    print(
        f"\nBMN-poor households {households:.2%} (published {households_published:.2%}), persons {national:.2%} "
        f"(published {national_published:.2%}); province Spearman {rho:.3f} over {len(both)} provinces"
    )
    assert abs(households / households_published - 1) <= TOLERANCE
    assert abs(national / national_published - 1) <= TOLERANCE
    assert len(both) >= 70 and rho >= MIN_SPEARMAN


STRUCTURE_INDICATORS = (15, 16, 19, 21, 27, 28)
MIN_SPEARMAN_ELDERLY = 0.9


@pytest.mark.slow
def test_household_structure_matches_published(survey):
    """Who lives with whom: persons aged 60+, and persons in households with a member of each age-scoped
    indicator's population, as shares of all surveyed persons, against the published counts."""
    households, _ = survey
    country = pd.read_csv(PUBLISHED / "country_common.csv").iloc[0]
    table = national_rates(households).set_index("indicator")
    persons = sum(len(hh["members"]) for hh in households)
    rows = [
        {
            "figure": f"indicator{n}.ALL",
            "ours": table.loc[n, "ALL"] / persons,
            "published": country[f"indicator{n}.ALL"] / country["HOUSEMEMBER_CNT"],
        }
        for n in STRUCTURE_INDICATORS
    ]
    elderly = sum(_age(m) >= 60 for hh in households for m in hh["members"])
    rows.append({"figure": "ELDERLY_CNT", "ours": elderly / persons, "published": country["ELDERLY_CNT"] / country["HOUSEMEMBER_CNT"]})
    shares = pd.DataFrame(rows).assign(relative_error=lambda t: t["ours"] / t["published"] - 1)
    print("\n" + shares.to_string(index=False, float_format="{:.4f}".format))
    outside = shares[shares["relative_error"].abs() > TOLERANCE]
    assert outside.empty, f"household structure outside ±{TOLERANCE:.0%} of published:\n{outside.to_string(index=False)}"

    by_province = (
        pd.DataFrame(
            [(hh["province_code"], len(hh["members"]), sum(_age(m) >= 60 for m in hh["members"])) for hh in households],
            columns=["province", "persons", "elderly"],
        )
        .groupby("province")
        .sum()
    )
    ours = (by_province["elderly"] / by_province["persons"]).rename("ours")
    published = pd.read_csv(PUBLISHED / "province_common.csv", dtype={"province_ID": str}).set_index("province_ID")
    both = pd.concat([ours, (published["ELDERLY_CNT"] / published["HOUSEMEMBER_CNT"]).rename("published")], axis=1, join="inner")
    rho = spearman(both["ours"], both["published"])
    print(f"province elderly shares: Spearman {rho:.3f} over {len(both)} provinces")
    assert len(both) >= 70 and rho >= MIN_SPEARMAN_ELDERLY
