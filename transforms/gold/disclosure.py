"""Disclosure control for the published (analyst) tables: small counts hidden so that subtraction cannot
bring them back.

The published tables hold counts per area at five nested levels (country > province > district >
subdistrict > village), and every count of a parent area is the sum of its children's. So hiding a
small count is not enough: parent minus the visible children gives it back. The rules below make the
hidden cells of each count column a pattern that no subtraction can undo:

- primary: a count of 1 .. threshold-1 is hidden, at every level;
- down: a hidden area with children has at least one hidden child (else it is the sum of its children);
- siblings: under a visible parent, never exactly one hidden child (else parent minus the others);
- slack: under a visible parent, the hidden cells must not be pinned by their lower bounds (two hidden
  villages whose sum is 2 are both 1): the hidden leaves below it must exceed their lower bounds. (A
  column whose hidden cells may be 0 can at most be pinned at 0; zeros are published anyway.)

For a tree of sums these rules are exactly what keeps every hidden cell undetermined: with them, each
hidden cell still has at least two values consistent with everything published (see
docs in README "Disclosure control"). Complementary cells are chosen smallest first, so as little as
possible is hidden besides the small counts. Zeros are published (a hidden cell is never 0 unless it
belongs to a multi-column unit, see Unit).

Cells that must be hidden together form a `Unit`: the columns of one unit share one pattern of hidden
rows. A unit of several columns is for counts tied by an identity in the same row (target poor =
reached + not reached): hiding the whole row keeps the identity from filling a hidden cell in.

The tables are small (one row per area: ~85,000 at full scale), so this is plain numpy on the driver;
pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

LEVELS = ("country", "province", "district", "subdistrict", "village")
AREA_CODES = ("province_code", "district_code", "subdistrict_code", "village_code")


@dataclass(frozen=True)
class Unit:
    """Columns hidden together, row by row.

    `lead`: the column whose value ranks complementary candidates (smallest first). `lead_lower`: what
    anyone may assume of a hidden lead: 1 when every hidden row has lead >= 1 (the lead is at least every
    other column of the unit), 0 when a row can be hidden for another column while its lead is 0 (then a
    row's largest count ranks it, and any row with a positive count may be a complement). The other columns
    of a unit may be 0 in a hidden row (lower bound 0).
    """

    columns: tuple[str, ...]
    lead: str
    lead_lower: int = 1

    def lower_bounds(self) -> np.ndarray:
        return np.array([self.lead_lower if c == self.lead else 0 for c in self.columns], dtype=np.int64)


def single(column: str) -> Unit:
    return Unit((column,), column)


class AreaTree:
    """Areas of all levels as rows 0..n-1, each with its parent row (-1 for the country)."""

    def __init__(self, areas: pd.DataFrame):
        """`areas`: columns level and the four area codes (null above the row's level), one row per area."""
        self.keys = [area_key(level, codes) for level, *codes in areas[["level", *AREA_CODES]].itertuples(index=False, name=None)]
        self._areas, self._lookup = areas[["level", *AREA_CODES]], None
        index = {key: i for i, key in enumerate(self.keys)}
        if len(index) != len(self.keys):
            raise ValueError("areas: the same area appears twice")
        missing = {key[:-1] for key in self.keys if key and key[:-1] not in index}
        if missing:
            raise ValueError(f"areas: {len(missing)} parent area(s) missing, e.g. {sorted(missing, key=str)[0]}")
        self.size = len(self.keys)
        self.depth = np.array([len(k) for k in self.keys], dtype=np.int64)
        self.parent = np.array([index[k[:-1]] if k else -1 for k in self.keys], dtype=np.int64)
        self.child_count = np.bincount(self.parent[self.parent >= 0], minlength=self.size)
        self.is_leaf = self.child_count == 0

    def index(self, areas: pd.DataFrame) -> np.ndarray:
        """Row number of each area of `areas` (same columns as the constructor's) in this tree."""
        if self._lookup is None:  # hashed once; called per table and program
            self._lookup = pd.Index(_flat_keys(self._areas))
        rows = self._lookup.get_indexer(_flat_keys(areas))
        if (rows < 0).any():
            raise KeyError(f"area not in the tree: {areas.iloc[int(np.flatnonzero(rows < 0)[0])][['level', *AREA_CODES]].to_dict()}")
        return rows.astype(np.int64)

    def hidden_children(self, hidden: np.ndarray) -> np.ndarray:
        """Per row: how many of its children are hidden."""
        rows = np.flatnonzero(hidden & (self.parent >= 0))
        return np.bincount(self.parent[rows], minlength=self.size)

    def visible_top(self, hidden: np.ndarray) -> np.ndarray:
        """Per hidden row: the nearest visible ancestor (-1 if every ancestor is hidden); -1 for visible rows."""
        top = np.full(self.size, -1, dtype=np.int64)
        for depth in range(1, int(self.depth.max(initial=0)) + 1):  # parents are settled a level above
            rows = np.flatnonzero((self.depth == depth) & hidden)
            parents = self.parent[rows]
            top[rows] = np.where(hidden[parents], top[parents], parents)
        return top


def _flat_keys(areas: pd.DataFrame) -> np.ndarray:
    """area_key of every row as one string, column by column (a Python call per row took seconds per table):
    the codes down to the row's level joined by '|', a null as NUL."""
    depth = areas["level"].map({level: i for i, level in enumerate(LEVELS)}).to_numpy()
    key = pd.Series("", index=areas.index, dtype=object)
    for i, column in enumerate(AREA_CODES):
        code = areas[column].astype(object)
        key = key.where(depth <= i, key + "|" + code.where(code.notna(), "\x00").astype(str))
    return key.to_numpy()


def area_key(level: str, codes: Iterable) -> tuple:
    depth = LEVELS.index(level)
    return tuple(None if pd.isna(c) else str(c) for c in list(codes)[:depth])


def _smallest_per_group(groups: np.ndarray, rank: np.ndarray, eligible: np.ndarray) -> dict[int, int]:
    """{group: row with the smallest rank} among eligible rows."""
    rows = np.flatnonzero(eligible)
    if rows.size == 0:
        return {}
    order = rows[np.lexsort((rank[rows], groups[rows]))]
    first = np.ones(order.size, dtype=bool)
    first[1:] = groups[order][1:] != groups[order][:-1]
    return dict(zip(groups[order][first].tolist(), order[first].tolist(), strict=True))


def primary(values: np.ndarray, threshold: int) -> np.ndarray:
    """Rows with any count in 1 .. threshold-1 (values: rows x columns)."""
    return ((values >= 1) & (values < threshold)).any(axis=1)


def protect_unit(tree: AreaTree, values: np.ndarray, rank_by: np.ndarray, lower: np.ndarray, threshold: int) -> np.ndarray:
    """The hidden rows of one unit: primary cells plus complements until the down, sibling and slack rules hold.

    values: rows x columns of the unit (int); rank_by: what ranks complements, per row (see Unit); lower: lower
    bound per column.
    """
    hidden = primary(values, threshold)
    # Complements: positive rank_by, smallest first; a leaf of 1 adds no slack, so it comes last.
    rank = np.where(rank_by >= 2, rank_by, np.iinfo(np.int64).max // 2 + rank_by)
    candidate = rank_by >= 1
    parent = np.where(tree.parent >= 0, tree.parent, tree.size)  # the country's "group" is a dummy id
    for _ in range(tree.size + 1):
        added = _down_rule(tree, hidden, parent, rank, candidate)
        added |= _sibling_rule(tree, hidden, parent, rank, candidate)
        if not added.any():
            added = _slack_rule(tree, hidden, values, lower, parent, rank, candidate)
        if not added.any():
            return hidden
        hidden |= added
    raise RuntimeError("disclosure control did not converge")  # each round hides at least one more row


def _down_rule(tree, hidden, parent, rank, candidate) -> np.ndarray:
    """A hidden area with children and no hidden child: hide its smallest positive child."""
    added = np.zeros(tree.size, dtype=bool)
    needy = hidden & ~tree.is_leaf & (tree.hidden_children(hidden) == 0)
    if needy.any():
        chosen = _smallest_per_group(
            parent, rank, candidate & ~hidden & needy[np.where(tree.parent >= 0, tree.parent, 0)] & (tree.parent >= 0)
        )
        added[list(chosen.values())] = True
    return added


def _sibling_rule(tree, hidden, parent, rank, candidate) -> np.ndarray:
    """Under a visible parent exactly one hidden child: hide its smallest positive visible sibling (or the parent)."""
    added = np.zeros(tree.size, dtype=bool)
    counts = tree.hidden_children(hidden)
    lonely = ~hidden & (counts == 1)
    if lonely.any():
        in_lonely_group = (tree.parent >= 0) & lonely[np.where(tree.parent >= 0, tree.parent, 0)]
        chosen = _smallest_per_group(parent, rank, candidate & ~hidden & in_lonely_group)
        added[list(chosen.values())] = True
        added[[g for g in np.flatnonzero(lonely) if g not in chosen]] = True
    return added


def _slack_rule(tree, hidden, values, lower, parent, rank, candidate) -> np.ndarray:
    """Under a visible parent, each column's hidden leaves must exceed their lower bounds in total.

    Only columns whose hidden cells are known to be >= 1: hidden cells of a column that may be 0 can only
    be pinned at 0, and a 0 is published anyway wherever it stands alone.
    """
    added = np.zeros(tree.size, dtype=bool)
    top = tree.visible_top(hidden)
    leaves = np.flatnonzero(hidden & (tree.hidden_children(hidden) == 0) & (top >= 0))
    tops = np.unique(top[leaves])
    if tops.size == 0:
        return added
    for column in np.flatnonzero(lower >= 1):
        slack = np.bincount(top[leaves], weights=values[leaves, column] - lower[column], minlength=tree.size)
        tight = np.zeros(tree.size, dtype=bool)
        tight[tops[slack[tops] < 1]] = True
        if not tight.any():
            continue
        in_tight_group = (tree.parent >= 0) & tight[np.where(tree.parent >= 0, tree.parent, 0)]
        chosen = _smallest_per_group(parent, rank, candidate & ~hidden & in_tight_group & (values[:, column] > lower[column]))
        added[list(chosen.values())] = True
        added[[g for g in np.flatnonzero(tight) if g not in chosen]] = True
        return added  # one column at a time: the other rules run again before the next
    return added


def protect(tree: AreaTree, counts: Mapping[str, np.ndarray], units: Iterable[Unit], threshold: int) -> dict[str, np.ndarray]:
    """Hidden mask per column: each unit protected on its own (its columns share the mask)."""
    masks = {}
    for unit in units:
        values = np.column_stack([np.asarray(counts[c], dtype=np.int64) for c in unit.columns])
        # Complements are ranked by the lead; where the lead may be 0 beside other counts, by the row's largest.
        ranking = np.asarray(counts[unit.lead], dtype=np.int64) if unit.lead_lower >= 1 else values.max(axis=1)
        hidden = protect_unit(tree, values, ranking, unit.lower_bounds(), threshold)
        for column in unit.columns:
            masks[column] = hidden
    return masks
