"""End to end at S=0.001: generate -> ingest -> standardize -> link, measured against the generator's truth.

The bars are the issue's targets at S = 0.01 (F1 >= 0.995, recall >= 0.99 for every source); this world
measured F1 0.99988, per-source recall >= 0.9996 and blocking recall 0.9974 when the bars were set.
Per error kind the target is recall >= 0.99 (issue 17). It holds at S = 0.01 (default rates and 3x) for every
kind; in this small world `changed` (a household member's first name on the record) measured 0.9822 of 225
records on 2026-12-08 (4 missed, 0.99 allows 2), so its bar is that less about one record (0.975; it was 0.92),
and `married_surname` (bar 0.98 until then) meets 0.99.
"""

from __future__ import annotations

import pytest

from transforms.linkage.settings import load_linkage_settings

# Slow: it builds the shared world up to link (~4 minutes); `make test-slow` runs it with gold's end-to-end
# test on the same world.
pytestmark = pytest.mark.slow


def test_link_f1_and_per_source_recall_against_truth(spark, config, pipeline):
    pipeline("link")
    from jobs.evaluate_linkage import quality

    rows, _ = quality(spark, config, load_linkage_settings(), "silver", "silver")
    metrics = {(r.scope, r.scope_value, r.metric): r.value for r in rows.collect()}
    assert metrics[("overall", "all", "f1")] >= 0.995, metrics
    recalls = {source: metrics[("source", source, "recall")] for source in load_linkage_settings().sources}
    assert min(recalls.values()) >= 0.99, recalls
    assert metrics[("blocking", "all", "blocking_recall")] >= 0.98, metrics
    assert metrics[("blocking", "all", "pairs_per_record")] < 0.5, metrics  # near-linear: ~0.07-0.08 at S = 0.001 and 0.01
    kinds = {kind: value for (scope, kind, metric), value in metrics.items() if scope == "error_kind" and metric == "recall"}
    assert len(kinds) >= 20, kinds
    below_target = {"changed": 0.975}
    missed = {kind: recall for kind, recall in kinds.items() if recall < below_target.get(kind, 0.99)}
    assert not missed, missed
