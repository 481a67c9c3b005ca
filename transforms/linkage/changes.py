"""Which records a link run gave another person than the run before it did, and how: person ids are meant to
stay from run to run and round to round (an id comes from the person's anchor record), so every change is
recorded (silver.person_changes), not silent."""

from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

MERGE, SPLIT, MERGE_AND_SPLIT, RENUMBERED = "merge", "split", "merge_and_split", "renumbered"

CHANGE_COMMENTS = {
    "record_id": "Record whose person changed (source:record_key)",
    "previous_person_id": "Its person in the link run before",
    "person_id": "Its person in this link run",
    "change": "merge: its new person holds records of two or more earlier persons; split: its earlier person's "
    "records went to two or more persons; merge_and_split: both; renumbered: the same records under another id",
    "run_id": "The link run that made the change (ops.job_runs.run_id)",
}


def person_changes(before: DataFrame, after: DataFrame) -> DataFrame:
    """(record_id, previous_person_id, person_id, change) of the records in both xrefs (record_id,
    person_id) whose person id differs. Records new or gone since are no change of person."""
    both = before.select("record_id", F.col("person_id").alias("previous_person_id")).join(
        after.select("record_id", "person_id"), "record_id"
    )
    new_ids_of_old = F.size(F.collect_set("person_id").over(Window.partitionBy("previous_person_id")))
    old_ids_of_new = F.size(F.collect_set("previous_person_id").over(Window.partitionBy("person_id")))
    merged, split = F.col("_old_ids") > 1, F.col("_new_ids") > 1
    change = (
        F.when(merged & split, F.lit(MERGE_AND_SPLIT)).when(merged, F.lit(MERGE)).when(split, F.lit(SPLIT)).otherwise(F.lit(RENUMBERED))
    )
    return (
        both.withColumns({"_new_ids": new_ids_of_old, "_old_ids": old_ids_of_new})
        .where(F.col("previous_person_id") != F.col("person_id"))
        .select("record_id", "previous_person_id", "person_id", change.alias("change"))
    )
