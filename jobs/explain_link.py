"""Job `explain-link <record_id>`: the record's person, the pairs that placed it there and their waterfall.

Reads silver.person_xref and silver.link_pairs (the comparison levels and weights persisted by `link`),
so nothing is retrained.
"""

from __future__ import annotations

from pydantic import Field
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from jobs.config import AppConfig
from jobs.options import JobOptions, positional
from jobs.publication import load_publication, read_published
from jobs.runs import JobRun

DESCRIPTION = "Explain a linkage decision: a record's person, its pairs and each comparison's level and weight"
# A record key may be a citizen ID: the run record keeps only the source part (jobs/__main__.py).
PERSONAL_ARGUMENTS = ("record_id",)


class Options(JobOptions):
    record_id: str = positional("A silver record id, <source>:<record key>")
    silver_db: str = Field(default="silver", description="Database holding the linkage tables")


def validate(args: Options) -> Options:
    if ":" not in args.record_id:
        raise ValueError(f"record_id {args.record_id!r} must look like <source>:<record key>")
    return args


def explanation(spark: SparkSession, record_id: str, database: str = "silver") -> list[str]:
    """The lines explain-link prints (a list, so tests can check them)."""
    publication = load_publication(spark)
    xref = read_published(spark, f"{database}.person_xref", publication)
    mine = xref.filter(F.col("record_id") == record_id).first()
    if mine is None:
        raise ValueError(f"{record_id.split(':')[0]}:<key>: not in {database}.person_xref (run `link` first?)")
    lines = [
        f"record {record_id} -> person {mine.person_id} by {mine.match_method} "
        f"(probability {mine.match_probability}, weight {mine.match_weight}, run {mine.run_id})"
    ]
    person = read_published(spark, f"{database}.person", publication).filter(F.col("person_id") == mine.person_id).first()
    if person is not None:
        lines.append(
            f"golden: {person.first_name} {person.last_name}, born {person.birth_date}, sex {person.sex}, "
            f"village {person.village_code}; {person.record_count} records from {', '.join(person.sources)}"
        )
    members = [r.record_id for r in xref.filter(F.col("person_id") == mine.person_id).select("record_id").collect()]
    lines.append(f"records of the person: {', '.join(sorted(members))}")
    pairs = (
        read_published(spark, f"{database}.link_pairs", publication)
        .filter((F.col("record_id_l") == record_id) | (F.col("record_id_r") == record_id))
        .orderBy(F.desc("match_weight"))
        .collect()
    )
    if not pairs:
        lines.append("no scored pairs (linked by a corroborated ID, or no candidate pair)")
    for pair in pairs:
        other = pair.record_id_r if pair.record_id_l == record_id else pair.record_id_l
        verdict = "accepted" if pair.accepted else "rejected"
        lines.append(f"pair with {other}: weight {pair.match_weight:.2f}, probability {pair.match_probability:.4f} ({verdict})")
        for step in pair.comparisons:
            weight = "n/a" if step.match_weight is None else f"{step.match_weight:+.2f}"
            lines.append(f"    {step.comparison:12} level {step.level:>2} {step.label:36} {weight}")
    return lines


def run(spark: SparkSession, config: AppConfig, args: Options, job_run: JobRun) -> None:
    for line in explanation(spark, args.record_id, args.silver_db):
        print(line)
