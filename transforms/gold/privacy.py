"""The published surface (public.*): gold's area tables with disclosure control applied.

`publish` takes gold.area_indicators and gold.welfare_coverage (as pandas: one row per area, or per
area and program) and returns the same tables with every hidden count null, the ratios that would give
a hidden count back null as well, and ranks recomputed from the published rates. Which cells are
hidden is decided by transforms.gold.disclosure, on both tables together:

- every count column of area_indicators is a unit of its own;
- in welfare_coverage, target_poor is the same number in the rows of every program, and
  target_poor = target_poor_reached + target_poor_not_reached in each row: so an area's target_poor and
  the reached / not reached counts of all programs are one unit (hidden together), with the eligible
  poor and eligible target poor counts (their own identities, and equalities the programs' rules make);
- recipients and its not-poor, not-surveyed and not-eligible counts are a unit per program.
A hidden recipients count is at least 1; a hidden target_poor may be 0 (an area with eligible poor and no
target poor), and is protected as such.

Pure: pandas in, pandas out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from transforms.gold.catalogue import PROGRAMS
from transforms.gold.disclosure import AREA_CODES, LEVELS, AreaTree, Unit, primary, protect, single

# Ratios hidden when a count they are made of is hidden (num / den gives a count back from the other).
AREA_RATIOS = {
    "jpt_mofval_pov_rate": ("poor_jpt_mofval_cnt", "housemember_cnt"),
    "af_h": ("af_poor_persons", "housemember_cnt"),
    "af_a": ("af_poor_persons",),
    "af_m0": ("af_poor_persons", "housemember_cnt"),
}
COVERAGE_RATIOS = {
    "exclusion_error_rate": ("target_poor_not_reached", "target_poor"),
    "eligible_poor_exclusion_rate": ("eligible_poor_not_reached", "eligible_poor"),
    "eligible_target_poor_exclusion_rate": ("eligible_target_poor_not_reached", "eligible_target_poor"),
    "inclusion_error_rate": ("recipients_not_eligible", "recipients", "recipients_not_surveyed"),
}
# Tied to target_poor: by identity in the row (total = reached + not reached), and the eligible counts because
# some equal a target-poor count by the programs' rules (the card's eligible poor reached are its adult target
# poor): hidden together, no published cell fills another in.
COVERAGE_TIED = (
    "target_poor",
    "target_poor_reached",
    "target_poor_not_reached",
    "eligible_poor",
    "eligible_poor_reached",
    "eligible_poor_not_reached",
    "eligible_target_poor",
    "eligible_target_poor_reached",
    "eligible_target_poor_not_reached",
)
COVERAGE_OWN = ("recipients", "recipients_not_poor", "recipients_not_surveyed", "recipients_not_eligible")
COVERAGE_COUNTS = COVERAGE_TIED + COVERAGE_OWN
# Row identities of each program: total = parts.
COVERAGE_IDENTITIES = (
    ("target_poor", ("target_poor_reached", "target_poor_not_reached")),
    ("eligible_poor", ("eligible_poor_reached", "eligible_poor_not_reached")),
    ("eligible_target_poor", ("eligible_target_poor_reached", "eligible_target_poor_not_reached")),
)
# What anyone may assume about a hidden cell, for protection and attack alike: at least 1 for recipients (the
# lead of its unit, at least every other count of it), else 0 (target_poor may be 0 in a row hidden for the
# eligible counts tied to it).
HIDDEN_LOWER_BOUND = {c: int(c == "recipients") for c in COVERAGE_COUNTS}


@dataclass
class Published:
    area_indicators: pd.DataFrame
    welfare_coverage: pd.DataFrame
    hidden: pd.DataFrame  # level, table, primary cells, complementary cells, published cells


def area_count_columns(columns: list[str]) -> list[str]:
    """Count columns of area_indicators: everything numeric that is not a code, ratio, rank, constant, round
    or change between rounds (computed from the published counts after protection)."""
    skip = {"level", "area_code", "parent_code", "name_th", "name_en", *AREA_CODES, *AREA_RATIOS, "rank_in_parent", "af_k"}
    skip |= {"survey_round", "previous_round"}
    return [c for c in columns if c not in skip and not c.endswith("_change")]


def _cov(column: str, program: str | None = None) -> str:
    return f"coverage:{column}" if program is None else f"coverage:{column}:{program}"


def _areas(*frames: pd.DataFrame) -> pd.DataFrame:
    """Every area once, in code order: ties between siblings are broken by tree order, which must not
    depend on the order Spark returned gold's rows in (it varies between runs)."""
    areas = pd.concat([f[["level", *AREA_CODES]] for f in frames]).drop_duplicates(ignore_index=True)
    return areas.sort_values([*AREA_CODES, "level"], na_position="first", ignore_index=True)


