"""The generated landing zone (run-all's default scale 0.001) ingests exactly as the generator's truth says.

Skips until the generate stage exists. Truth layout: conf/CONTRACTS.md (<truth>/files, <truth>/broken_rows).
"""

from __future__ import annotations

import pytest
from pyspark.sql import functions as F

from jobs import ingest
from jobs.ingest_ledger import FILES_TABLE
from transforms.contracts import load_contracts

pytestmark = pytest.mark.slow  # the generated world's ingest (~90 s at S = 0.001, shared with the other end-to-end tests)


def test_generated_world_matches_truth_of_broken_rows(spark, config, pipeline):
    pipeline("ingest")
    sources = list(load_contracts())
    truth = config.paths.resolved("truth")
    truth_files = spark.read.parquet(f"{truth}/files").where(F.col("source").isin(sources)).collect()
    truth_broken = spark.read.parquet(f"{truth}/broken_rows").where(F.col("source").isin(sources))
    recorded = {(r.source, r.delivery, r.file): r for r in spark.table(FILES_TABLE).where(F.col("source").isin(sources)).collect()}
    assert truth_files, "the generator wrote no files"
    originals = set()
    for expected in truth_files:
        key = (expected.source, expected.delivery, expected.file)
        assert key in recorded, f"{key} was not ingested"
        got = recorded[key]
        if expected.duplicate_of is not None:
            assert got.status == "skipped_duplicate", key
            continue
        originals.add(key)
        assert got.status == "loaded", key
        assert (got.rows_read, got.rows_quarantined) == (expected.data_rows, expected.broken_rows), key
        assert got.rows_read == got.rows_loaded + got.rows_quarantined, key

    expected_lines = sorted(
        (r.source, r.delivery, r.file, r.line_number, r.kind) for r in truth_broken.collect() if (r.source, r.delivery, r.file) in originals
    )
    got_lines = sorted(
        (r.source, r.delivery, r.file, r.line_number, r.reason_code)
        for r in spark.table(ingest.QUARANTINE_TABLE).where(F.col("source").isin(sources)).collect()
    )
    assert got_lines == expected_lines
    for source in sources:
        loaded = sum(r.rows_loaded for k, r in recorded.items() if k[0] == source)
        assert spark.table(f"bronze.{source}").count() == loaded, source
