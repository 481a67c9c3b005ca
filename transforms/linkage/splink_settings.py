"""Splink 5 settings built from conf/linkage.yaml, and the waterfall data of scored pairs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from transforms.linkage.blocking import blocking_rule_sql
from transforms.linkage.settings import Comparison, LinkageSettings

RETAINED = ["source", "is_spine"]


def _comparison_dict(comparison: Comparison) -> dict[str, Any]:
    levels = []
    for level in comparison.levels:
        entry: dict[str, Any] = {"sql_condition": level.sql, "label_for_charts": level.label}
        if level.is_null:
            entry["is_null_level"] = True
        if level.fixed_m is not None:
            entry.update(m_probability=level.fixed_m, fix_m_probability=True)
        levels.append(entry)
    return {"output_column_name": comparison.name, "comparison_levels": levels}


def splink_settings(settings: LinkageSettings) -> dict[str, Any]:
    """A Splink settings dict: record_id as unique id, the configured comparisons and blocking rules."""
    prob = settings.probabilistic
    return {
        "link_type": "dedupe_only",  # one combined input; link_only is a condition of the blocking rules
        "unique_id_column_name": "record_id",
        "probability_two_random_records_match": prob.probability_two_random_records_match,
        "comparisons": [_comparison_dict(c) for c in settings.comparisons],
        "blocking_rules_to_generate_predictions": blocking_rules_sql(settings),
        "retain_matching_columns": True,  # gamma_ columns are only kept with it
        "retain_intermediate_calculation_columns": True,
        "additional_columns_to_retain": RETAINED,
    }


def blocking_rules_sql(settings: LinkageSettings) -> list[str]:
    return [blocking_rule_sql(keys, settings.probabilistic.link_only) for keys in settings.probabilistic.blocking_rules]


def level_labels(levels: Iterable[Any]) -> dict[str, dict[int, str]]:
    """comparison -> {gamma value: label}, from Splink's own comparison-level records (comparison_name,
    comparison_vector_value, label_for_charts): the numbering is Splink's, never rebuilt here."""
    labels: dict[str, dict[int, str]] = {}
    for level in levels:
        labels.setdefault(level.comparison_name, {})[level.comparison_vector_value] = level.label_for_charts
    return labels


PRIOR = "probability_two_random_records_match"  # Splink lists the prior among the levels, as a comparison of its own


def splink_level_records(linker: Any) -> list[Any]:
    """Every comparison level of a trained linker (null levels included), as Splink describes them."""
    return [r for r in linker.visualisations.match_weights_chart().raw_records if r.comparison_name != PRIOR]


def same_id(id_column: str | None) -> F.Column:
    """Both records of a pair give one identifier (false without an ID column)."""
    if id_column is None:
        return F.lit(False)
    return F.coalesce(F.col(f"{id_column}_l") == F.col(f"{id_column}_r"), F.lit(False))


def with_waterfall(predictions: DataFrame, labels: dict[str, dict[int, str]], id_column: str | None) -> DataFrame:
    """Pairs with same_pid (both records give one citizen ID) and an array of (comparison, gamma, level label,
    match weight) — what explain-link prints. `labels`: level_labels of the model that scored the pairs."""
    steps = []
    for name, mapping in labels.items():
        label = F.create_map(*[x for gamma, text in mapping.items() for x in (F.lit(gamma), F.lit(text))])[F.col(f"gamma_{name}")]
        steps.append(
            F.struct(
                F.lit(name).alias("comparison"),
                F.col(f"gamma_{name}").cast("int").alias("level"),
                label.alias("label"),
                F.col(f"mw_{name}").alias("match_weight"),
            )
        )
    return predictions.select(
        "record_id_l",
        "record_id_r",
        "source_l",
        "source_r",
        "match_weight",
        "match_probability",
        same_id(id_column).alias("same_pid"),
        F.array(*steps).alias("comparisons"),
    )
