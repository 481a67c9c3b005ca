"""Disclosure control on hand-made area trees: small counts hidden at every level, and the differencing
attack (parent minus visible children, chains across levels, lower-bound pinning) gets nothing back."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.gold.attack import recover
from transforms.gold.disclosure import AREA_CODES, AreaTree, Unit, primary, protect, single

THRESHOLD = 5


def rolled_up(villages: dict[str, int | tuple]) -> pd.DataFrame:
    """Every level's rows from village counts (8-digit codes), as the ROLLUP of gold makes them."""
    rows = []
    for code, value in villages.items():
        rows.append(
            {
                "village_code": code,
                "subdistrict_code": code[:6],
                "district_code": code[:4],
                "province_code": code[:2],
                "v": value if isinstance(value, tuple) else (value,),
            }
        )
    base = pd.DataFrame(rows)
    frames = []
    for depth, level in enumerate(("country", "province", "district", "subdistrict", "village")):
        keys = list(AREA_CODES[:depth])
        grouped = (
            base.groupby(keys, sort=True)["v"].apply(lambda s: tuple(np.sum(list(s), axis=0))).reset_index()
            if keys
            else pd.DataFrame({"v": [tuple(np.sum(list(base["v"]), axis=0))]})
        )
        for column in AREA_CODES:
            if column not in grouped:
                grouped[column] = None
        grouped["level"] = level
        frames.append(grouped)
    out = pd.concat(frames, ignore_index=True)
    width = len(out["v"].iloc[0])
    for i in range(width):
        out[f"c{i}"] = out["v"].map(lambda t, i=i: int(t[i]))
    return out.drop(columns="v")


def protect_and_attack(frame: pd.DataFrame, units: list[Unit], lower: dict | None = None, identities=()) -> tuple[AreaTree, dict, dict]:
    """Protect, then attack: the hidden cells the attack computes back with a value other than 0 (a hidden
    cell that may be 0 can be found to be 0 when its parent shows the same total as the visible children:
    that 0 discloses nothing, zeros being published anyway)."""
    tree = AreaTree(frame)
    counts = {c: frame[c].to_numpy() for c in frame.columns if c.startswith("c")}
    masks = protect(tree, counts, units, THRESHOLD)
    published = {c: np.where(masks[c], np.nan, counts[c]) for c in counts}
    values: dict = {}
    found = recover(tree, published, lower, identities, values=values)
    for column, mask in found.items():
        assert (values[column][mask] == counts[column][mask]).all(), "the attack must only find true values"
    return tree, masks, {c: m & (values[c] != 0) for c, m in found.items()}


def hidden_codes(frame, mask, level) -> set:
    at = frame["level"] == level
    column = {"village": "village_code", "subdistrict": "subdistrict_code", "district": "district_code", "province": "province_code"}[level]
    return set(frame.loc[at & mask, column])


def test_one_small_village_takes_a_sibling_with_it():
    frame = rolled_up({"10010101": 3, "10010102": 10, "10010103": 20, "10010201": 40})
    _, masks, found = protect_and_attack(frame, [single("c0")])
    assert hidden_codes(frame, masks["c0"], "village") == {"10010101", "10010102"}  # the smallest other village
    assert not found["c0"].any()


def test_primary_suppression_alone_is_undone_by_subtraction():
    frame = rolled_up({"10010101": 3, "10010102": 10, "10010103": 20, "10010201": 40})
    tree = AreaTree(frame)
    values = frame["c0"].to_numpy()
    small = primary(values[:, None], THRESHOLD)
    found = recover(tree, {"c0": np.where(small, np.nan, values)})["c0"]
    assert found.sum() == 1 and values[found][0] == 3  # subdistrict minus the visible villages


def test_small_counts_are_hidden_at_every_level_including_the_country():
    frame = rolled_up({"10010101": 1, "10010102": 2})
    _, masks, found = protect_and_attack(frame, [single("c0")])
    assert masks["c0"].all()  # country = 3: every level is small
    assert not found["c0"].any()


def test_two_ones_are_not_left_alone_under_a_visible_parent():
    # 1 + 1 under a parent of 12: the two hidden villages would be pinned at 1 each.
    frame = rolled_up({"10010101": 1, "10010102": 1, "10010103": 10})
    _, masks, found = protect_and_attack(frame, [single("c0")])
    assert hidden_codes(frame, masks["c0"], "village") == {"10010101", "10010102", "10010103"}
    assert not found["c0"].any()


def test_a_hidden_area_is_not_the_sum_of_visible_children():
    # Subdistrict 100101 (3) is small; its sibling subdistrict 100102 becomes a complement, and then one of
    # its villages must be hidden too, or 100102 would be the sum of its villages.
    frame = rolled_up({"10010101": 3, "10010201": 7, "10010202": 9, "10020101": 30})
    _, masks, found = protect_and_attack(frame, [single("c0")])
    assert {"100101", "100102"} <= hidden_codes(frame, masks["c0"], "subdistrict")
    assert hidden_codes(frame, masks["c0"], "village") & {"10010201", "10010202"}
    assert not found["c0"].any()


