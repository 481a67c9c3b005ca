"""k-anonymity of person-grain tables on their quasi-identifiers (sex, age band, area): nothing of person
grain is published unless every such group has at least k persons; gold's person tables would fail it,
which is why they are for officials only."""

from __future__ import annotations

import pandas as pd

from tests.gold.conftest import GOLD_DB, PUBLIC_DB
from transforms.gold.privacy import is_person_grain, k_anonymity_violations


def test_the_check_finds_small_groups():
    frame = pd.DataFrame({"sex": ["M"] * 5 + ["F"] * 2, "age_band": ["25-59"] * 7, "village_code": ["10010101"] * 7})
    small = k_anonymity_violations(frame, 5)
    assert small.to_dict("records") == [{"sex": "F", "age_band": "25-59", "village_code": "10010101", "persons": 2}]
    assert k_anonymity_violations(frame[frame["sex"] == "M"], 5).empty


def test_grain():
    assert is_person_grain(["person_key", "sex", "age_band", "village_code"])
    assert not is_person_grain(["level", "area_code", "housemember_cnt"])


def test_every_published_person_grain_table_is_k_anonymous(spark, gold, catalogue):
    k = catalogue.suppression.k_anonymity
    published = [t.name for t in spark.catalog.listTables(PUBLIC_DB) if not t.isTemporary]
    assert set(published) >= {"area_indicators", "welfare_coverage"}
    for name in published:
        frame = spark.table(f"{PUBLIC_DB}.{name}").toPandas()
        if is_person_grain(list(frame.columns)):
            assert k_anonymity_violations(frame, k).empty, name
        else:  # aggregates: every published count is 0 or at least the threshold (k persons)
            counts = frame.select_dtypes("number").drop(
                columns=[c for c in frame if c.endswith(("_rate", "rank_in_parent")) or c.startswith("af_")], errors="ignore"
            )
            values = counts.to_numpy(dtype=float, na_value=float("nan"))
            assert not ((values > 0) & (values < catalogue.suppression.threshold)).any(), name


def test_gold_person_welfare_is_not_k_anonymous_so_it_is_not_published(spark, gold, catalogue):
    frame = spark.table(f"{GOLD_DB}.person_welfare").toPandas()
    assert is_person_grain(list(frame.columns))
    assert not k_anonymity_violations(frame, catalogue.suppression.k_anonymity).empty
    assert "person_welfare" not in {t.name for t in spark.catalog.listTables(PUBLIC_DB)}
