"""explain-link's level labels come from Splink's own description of the model, and the waterfall array
names each comparison's level for a scored pair."""

from __future__ import annotations

import logging

import duckdb
import pyarrow as pa
from chispa import assert_df_equality
from pyspark.sql import types as T

from transforms.linkage.settings import load_linkage_settings
from transforms.linkage.splink_settings import level_labels, splink_level_records, splink_settings, with_waterfall


def _labels() -> dict[str, dict[int, str]]:
    from splink import DuckDBAPI, Linker

    con = duckdb.connect()
    con.register("t", pa.table({"record_id": pa.array([], pa.string())}))
    table = DuckDBAPI(connection=con).register("t", dataset_display_name="t")
    linker = Linker(table, splink_settings(load_linkage_settings()), log_level=logging.ERROR, validate_settings=False)
    return level_labels(splink_level_records(linker))


def test_labels_are_numbered_as_splink_numbers_them():
    labels = _labels()
    assert list(labels) == [c.name for c in load_linkage_settings().comparisons]
    assert labels["first_name"] == {
        -1: "null",
        5: "exact",
        4: "phonetic key",
        3: "jaro-winkler >= 0.88",
        2: "romanised (Latin script)",
        1: "swapped with surname",
        0: "else",
    }
    assert labels["pid"][-1] == "null" and labels["pid"][max(labels["pid"])] == "exact"


def test_the_waterfall_names_each_level(spark):
    labels = {"first_name": {-1: "null", 1: "exact", 0: "else"}, "pid": {-1: "null", 1: "exact", 0: "else"}}
    pairs = spark.createDataFrame(
        [("a", "b", "dopa_registry", "mof_welfare", 12.5, 0.9998, "1", "1", 1, 4.0, -1, 0.0)],
        "record_id_l string, record_id_r string, source_l string, source_r string, match_weight double, "
        "match_probability double, pid_l string, pid_r string, gamma_first_name int, mw_first_name double, gamma_pid int, mw_pid double",
    )
    step = T.StructType(
        [
            T.StructField("comparison", T.StringType(), False),
            T.StructField("level", T.IntegerType()),
            T.StructField("label", T.StringType()),
            T.StructField("match_weight", T.DoubleType()),
        ]
    )
    expected = spark.createDataFrame(
        [("a", "b", "dopa_registry", "mof_welfare", 12.5, 0.9998, True, [("first_name", 1, "exact", 4.0), ("pid", -1, "null", 0.0)])],
        T.StructType(
            [
                *[T.StructField(c, T.StringType()) for c in ("record_id_l", "record_id_r", "source_l", "source_r")],
                T.StructField("match_weight", T.DoubleType()),
                T.StructField("match_probability", T.DoubleType()),
                T.StructField("same_pid", T.BooleanType(), False),
                T.StructField("comparisons", T.ArrayType(step, False), False),
            ]
        ),
    )
    assert_df_equality(with_waterfall(pairs, labels, "pid"), expected, ignore_nullable=True)
