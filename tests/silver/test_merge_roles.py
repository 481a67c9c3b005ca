"""Merge roles of new bronze rows: an exact copy is a duplicate, an older version is superseded; one shuffle.
And the per-batch counts ops.data_quality records from them."""

from __future__ import annotations

from chispa import assert_df_equality

from transforms.silver.merge import (
    latest_per_record,
    latest_redeliveries,
    quality_counts,
    split_redelivered,
    with_held_flag,
    with_merge_roles,
)

NEW = "record_id string, _delivery string, _batch_id string, _content_hash string"
ROLES = NEW + ", _duplicate boolean, _superseded boolean"
ROWS = [
    ("r1", "2018-06-30", "b1", "h1"),
    ("r1", "2018-07-31", "b2", "h2"),  # a later delivery changes r1
    ("r1", "2018-06-30", "b1", "h1"),  # the same row twice in one file
    ("r2", "2018-06-30", "b1", "h3"),  # two contents in one delivery: the smaller hash wins, deterministically
    ("r2", "2018-06-30", "b1", "h0"),
    ("r3", "2018-06-30", "b1", "h5"),
    ("r3", "2018-07-31", "b2", "h5"),  # redelivered unchanged
]


def test_first_load_flags_copies_and_older_versions(spark):
    out = with_merge_roles(spark.createDataFrame(ROWS, NEW), None)
    expected = spark.createDataFrame(
        [
            ("r1", "2018-06-30", "b1", "h1", False, True),
            ("r1", "2018-07-31", "b2", "h2", False, False),
            ("r1", "2018-06-30", "b1", "h1", True, False),
            ("r2", "2018-06-30", "b1", "h3", False, True),
            ("r2", "2018-06-30", "b1", "h0", False, False),
            ("r3", "2018-06-30", "b1", "h5", True, False),
            ("r3", "2018-07-31", "b2", "h5", False, False),
        ],
        ROLES,
    )
    assert_df_equality(out, expected, ignore_row_order=True, ignore_nullable=True)


def test_against_the_current_table(spark):
    current = spark.createDataFrame([("r1", "2018-08-31", "b0", "h9"), ("r3", "2018-06-30", "b1", "h5")], NEW)
    out = with_merge_roles(spark.createDataFrame(ROWS, NEW).filter("record_id != 'r2'"), current)
    expected = spark.createDataFrame(
        [
            ("r1", "2018-06-30", "b1", "h1", False, True),
            ("r1", "2018-07-31", "b2", "h2", False, True),  # the table holds a later delivery of r1
            ("r1", "2018-06-30", "b1", "h1", True, False),
            ("r3", "2018-06-30", "b1", "h5", True, False),  # already in the table
            ("r3", "2018-07-31", "b2", "h5", True, False),
        ],
        ROLES,
    )
    assert_df_equality(out, expected, ignore_row_order=True, ignore_nullable=True)


def test_rows_silver_holds_as_they_are_are_split_off(spark):
    current = spark.createDataFrame([("r1", "2018-06-30", "b0", "h1"), ("r3", "2018-06-30", "b0", "h5")], NEW)
    fresh, held = split_redelivered(with_held_flag(spark.createDataFrame(ROWS, NEW), current))
    expected_fresh = [("r1", "2018-07-31", "b2", "h2"), ("r2", "2018-06-30", "b1", "h3"), ("r2", "2018-06-30", "b1", "h0")]
    held_rows = [
        ("r1", "2018-06-30", "b1", "h1"),
        ("r1", "2018-06-30", "b1", "h1"),
        ("r3", "2018-06-30", "b1", "h5"),
        ("r3", "2018-07-31", "b2", "h5"),
    ]
    for actual, rows in ((fresh, expected_fresh), (held, held_rows)):
        assert_df_equality(actual, spark.createDataFrame(rows, NEW), ignore_row_order=True, ignore_column_order=True, ignore_nullable=True)
    first_fresh, first_held = split_redelivered(with_held_flag(spark.createDataFrame(ROWS, NEW), None))
    assert first_fresh.count() == len(ROWS) and first_held.isEmpty()


