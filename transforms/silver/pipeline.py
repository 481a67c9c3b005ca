"""From bronze to silver per source: adapter, canonical steps (names with their phonetic keys), areas, payload finishing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from transforms.distinct import Step, per_distinct, per_row, steps
from transforms.silver import sources
from transforms.silver.areas import with_area_codes
from transforms.silver.canonical import Transform, with_person_columns, with_standard_pid
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

    def parsed(dates: DataFrame) -> DataFrame:  # its issues are the household's (silver.cdd_bmn), not repeated here
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


PERSON_SOURCES: dict[str, PersonSource] = {
    s.silver: s
    for s in (
        PersonSource("dopa_registry", "dopa_registry", "BE", sources.dopa_registry, {"is_alive": "True if alive, false if dead (registry status)"}),
        PersonSource(
            "cdd_bmn", "cdd_bmn_member", "BE", sources.cdd_bmn_members,
            {
                "hh_id": "Survey household id (silver.cdd_bmn)",
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
            },
            (with_birth_year_from_age(),),
            nested=True,
        ),
        PersonSource(
            "mof_welfare", "mof_welfare", "BE", sources.mof_welfare,
            {
                "declared_income": "Declared income, baht per year",
                "welfare_status": "registered or verified (verified = card holder)",
                "registered_date": "Registration date (CE)",
            },
            (with_event_date("registered_date_raw", "registered_date", "BE"),),
        ),
        PersonSource(
            "dla_elderly", "dla_elderly", "BE", sources.dla_elderly,
            {
                "local_office_code": "Paying local government office code",
                "monthly_amount": "Allowance paid, baht per month",
                "paid_month": "Month paid, CE yyyy-mm",
            },
        ),
        PersonSource(
            "dep_disability", "dep_disability", "BE", sources.dep_disability,
            {
                "disability_type": "visual, hearing, physical, mental, intellectual, learning or autism",
                "card_issued_date": "Disability card issue date (CE)",
                "card_expiry_date": "Disability card expiry date (CE)",
                "allowance_monthly": "Disability allowance, baht per month",
            },
            (
                with_event_date("card_issued_date_raw", "card_issued_date", "BE"),
                with_event_date("card_expiry_date_raw", "card_expiry_date", "BE"),
            ),
        ),
        PersonSource(
            "dcy_child_grant", "dcy_child_grant", "CE", sources.dcy_child_grant,
            {
                "mother_pid": "Mother's citizen ID (13 digits or null); never links the child to the mother",
                "mother_pid_valid": "True when the mother's ID checksum and person type are correct",
                "mother_first_name": "Mother's first name as delivered",
                "mother_last_name": "Mother's last name as delivered",
                "amount_monthly": "Grant, baht per month",
            },
            (per_row(lambda df: df.transform(with_standard_pid("mother_pid_raw", prefix="mother_")).drop("mother_pid_raw")),),
        ),
    )
}  # fmt: skip


def standardize_persons(
    source: PersonSource, settings: StandardizeSettings, known_codes: Mapping[str, DataFrame], keep: Transform | None = None
) -> Transform:
    """bronze.<source> rows -> silver.<source> rows (canonical columns, payload, metadata).

    Every per-distinct pass reads the adapter's rows again. Most adapters only rename columns, so a pass
    reads just the bronze columns it needs; one that parses JSON on every row (`nested`, the survey's
    members) would parse it once per pass, so `keep` (the job's cache) is applied to its rows.
    """
    standardised = steps(with_person_columns(source.silver, source.era, settings), with_area_codes(known_codes), *source.finish)

    def apply(bronze: DataFrame) -> DataFrame:
        adapted = bronze.transform(source.adapter)
        if source.nested and keep is not None:
            adapted = keep(adapted)
        return adapted.transform(standardised).select(*CANONICAL_COLUMNS, *source.payload)

    return apply


HOUSEHOLD_COMMENTS = {
    "record_id": "cdd_bmn:<hh_id>",
    "source": "cdd_bmn",
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

# The bronze tables silver is built from, in the order standardize runs them (cdd_bmn: households and members).
BRONZE_SOURCES: tuple[str, ...] = tuple(dict.fromkeys(s.bronze for s in PERSON_SOURCES.values()))


def standardize_households(known_codes: Mapping[str, DataFrame]) -> Transform:
    """bronze.cdd_bmn rows -> silver.cdd_bmn (household grain)."""

    standardised = steps(with_area_codes(known_codes), with_event_date("interview_date_raw", "interview_date", "BE"))

    def apply(bronze: DataFrame) -> DataFrame:
        out = (
            bronze.transform(sources.cdd_bmn_households)
            .withColumn("source", F.lit("cdd_bmn"))
            .withColumn("record_id", F.concat(F.lit("cdd_bmn:"), F.col("record_key")))
            .withColumn("_issues", F.array().cast("array<string>"))
            .transform(standardised)
        )
        return out.select(*HOUSEHOLD_COMMENTS)

    return apply
