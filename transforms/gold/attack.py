"""The differencing attack on published area tables: every hidden cell an analyst can compute back.

Works on the published tables alone (hidden cells are null), the way an analyst with bad intent would:
repeatedly, until nothing more comes back,

- parent minus its visible children gives the one hidden child (country minus provinces included);
- a hidden parent is the sum of its children when they are all visible;
- hidden cells pinned by their lower bound: under a visible parent, hidden children whose total is
  their count times the lower bound (two hidden villages summing to 2 are 1 and 1);
- identities between columns of a row (target_poor = reached + not reached) and columns known to be
  equal (target_poor in the rows of every program), the same way.

Each cell found is substituted, so chains across levels and tables are followed. Used by the
indicators job (it refuses to publish anything this finds) and by the tests. Pure numpy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from transforms.gold.disclosure import AreaTree


def _tree_pass(tree: AreaTree, value: np.ndarray, known: np.ndarray, lower: int) -> bool:
    """One round of the tree rules on one column; fills `value`/`known` in place; True if anything was found."""
    has_parent = tree.parent >= 0
    child = np.flatnonzero(has_parent)
    parent = tree.parent[child]
    unknown_children = np.bincount(parent, weights=~known[child], minlength=tree.size)
    known_sum = np.bincount(parent, weights=np.where(known[child], value[child], 0.0), minlength=tree.size)
    groups = tree.child_count > 0
    found = False
    # Parent known, exactly one hidden child: parent minus the others.
    solvable = groups & known & (unknown_children == 1)
    if solvable.any():
        rows = child[solvable[parent] & ~known[child]]
        value[rows] = value[tree.parent[rows]] - known_sum[tree.parent[rows]]
        known[rows] = True
        found = True
    # Parent hidden, every child visible: the sum.
    summed = groups & ~known & (unknown_children == 0)
    if summed.any():
        value[summed] = known_sum[summed]
        known[summed] = True
        found = True
    # Parent known, hidden children pinned at their lower bound.
    remaining = tree.parent >= 0
    unknown_children = np.bincount(tree.parent[remaining], weights=~known[remaining], minlength=tree.size)
    known_sum = np.bincount(tree.parent[remaining], weights=np.where(known[remaining], value[remaining], 0.0), minlength=tree.size)
    pinned = groups & known & (unknown_children > 0) & (value - known_sum <= unknown_children * lower)
    if pinned.any():
        rows = child[pinned[parent] & ~known[child]]
        value[rows] = lower
        known[rows] = True
        found = True
    return found


def _identity_pass(
    total: str, parts: Sequence[str], value: Mapping[str, np.ndarray], known: Mapping[str, np.ndarray], lower: Mapping[str, int]
) -> bool:
    """total = sum(parts) in every row: one unknown is solved; parts pinned at their lower bounds are filled."""
    columns = [total, *parts]
    unknown = sum((~known[c]).astype(np.int64) for c in columns)
    found = False
    one = unknown == 1
    if one.any():
        for column in columns:
            rows = one & ~known[column]
            if not rows.any():
                continue
            parts_sum = sum(np.where(known[p], value[p], 0.0) for p in parts if p != column)
            value[column][rows] = (parts_sum if column == total else value[total] - parts_sum)[rows]
            known[column][rows] = True
            found = True
    parts_known = sum(np.where(known[p], value[p], 0.0) for p in parts)
    floor = sum(np.where(known[p], 0, lower.get(p, 1)) for p in parts)
    pinned = known[total] & (unknown > 0) & (value[total] - parts_known <= floor)
    if pinned.any():
        for part in parts:
            rows = pinned & ~known[part]
            value[part][rows] = lower.get(part, 1)
            known[part][rows] = True
        found = True
    return found


def _equal_pass(columns: Sequence[str], value: Mapping[str, np.ndarray], known: Mapping[str, np.ndarray]) -> bool:
    found = False
    for column in columns:
        for other in columns:
            rows = known[column] & ~known[other]
            if rows.any():
                value[other][rows] = value[column][rows]
                known[other][rows] = True
                found = True
    return found


def recover(
    tree: AreaTree,
    published: Mapping[str, np.ndarray],
    lower: Mapping[str, int] | None = None,
    identities: Sequence[tuple[str, Sequence[str]]] = (),
    equal: Sequence[Sequence[str]] = (),
    values: dict[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Per column: the hidden cells (NaN in `published`, a float array over the tree's rows) the attack
    computes back, as a boolean mask; `lower`: what is known of a hidden cell (default 1). Pass a dict as
    `values` to receive what the attack found (the published values with the recovered ones filled in)."""
    lower = dict(lower or {})
    value = {c: np.nan_to_num(np.asarray(v, dtype=float), nan=0.0) for c, v in published.items()}
    known = {c: ~np.isnan(np.asarray(v, dtype=float)) for c, v in published.items()}
    hidden = {c: ~k for c, k in known.items()}
    for _ in range(tree.size + 1):
        found = False
        for column in value:
            while _tree_pass(tree, value[column], known[column], lower.get(column, 1)):
                found = True
        for total, parts in identities:
            found |= _identity_pass(total, parts, value, known, lower)
        for columns in equal:
            found |= _equal_pass(columns, value, known)
        if not found:
            break
    if values is not None:
        values.update(value)
    return {c: hidden[c] & known[c] for c in value}
