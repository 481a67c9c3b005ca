"""Training the Splink model in DuckDB on a sample of the linkage input; Spark scores every candidate pair.

Training (u by random sampling, m by EM) is a few hundred small queries over at most a few hundred
thousand records: on Spark each is a job of its own (about 113 CPU-seconds for 6,000 records), in an
in-process DuckDB the same training takes about 5 CPU-seconds. The trained model is backend-independent
(m and u per comparison level), so the Spark linker loads it and only predicts. Comparison SQL must
therefore run in both engines; DuckDB gets a `jaro_winkler` macro for Spark's function of that name, and
Jaro-Winkler of a column reads the column's single-byte form, made once per record (`for_duckdb`).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import duckdb
import pyarrow as pa
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from transforms.linkage.blocking import with_spine_candidates_only
from transforms.linkage.settings import LinkageSettings
from transforms.linkage.splink_settings import blocking_rules_sql, splink_settings

log = logging.getLogger(__name__)


def _single_byte_thai() -> tuple[str, str]:
    """Thai letters and one single-byte (ASCII) stand-in for each, for DuckDB's string similarity."""
    thai = "".join(chr(c) for c in [*range(0x0E01, 0x0E3B), *range(0x0E3F, 0x0E5C)])
    controls = [chr(c) for c in range(1, 32) if c not in (9, 10, 13)]
    symbols = [chr(c) for c in [*range(33, 65), *range(91, 97), *range(123, 127)] if chr(c) not in "'\\"]
    stand_ins = "".join([*controls, *symbols, *map(chr, range(65, 91))])[: len(thai)]
    return thai, stand_ins


def _single_byte(arg: str) -> str:
    # DuckDB's jaro_winkler_similarity compares UTF-8 bytes, where every Thai letter starts with the same two:
    # สมชาย / มาลี scored 0.76 there and about 0.5 in Spark (characters), so the level trained in DuckDB was
    # not the level Spark scores. Thai letters become one byte each first (a stand-in of the ASCII range).
    thai, stand_ins = _single_byte_thai()
    return f"translate({arg}, '{thai}', '{stand_ins}')"


def _jaro_winkler_macro() -> str:
    return f"CREATE MACRO jaro_winkler(a, b) AS jaro_winkler_similarity({_single_byte('a')}, {_single_byte('b')})"


# Jaro-Winkler of one column of both records: DuckDB compares the column's single-byte form, made once per
# record, not twice per pair (the translation per pair was 14 of the 16 s of training at S = 0.001).
_JARO_WINKLER_OF_COLUMN = re.compile(r"jaro_winkler\((\w+)_l, \1_r\)")
SINGLE_BYTE_SUFFIX = "__single_byte"


def single_byte_columns(splink: dict[str, Any]) -> list[str]:
    """The columns the comparisons compare by Jaro-Winkler."""
    levels = [level["sql_condition"] for c in splink["comparisons"] for level in c["comparison_levels"]]
    return sorted({column for sql in levels for column in _JARO_WINKLER_OF_COLUMN.findall(sql)})


def for_duckdb(splink: dict[str, Any]) -> dict[str, Any]:
    """Splink settings whose Jaro-Winkler levels read the records' single-byte columns (single_byte_columns)."""

    def rewritten(sql: str) -> str:
        return _JARO_WINKLER_OF_COLUMN.sub(rf"jaro_winkler_similarity(\1{SINGLE_BYTE_SUFFIX}_l, \1{SINGLE_BYTE_SUFFIX}_r)", sql)

    comparisons = [
        {**c, "comparison_levels": [{**level, "sql_condition": rewritten(level["sql_condition"])} for level in c["comparison_levels"]]}
        for c in splink["comparisons"]
    ]
    return {**splink, "comparisons": comparisons}


def with_sql_of(model: dict[str, Any], splink: dict[str, Any]) -> dict[str, Any]:
    """The trained model with the SQL of `splink`'s levels (the Spark SQL the DuckDB levels were rewritten from)."""
    comparisons = []
    for trained, given in zip(model["comparisons"], splink["comparisons"], strict=True):
        levels = zip(trained["comparison_levels"], given["comparison_levels"], strict=True)
        comparisons.append({**trained, "comparison_levels": [{**t, "sql_condition": g["sql_condition"]} for t, g in levels]})
    return {**model, "comparisons": comparisons}