def _counts(tree: AreaTree, area: pd.DataFrame, coverage: pd.DataFrame, area_counts: list[str]) -> dict[str, np.ndarray]:
    """Every count as a full-length array over the tree's rows (0 where a table has no row for an area)."""
    counts: dict[str, np.ndarray] = {}
    rows = tree.index(area)
    for column in area_counts:
        counts[column] = np.zeros(tree.size, dtype=np.int64)
        counts[column][rows] = area[column].to_numpy(dtype=np.int64)
    for program in PROGRAMS:
        part = coverage[coverage["program"] == program]
        rows = tree.index(part)
        for column in COVERAGE_COUNTS:
            name = _cov(column, program)
            counts[name] = np.zeros(tree.size, dtype=np.int64)
            counts[name][rows] = part[column].to_numpy(dtype=np.int64)
    # target_poor does not depend on the program: one column stands for all of them.
    first = counts[_cov("target_poor", PROGRAMS[0])]
    if any((counts[_cov("target_poor", p)] != first).any() for p in PROGRAMS[1:]):
        raise ValueError("welfare_coverage: target_poor differs between programs of one area")
    counts[_cov("target_poor")] = first
    return counts


def _units(area_counts: list[str]) -> list[Unit]:
    tied = [_cov("target_poor")] + [_cov(c, p) for p in PROGRAMS for c in COVERAGE_TIED[1:]]
    units = [single(c) for c in area_counts]
    units.append(Unit(tuple(tied), _cov("target_poor"), lead_lower=HIDDEN_LOWER_BOUND["target_poor"]))
    units += [
        Unit(tuple(_cov(c, p) for c in COVERAGE_OWN), _cov("recipients", p), lead_lower=HIDDEN_LOWER_BOUND["recipients"]) for p in PROGRAMS
    ]
    return units


