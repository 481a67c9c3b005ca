"""Small-count suppression for the analyst views gold.v_*: SQL text, so the view itself enforces it."""

from __future__ import annotations


def suppressed_select(columns: list[str], counts: list[str], ratios: dict[str, str], levels: list[str], threshold: int) -> str:
    """SELECT list: at the given levels a count in 1..threshold-1 becomes null, and so does a ratio
    whose numerator count is suppressed (it would give the count back)."""
    level_list = ", ".join(f"'{level}'" for level in levels)
    small = "level IN ({levels}) AND {col} > 0 AND {col} < {t}"
    parts = []
    for column in columns:
        if column in counts:
            test = small.format(levels=level_list, col=f"`{column}`", t=threshold)
            parts.append(f"CASE WHEN {test} THEN NULL ELSE `{column}` END AS `{column}`")
        elif column in ratios:
            test = small.format(levels=level_list, col=f"`{ratios[column]}`", t=threshold)
            parts.append(f"CASE WHEN {test} THEN NULL ELSE `{column}` END AS `{column}`")
        else:
            parts.append(f"`{column}`")
    return ",\n  ".join(parts)