UNOBSERVED_U = 1e-6

# Spark function names the comparison SQL may use that DuckDB spells differently.
DUCKDB_MACROS = (_jaro_winkler_macro(),)


def training_sample(linkage_input: DataFrame, settings: LinkageSettings, fraction: float, seed: int = 1) -> DataFrame:
    """A seeded random `fraction` of the non-spine records of the linkage input with the spine records sharing
    a blocking key with them, so that true pairs keep their share of the candidate pairs (all of it at 1)."""
    if fraction >= 1:
        return linkage_input
    sampled = linkage_input.filter(~F.col("is_spine")).sample(fraction=fraction, seed=seed)
    return with_spine_candidates_only(sampled.unionByName(linkage_input.filter("is_spine")), settings.probabilistic.blocking_rules)


def train_model(records: pa.Table, settings: LinkageSettings, threads: int = 2) -> dict[str, Any]:
    """A trained Splink model (settings with m and u) from records with the canonical and blocking columns."""
    from splink import DuckDBAPI, Linker, block_on

    prob = settings.probabilistic
    con = duckdb.connect(config={"threads": threads, "autoinstall_known_extensions": False})
    for macro in DUCKDB_MACROS:
        con.sql(macro)
    # In record order: the u sampling draws rows by position, so the model must not depend on how the
    # silver files happen to be laid out (a second round merged in, or both rounds loaded at once).
    con.register("sorted_records", records.sort_by("record_id"))
    spark_levels = splink_settings(settings)
    single = "".join(f", {_single_byte(c)} AS {c}{SINGLE_BYTE_SUFFIX}" for c in single_byte_columns(spark_levels))
    con.sql(f"CREATE VIEW training_records AS SELECT *{single} FROM sorted_records")
    table = DuckDBAPI(connection=con).register("training_records", dataset_display_name="training_records")
    linker = Linker(table, for_duckdb(spark_levels), log_level=logging.WARNING)
    linker.training.estimate_u_using_random_sampling(max_pairs=prob.u_max_pairs, seed=1)
    for keys in prob.em_blocking_rules:
        before = linker.misc.save_model_to_json()
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*keys), record_sample_proportion=prob.em_record_sample_proportion, max_pairs=prob.em_max_pairs
            )
        except ValueError as error:
            # A level that only non-matches reach in a small input gets m = 0, which Splink refuses; the
            # failed round may leave the linker half-updated, so go on from the model as it was before it.
            log.warning("link: EM round blocked on %s skipped: %s", ", ".join(keys), str(error).split(".")[0])
            linker = Linker(table, before, log_level=logging.WARNING)
    model = with_sql_of(linker.misc.save_model_to_json(), spark_levels)
    con.close()
    return for_spark(model, settings)


def for_spark(model: dict[str, Any], settings: LinkageSettings) -> dict[str, Any]:
    """The trained model with Spark as its SQL dialect (the blocking rules as the settings write them), its
    unobserved levels marked as such."""
    marked = with_unobserved_u_marked(model)
    return {**marked, "sql_dialect": "spark", "blocking_rules_to_generate_predictions": blocking_rules_sql(settings)}


def with_unobserved_u_marked(model: dict[str, Any]) -> dict[str, Any]:
    """The model with u = 1e-6 for every level with an m that random sampling never met: the value Splink
    gives such a level in memory (ComparisonLevel.u_probability for "level not observed").

    Splink's JSON leaves that u out (and a "not observed" marker in it is dropped on loading), so a linker
    loaded from it fell back to a default u set by the level's position: at S = 0.01 an exact ID weighed
    +7.5 instead of +17.4 and swapped names -0.4 instead of +15.9. Every level's u is estimated here, so a
    missing one was not observed. A level that neither training met (no m either) keeps Splink's defaults."""

    def marked(level: dict[str, Any]) -> dict[str, Any]:
        if level.get("is_null_level") or "u_probability" in level or "m_probability" not in level:
            return level
        return {**level, "u_probability": UNOBSERVED_U}

    comparisons = [{**c, "comparison_levels": [marked(lvl) for lvl in c["comparison_levels"]]} for c in model["comparisons"]]
    return {**model, "comparisons": comparisons}
