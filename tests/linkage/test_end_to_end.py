"""End to end at S=0.001: generate -> ingest -> standardize -> link, measured against the generator's truth."""

from __future__ import annotations


def test_link_f1_against_truth(spark, config, pipeline):
    pipeline("link")
    from jobs.evaluate_linkage import quality

    rows, _ = quality(spark, config, "silver")
    metrics = {(r.scope, r.scope_value, r.metric): r.value for r in rows.collect()}
    assert metrics[("overall", "all", "f1")] >= 0.98, metrics
    assert metrics[("blocking", "all", "blocking_recall")] >= 0.98, metrics