def hidden_masks(
    area: pd.DataFrame, coverage: pd.DataFrame, threshold: int
) -> tuple[AreaTree, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The area tree, the counts and the hidden mask of every count column (coverage ones per program)."""
    tree = AreaTree(_areas(area, coverage))
    area_counts = area_count_columns(list(area.columns))
    counts = _counts(tree, area, coverage, area_counts)
    masks = protect(tree, counts, _units(area_counts), threshold)
    for program in PROGRAMS:
        masks[_cov("target_poor", program)] = masks[_cov("target_poor")]
    return tree, counts, masks


def _hide(frame: pd.DataFrame, rows: np.ndarray, masks: dict[str, np.ndarray], names: dict[str, str], ratios: dict) -> pd.DataFrame:
    out = frame.copy()
    hidden_here = {}
    for column, name in names.items():
        hidden_here[column] = masks[name][rows]
        out[column] = out[column].astype("Int64").mask(hidden_here[column])
    for ratio, parts in ratios.items():
        out[ratio] = out[ratio].mask(np.logical_or.reduce([hidden_here[p] for p in parts]))
    return out


def _ranked(area: pd.DataFrame) -> pd.DataFrame:
    """rank_in_parent from the published rates only (hidden rates last), as gold ranks them."""
    out = area.copy()
    rate = out["jpt_mofval_pov_rate"].fillna(-np.inf)
    out["rank_in_parent"] = rate.groupby([out["level"], out["parent_code"].fillna("")]).rank(method="min", ascending=False).astype("int32")
    return out


def publish(area: pd.DataFrame, coverage: pd.DataFrame, threshold: int) -> Published:
    """Both tables as published: hidden counts null, dependent ratios null, ranks from what is shown."""
    tree, counts, masks = hidden_masks(area, coverage, threshold)
    area_counts = area_count_columns(list(area.columns))
    published_area = _ranked(_hide(area, tree.index(area), masks, {c: c for c in area_counts}, AREA_RATIOS))
    parts = []
    for program in PROGRAMS:
        part = coverage[coverage["program"] == program]
        parts.append(_hide(part, tree.index(part), masks, {c: _cov(c, program) for c in COVERAGE_COUNTS}, COVERAGE_RATIOS))
    published_coverage = pd.concat(parts).loc[coverage.index]
    return Published(published_area, published_coverage, hidden_summary(tree, counts, masks, area_counts, threshold))


def hidden_summary(
    tree: AreaTree, counts: dict[str, np.ndarray], masks: dict[str, np.ndarray], area_counts: list[str], threshold: int
) -> pd.DataFrame:
    """Per level and table: cells hidden as small counts (primary), hidden to protect them (complementary), shown."""
    level = np.array([LEVELS[d] for d in tree.depth])
    rows = []
    tables = {"area_indicators": area_counts, "welfare_coverage": [_cov(c, p) for p in PROGRAMS for c in COVERAGE_COUNTS]}
    for table, columns in tables.items():
        for name in LEVELS:
            at = level == name
            small = sum(int((primary(counts[c][at, None], threshold)).sum()) for c in columns)
            hidden = sum(int(masks[c][at].sum()) for c in columns)
            cells = len(columns) * int(at.sum())
            rows.append((table, name, small, hidden - small, cells - hidden))
    return pd.DataFrame(rows, columns=["table", "level", "primary", "complementary", "shown"])


def recoverable(area: pd.DataFrame, coverage: pd.DataFrame, zeros: bool = False) -> pd.DataFrame:
    """Hidden cells of the published tables that the differencing attack computes back (none, if publish
    did its job): table, column, program, level, area_code, value. A hidden reached / not-reached /
    recipients-not-poor / not-surveyed count found to be 0 is left out unless `zeros`: zeros are
    published wherever they stand alone, so knowing one discloses nothing the threshold protects."""
    from transforms.gold.attack import recover

    tree = AreaTree(_areas(area, coverage))
    published: dict[str, np.ndarray] = {}
    area_rows = tree.index(area)
    area_counts = area_count_columns(list(area.columns))
    for column in area_counts:
        published[column] = np.zeros(tree.size)
        published[column][area_rows] = area[column].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    for program in PROGRAMS:
        part = coverage[coverage["program"] == program]
        rows = tree.index(part)
        for column in COVERAGE_COUNTS:
            published[_cov(column, program)] = np.zeros(tree.size)
            published[_cov(column, program)][rows] = part[column].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    lower = {_cov(c, p): HIDDEN_LOWER_BOUND[c] for p in PROGRAMS for c in COVERAGE_COUNTS}
    identities = [(_cov(total, p), [_cov(c, p) for c in parts]) for p in PROGRAMS for total, parts in COVERAGE_IDENTITIES]
    values: dict[str, np.ndarray] = {}
    found = recover(tree, published, lower, identities, [[_cov("target_poor", p) for p in PROGRAMS]], values)
    level = np.array([LEVELS[d] for d in tree.depth])
    code = np.array([k[-1] if k else "TH" for k in tree.keys], dtype=object)
    rows = []
    for name, mask in found.items():
        table, column, program = (
            ("welfare_coverage", *name.split(":")[1:]) if name.startswith("coverage:") else ("area_indicators", name, None)
        )
        rows += [
            (table, column, program, level[i], code[i], values[name][i]) for i in np.flatnonzero(mask) if zeros or values[name][i] != 0
        ]
    rows += _ratio_leaks(area, AREA_RATIOS, "area_indicators") + _ratio_leaks(coverage, COVERAGE_RATIOS, "welfare_coverage")
    return pd.DataFrame(rows, columns=["table", "column", "program", "level", "area_code", "value"])


def _ratio_leaks(frame: pd.DataFrame, ratios: dict, table: str) -> list[tuple]:
    """A shown ratio next to a hidden count it is made of gives the count back."""
    rows = []
    for ratio, parts in ratios.items():
        for part in parts:
            leak = frame[ratio].notna() & frame[part].isna()
            rows += [
                (
                    table,
                    part,
                    frame.get("program", pd.Series(index=frame.index)).get(i),
                    frame.at[i, "level"],
                    frame.at[i, "area_code"],
                    None,
                )
                for i in frame.index[leak]
            ]
    return rows


QUASI_IDENTIFIERS = ("sex", "age_band", "area")
AREA_COLUMNS = ("village_code", "subdistrict_code", "district_code", "province_code")


def is_person_grain(columns: list[str]) -> bool:
    """A table with a row per person: it has person attributes (sex, age) and no area level of aggregates."""
    return "level" not in columns and bool({"sex", "age", "age_band", "person_key"} & set(columns))


def k_anonymity_violations(frame: pd.DataFrame, k: int) -> pd.DataFrame:
    """Groups of fewer than k persons sharing the quasi-identifiers the table carries: sex, age band (or
    age) and its finest area code. Empty when the table is k-anonymous."""
    age = "age_band" if "age_band" in frame else ("age" if "age" in frame else None)
    area = next((c for c in AREA_COLUMNS if c in frame), None)
    keys = [c for c in ("sex", age, area) if c is not None]
    if not keys:
        return pd.DataFrame(columns=["persons"])
    sizes = frame.groupby(keys, dropna=False).size().rename("persons").reset_index()
    return sizes[sizes["persons"] < k]