def test_row_identity_units_hide_the_whole_row():
    # c0 = c1 + c2 in every row (target poor = reached + not reached): a small c1 hides c0 and c2 too.
    frame = rolled_up({"10010101": (9, 2, 7), "10010102": (12, 6, 6), "10010103": (20, 10, 10), "10010201": (30, 15, 15)})
    unit = Unit(("c0", "c1", "c2"), "c0")
    _, masks, found = protect_and_attack(frame, [unit], {"c0": 1, "c1": 0, "c2": 0}, [("c0", ["c1", "c2"])])
    assert masks["c0"].tolist() == masks["c1"].tolist() == masks["c2"].tolist()
    assert "10010101" in hidden_codes(frame, masks["c0"], "village")
    assert not any(f.any() for f in found.values())


villages = st.dictionaries(
    keys=st.tuples(st.integers(10, 11), st.integers(1, 3), st.integers(1, 3), st.integers(1, 4)).map(
        lambda t: f"{t[0]}{t[1]:02d}{t[2]:02d}{t[3]:02d}"
    ),
    values=st.integers(0, 12),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(villages)
def test_random_trees_nothing_comes_back_and_every_small_count_is_hidden(counts):
    frame = rolled_up(counts)
    _, masks, found = protect_and_attack(frame, [single("c0")])
    values = frame["c0"].to_numpy()
    assert masks["c0"][(values >= 1) & (values < THRESHOLD)].all()
    assert not masks["c0"][values == 0].any()  # zeros are shown
    assert not found["c0"].any(), frame.assign(hidden=masks["c0"]).to_string()


def test_tree_refuses_an_area_without_its_parent():
    frame = rolled_up({"10010101": 3})
    try:
        AreaTree(frame[frame["level"] != "district"])
    except ValueError as err:
        assert "parent area(s) missing" in str(err)
    else:
        raise AssertionError("a village without its district must be refused")


pairs = st.dictionaries(
    keys=st.tuples(st.integers(10, 11), st.integers(1, 2), st.integers(1, 3), st.integers(1, 4)).map(
        lambda t: f"{t[0]}{t[1]:02d}{t[2]:02d}{t[3]:02d}"
    ),
    values=st.tuples(st.integers(0, 9), st.integers(0, 9)).map(lambda t: (t[0] + t[1], t[0], t[1])),
    min_size=1,
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(pairs)
def test_random_trees_with_a_row_identity_nothing_comes_back(counts):
    frame = rolled_up(counts)
    _, masks, found = protect_and_attack(frame, [Unit(("c0", "c1", "c2"), "c0")], {"c0": 1, "c1": 0, "c2": 0}, [("c0", ["c1", "c2"])])
    assert not any(f.any() for f in found.values()), frame.assign(hidden=masks["c0"]).to_string()


# A unit whose lead may be 0 in a hidden row (target poor tied to the eligible poor: c0 = target poor = c1 + c2,
# c3 = eligible poor, counted whether or not anyone is target poor).
tied = st.dictionaries(
    keys=st.tuples(st.integers(10, 11), st.integers(1, 2), st.integers(1, 3), st.integers(1, 4)).map(
        lambda t: f"{t[0]}{t[1]:02d}{t[2]:02d}{t[3]:02d}"
    ),
    values=st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(0, 12)).map(lambda t: (t[0] + t[1], t[0], t[1], t[2])),
    min_size=1,
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(tied)
def test_a_lead_that_may_be_0_hides_no_more_than_the_rules_need_and_nothing_comes_back(counts):
    frame = rolled_up(counts)
    unit = Unit(("c0", "c1", "c2", "c3"), "c0", lead_lower=0)
    _, masks, found = protect_and_attack(frame, [unit], {"c0": 0, "c1": 0, "c2": 0, "c3": 0}, [("c0", ["c1", "c2"])])
    assert not any(f.any() for f in found.values()), frame.assign(hidden=masks["c0"]).to_string()
    values = frame[["c0", "c1", "c2", "c3"]].to_numpy()
    assert masks["c0"][primary(values, THRESHOLD)].all()
    country = (frame["level"] == "country").to_numpy()
    # The country is hidden only when one of its own counts is small: a hidden zero lead once counted as
    # missing slack, and a sibling with a lead of 0 could not be a complement, so the parent went instead,
    # up to the country.
    assert masks["c0"][country].item() == bool(primary(values[country], THRESHOLD).item())


def test_which_sibling_is_hidden_does_not_depend_on_row_order():
    # Two siblings tie as the complement of a small village; Spark hands gold's rows over in any order.
    from transforms.gold.privacy import COVERAGE_COUNTS, PROGRAMS, hidden_masks

    area = rolled_up({"10010101": 3, "10010102": 10, "10010103": 10, "10010201": 40}).rename(columns={"c0": "household_cnt"})
    coverage = pd.concat([area[["level", *AREA_CODES]].assign(program=p, **{c: 0 for c in COVERAGE_COUNTS}) for p in PROGRAMS],
                         ignore_index=True)  # fmt: skip

    def hidden_villages(area: pd.DataFrame, coverage: pd.DataFrame) -> set:
        tree, _, masks = hidden_masks(area, coverage, THRESHOLD)
        return hidden_codes(area, masks["household_cnt"][tree.index(area)], "village")

    forward = hidden_villages(area, coverage)
    backward = hidden_villages(area.iloc[::-1].reset_index(drop=True), coverage.iloc[::-1].reset_index(drop=True))
    assert forward == backward
    assert len(forward) == 2 and "10010101" in forward
