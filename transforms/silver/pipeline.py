"""From bronze to silver per source: adapter, canonical steps (names with their phonetic keys), areas, payload finishing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from transforms.contracts import PayloadColumn, SourceContract
from transforms.distinct import Step, per_distinct, per_row, steps
from transforms.silver import sources
from transforms.silver.areas import with_area_codes
from transforms.silver.canonical import Transform, with_person_columns, with_record_id, with_standard_pid
from transforms.silver.schema import AREA_COMMENTS, CANONICAL_COLUMNS, CANONICAL_COMMENTS
from transforms.silver.settings import StandardizeSettings
from udfs.dates import parse_thai_date

# Event dates (registration, card issue and expiry, interviews) are plausible in a wider window than births.
EVENT_YEARS = (1950, 2100)


def with_event_date(raw: str, name: str, era: str) -> Step:
    """`name` (date, CE) from the `raw` string column; reasons prefixed with the column name."""
    event = f"_{name}_parsed"

    def parsed(dates: DataFrame) -> DataFrame:
        return dates.withColumn(event, parse_thai_date(F.col(raw), era, *EVENT_YEARS))

    def finish(df: DataFrame) -> DataFrame:
        reasons = F.transform(f"{event}.issues", lambda code: F.concat(F.lit(f"{name}_"), F.regexp_replace(code, "^date_", "")))
        return df.withColumn(name, F.col(f"{event}.date")).withColumn("_issues", F.concat("_issues", reasons)).drop(event, raw)

    return Step(derivations=(per_distinct([raw], parsed, [event]),), finish=finish)


def with_birth_year_from_age() -> Step:
    """A survey member given by age only: birth year = interview year - age, precision `age` (the birth date
    stays null; the true year is this or the one before). Used by linkage's birth-year blocking rules."""

    def parsed(dates: DataFrame) -> DataFrame:  # its issues are the household's (silver.<survey>), not repeated here
        return dates.withColumn("_interview", parse_thai_date(F.col("_interview_date_raw"), "BE", *EVENT_YEARS).date)

    def finish(dated: DataFrame) -> DataFrame:
        estimate = F.when(F.col("birth_date").isNull() & F.col("age").between(0, 130), F.year("_interview") - F.col("age"))
        return dated.withColumns(
            {
                "birth_year": F.coalesce(F.col("birth_year"), estimate),
                "birth_date_precision": F.coalesce(F.col("birth_date_precision"), F.when(estimate.isNotNull(), F.lit("age"))),
            }
        ).drop("_interview", "_interview_date_raw")

    return Step(derivations=(per_distinct(["_interview_date_raw"], parsed, ["_interview"]),), finish=finish)


@dataclass(frozen=True)
class PersonSource:
    """One person-bearing silver table: its bronze table, adapter, birth-date era and typed payload."""

    bronze: str
    silver: str
    era: str
    adapter: Callable[[DataFrame], DataFrame]
    payload: dict[str, str]
    finish: tuple[Step, ...] = field(default=())
    nested: bool = False  # the adapter parses JSON on every row (see standardize_persons' `keep`)

    @property
    def comments(self) -> dict[str, str]:
        return {**CANONICAL_COMMENTS, **self.payload}


SURVEY_MEMBER_PAYLOAD = {
    "hh_id": "Survey household id (silver.<survey>)",
    "survey_round": "Survey round (BE year) of the interview that listed the member",
    "member_no": "Member number within the household",
    "age": "Age in years as surveyed",
    "relation": "Relation to the head: head, spouse, child, parent, grandchild, relative, other",
    "birth_weight_g": "Birth weight in grams (age 0)",
    "exercise_days_per_week": "Days of exercise per week (age 6+)",
    "exercise_minutes_per_day": "Minutes of exercise per day (age 6+)",
    "preschool_care": "Receives pre-school care (age 3-5)",
    "schooling": "in_school / not_in_school (age 6-14)",
    "finished_m3_last_year": "Finished lower secondary (M3) last year",
    "continued_m4": "Continued to upper secondary (M4)",
    "literate_numerate": "Can read, write and do simple arithmetic (age 15-59)",
    "occupation": "Occupation word or none (age 15+)",
    "income_main": "Main income, baht per year",
    "income_secondary": "Secondary income, baht per year",
    "full_time_student": "Full-time student (age 15-59)",
    "disabled": "Has a disability",
    "disability_self_care": "Disabled and can look after themselves",
    "chronic_illness": "Has a chronic illness",
    "elderly_care": "Aged 60+ and cared for",
    "disability_care": "Disabled and cared for",
}


def _payload_comments(column: PayloadColumn) -> dict[str, str]:
    if column.kind == "citizen_id":
        return {column.name: column.description, f"{column.name}_valid": f"True when {column.name}'s checksum and person type are correct"}
    return {column.name: column.description}


