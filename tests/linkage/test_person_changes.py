"""A record that a link run gives another person than the run before is recorded with how (merge, split,
renumbered): transforms/linkage/changes.py on hand-made cross-references."""

from __future__ import annotations

from chispa import assert_df_equality

from transforms.linkage.changes import person_changes

XREF = "record_id string, person_id string"


def test_merges_splits_and_renumbering_are_told_apart(spark):
    before = spark.createDataFrame(
        [
            ("r1", "A"), ("r2", "A"),  # unchanged
            ("r3", "B"), ("r4", "C"),  # B and C merged into B
            ("r5", "D"), ("r6", "D"),  # D split: r6 to a new person E
            ("r7", "F"),  # F renumbered G
            ("r8", "H"),  # gone since
        ],
        XREF,
    )  # fmt: skip
    after = spark.createDataFrame(
        [("r1", "A"), ("r2", "A"), ("r3", "B"), ("r4", "B"), ("r5", "D"), ("r6", "E"), ("r7", "G"), ("r9", "A")],
        XREF,
    )
    expected = spark.createDataFrame(
        [("r4", "C", "B", "merge"), ("r6", "D", "E", "split"), ("r7", "F", "G", "renumbered")],
        "record_id string, previous_person_id string, person_id string, change string",
    )
    assert_df_equality(person_changes(before, after), expected, ignore_row_order=True, ignore_nullable=True)


def test_a_record_moved_between_two_persons_that_both_stay_is_a_merge_and_split(spark):
    before = spark.createDataFrame([("r1", "A"), ("r2", "A"), ("r3", "B")], XREF)
    after = spark.createDataFrame([("r1", "A"), ("r2", "B"), ("r3", "B")], XREF)
    expected = spark.createDataFrame(
        [("r2", "A", "B", "merge_and_split")], "record_id string, previous_person_id string, person_id string, change string"
    )
    assert_df_equality(person_changes(before, after), expected, ignore_nullable=True)