def test_a_record_redelivered_as_it_is_moves_to_its_latest_batch_unless_it_changes(spark):
    held = spark.createDataFrame(
        [
            ("r1", "2018-07-31", "b2", "h1"),
            ("r1", "2018-06-30", "b1", "h1"),
            ("r3", "2018-06-30", "b1", "h5"),
            ("r4", "2018-06-30", "b1", "h6"),
        ],
        NEW,
    )
    changes = spark.createDataFrame([("r4", "2018-07-31", "b2", "h7")], NEW)
    expected = spark.createDataFrame(
        [("r1", "b2", "2018-07-31", "h1"), ("r3", "b1", "2018-06-30", "h5")],
        "record_id string, _batch_id string, _delivery string, _content_hash string",
    )
    assert_df_equality(latest_redeliveries(latest_per_record(held), changes), expected, ignore_row_order=True, ignore_nullable=True)


def test_a_held_later_delivery_supersedes_a_changed_earlier_one(spark):
    current = spark.createDataFrame([("r1", "2018-05-31", "b0", "hA"), ("r5", "2018-05-31", "b0", "hA")], NEW)
    held = spark.createDataFrame([("r1", "2018-07-31", "b2", "hA"), ("r5", "2018-06-30", "b1", "hA")], NEW)
    fresh = spark.createDataFrame([("r1", "2018-06-30", "b1", "hB"), ("r5", "2018-07-31", "b2", "hB")], NEW)
    out = with_merge_roles(fresh, current, held)
    expected = spark.createDataFrame(
        [
            ("r1", "2018-06-30", "b1", "hB", False, True),  # r1 was redelivered unchanged after this change
            ("r5", "2018-07-31", "b2", "hB", False, False),  # r5 changed after its unchanged redelivery
        ],
        ROLES,
    )
    assert_df_equality(out, expected, ignore_row_order=True, ignore_nullable=True)


def test_the_rows_are_shuffled_once(spark):
    plan = with_merge_roles(spark.createDataFrame(ROWS, NEW), None)._jdf.queryExecution().executedPlan().toString()
    assert plan.count("Exchange") == 1


def test_quality_counts_per_batch_and_issue(spark):
    roles = spark.createDataFrame(
        [
            ("b1", ["pid_invalid", "pid_invalid"], False, False),  # an issue listed twice counts once
            ("b1", ["pid_invalid", "phone_invalid"], True, False),
            ("b1", [], False, True),
            ("b2", [], False, False),  # a clean batch keeps its row count, with no issue
        ],
        "_batch_id string, _issues array<string>, _duplicate boolean, _superseded boolean",
    )
    out = quality_counts(roles, "dopa_registry", "run-1").drop("measured_at")
    expected = spark.createDataFrame(
        [
            ("dopa_registry", "b1", 3, "pid_invalid", 2, "run-1"),
            ("dopa_registry", "b1", 3, "phone_invalid", 1, "run-1"),
            ("dopa_registry", "b1", 3, "duplicate_exact", 1, "run-1"),
            ("dopa_registry", "b1", 3, "superseded", 1, "run-1"),
            ("dopa_registry", "b2", 1, None, 0, "run-1"),
        ],
        "source string, batch_id string, rows long, issue string, issue_rows long, run_id string",
    )
    assert_df_equality(out, expected, ignore_row_order=True, ignore_nullable=True)


def test_held_rows_count_as_exact_duplicates_only(spark):
    roles = spark.createDataFrame(
        [("b2", ["pid_invalid"], False, False)], "_batch_id string, _issues array<string>, _duplicate boolean, _superseded boolean"
    )
    held = spark.createDataFrame(
        [("r1", "b2", "h1"), ("r3", "b2", "h5"), ("r4", "b3", "h6")], "record_id string, _batch_id string, _content_hash string"
    )
    out = quality_counts(roles, "dopa_registry", "run-2", held).drop("measured_at")
    expected = spark.createDataFrame(
        [
            ("dopa_registry", "b2", 3, "pid_invalid", 1, "run-2"),
            ("dopa_registry", "b2", 3, "duplicate_exact", 2, "run-2"),
            ("dopa_registry", "b3", 1, "duplicate_exact", 1, "run-2"),
        ],
        "source string, batch_id string, rows long, issue string, issue_rows long, run_id string",
    )
    assert_df_equality(out, expected, ignore_row_order=True, ignore_nullable=True)