def _payload_finish(column: PayloadColumn, calendar: str) -> tuple[Step, ...]:
    if column.kind == "event_date":
        return (with_event_date(f"{column.name}_raw", column.name, calendar),)
    if column.kind == "citizen_id":
        raw, prefix = f"{column.name}_raw", column.name.removesuffix("pid")
        return (per_row(lambda df: df.transform(with_standard_pid(raw, prefix=prefix)).drop(raw)),)
    return ()


def person_source(contract: SourceContract) -> PersonSource:
    """The person-bearing silver table a contract's silver section describes."""
    mapping = contract.silver
    if mapping.shape == "household_survey":
        payload = {**SURVEY_MEMBER_PAYLOAD, "hh_id": f"Survey household id (silver.{contract.source})"}
        return PersonSource(
            contract.source,
            contract.person_table,
            mapping.calendar,
            sources.survey_members,
            payload,
            (with_birth_year_from_age(),),
            nested=True,
        )
    comments = {name: text for c in mapping.payload for name, text in _payload_comments(c).items()}
    finish = tuple(step for c in mapping.payload for step in _payload_finish(c, mapping.calendar))
    return PersonSource(contract.source, contract.source, mapping.calendar, sources.persons_adapter(contract), comments, finish)


def person_sources(contracts: Mapping[str, SourceContract]) -> dict[str, PersonSource]:
    """Every person-bearing silver table of the registry, by silver table name."""
    return {s.silver: s for s in (person_source(c) for c in contracts.values() if c.silver is not None)}


def adapt_persons(source: PersonSource) -> Transform:
    """bronze.<source> rows -> the adapter's rows with record_id (and the delivered content's hash)."""
    return lambda bronze: bronze.transform(source.adapter).transform(with_record_id(source.silver))


def standardize_adapted_persons(source: PersonSource, settings: StandardizeSettings, known_codes: Mapping[str, DataFrame]) -> Transform:
    """The adapter's rows of a person source -> silver.<source> rows (canonical columns, payload, metadata)."""
    standardised = steps(with_person_columns(source.silver, source.era, settings), with_area_codes(known_codes), *source.finish)
    return lambda adapted: adapted.transform(standardised).select(*CANONICAL_COLUMNS, *source.payload)


def standardize_persons(
    source: PersonSource, settings: StandardizeSettings, known_codes: Mapping[str, DataFrame], keep: Transform | None = None
) -> Transform:
    """bronze.<source> rows -> silver.<source> rows (canonical columns, payload, metadata).

    Every per-distinct pass reads the adapter's rows again. Most adapters only rename columns, so a pass
    reads just the bronze columns it needs; one that parses JSON on every row (`nested`, the survey's
    members) would parse it once per pass, so `keep` (the job's cache) is applied to its rows.
    """
    standardised = standardize_adapted_persons(source, settings, known_codes)

    def apply(bronze: DataFrame) -> DataFrame:
        adapted = bronze.transform(source.adapter)
        if source.nested and keep is not None:
            adapted = keep(adapted)
        return adapted.transform(standardised)

    return apply


HOUSEHOLD_COMMENTS = {
    "record_id": "<survey>:<hh_id>",
    "source": "The survey's source name",
    "record_key": "hh_id",
    "hh_id": "Survey household id: 8-digit village code, -, 5-digit sequence",
    "survey_round": "BMN survey round (BE year, e.g. 2561)",
    **AREA_COMMENTS,
    "interview_date": "Interview date (CE)",
    **{name: f"{name.replace('_', ' ')} answers (y -> true, n -> false)" for name in sources.HOUSEHOLD_STRUCTS},
    "drinking_water_litres_min": "Drinking water, litres per person per day at the leanest time of year",
    "use_water_litres_min": "Water for use, litres per person per day at the leanest time of year",
    "income_other": "Other household incomes, baht per year",
    "own_food_value": "Value of own-produced food, baht per year",
    "member_count": "Members listed in the survey record",
    "_issues": CANONICAL_COMMENTS["_issues"],
    "_batch_id": CANONICAL_COMMENTS["_batch_id"],
    "_delivery": CANONICAL_COMMENTS["_delivery"],
    "_content_hash": CANONICAL_COMMENTS["_content_hash"],
}


def household_comments(survey: str) -> dict[str, str]:
    return {**HOUSEHOLD_COMMENTS, "record_id": f"{survey}:<hh_id>", "source": survey}


def adapt_households(survey: str) -> Transform:
    """bronze.<survey> rows -> household rows with record_id, source and the delivered content's hash."""

    def apply(bronze: DataFrame) -> DataFrame:
        return (
            bronze.transform(sources.survey_households)
            .withColumn("source", F.lit(survey))
            .withColumn("record_id", F.concat(F.lit(f"{survey}:"), F.col("record_key")))
            .withColumn("_issues", F.array().cast("array<string>"))
        )

    return apply


def standardize_adapted_households(known_codes: Mapping[str, DataFrame]) -> Transform:
    """adapt_households' rows -> silver.<survey> rows (household grain)."""
    standardised = steps(with_area_codes(known_codes), with_event_date("interview_date_raw", "interview_date", "BE"))
    return lambda adapted: adapted.transform(standardised).select(*HOUSEHOLD_COMMENTS)
