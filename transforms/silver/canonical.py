"""Canonical steps shared by every person-bearing source: IDs, names, dates, sex, phone, record id.

Each step reads the `*_raw` columns a source adapter provides and appends reason codes to `_issues`.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from transforms.distinct import Step, Transform, per_distinct, per_row, steps
from transforms.silver.settings import StandardizeSettings
from udfs import dates, phones, pid, thai_names

# Titles that say the sex (ranks do not).
_MALE_TITLES = ("นาย", "เด็กชาย")
_FEMALE_TITLES = ("นาง", "นางสาว", "เด็กหญิง")


def with_issues(*reasons: Column) -> Transform:
    """Append the non-null reasons to `_issues` (created empty if missing)."""

    def apply(df: DataFrame) -> DataFrame:
        current = F.col("_issues") if "_issues" in df.columns else F.array().cast("array<string>")
        return df.withColumn("_issues", F.concat(current, F.array_compact(F.array(*reasons))))

    return apply


def with_record_id(source: str) -> Transform:
    def apply(df: DataFrame) -> DataFrame:
        return df.withColumn("source", F.lit(source)).withColumn("record_id", F.concat(F.lit(f"{source}:"), F.col("record_key")))

    return apply


def with_standard_pid(raw: str = "pid_raw", prefix: str = "") -> Transform:
    """`<prefix>pid` (13 digits or null) and `<prefix>pid_valid`; reasons prefixed the same way."""

    def apply(df: DataFrame) -> DataFrame:
        # Validity reads the `pid` column, not its expression: the expression (four regular expressions) repeated
        # in the checksum's fourteen terms ran 3 times slower on every row.
        out = df.withColumn(f"{prefix}pid", pid.pid_digits(F.col(raw))).withColumn(
            f"{prefix}pid_valid", pid.pid_is_valid(F.col(f"{prefix}pid"))
        )
        bad = F.when(F.col(f"{prefix}pid_valid") == False, F.lit(f"{prefix}pid_invalid_checksum"))  # noqa: E712
        read_issue = F.concat(F.lit(prefix), pid.pid_issue(F.col(raw), F.col(f"{prefix}pid")))
        return out.transform(with_issues(read_issue, bad))

    return apply


def with_standard_names(settings: StandardizeSettings) -> Step:
    """Normalised title, first and last name and their phonetic keys; a title glued to the first name is split off.

    Each distinct delivered first name, last name and title is normalised and keyed once (names repeat a lot).
    """
    titles, engine = settings.titles, settings.phonetic_engine

    def first_names(names: DataFrame) -> DataFrame:
        first = thai_names.normalize_thai_text(F.col("first_name_raw"))
        return (
            names.withColumn("_first", first)
            .withColumn("_glued", thai_names.glued_title(F.col("_first"), titles))
            .withColumn("first_name", thai_names.without_glued_title(F.col("_first"), titles))
            .withColumn("first_name_key", thai_names.phonetic_key(F.col("first_name"), engine))
        )

    def last_names(names: DataFrame) -> DataFrame:
        last = names.withColumn("last_name", thai_names.normalize_thai_text(F.col("last_name_raw")))
        return last.withColumn("last_name_key", thai_names.phonetic_key(F.col("last_name"), engine))

    def given_titles(given: DataFrame) -> DataFrame:
        return given.withColumn("_given_title", thai_names.normalize_thai_text(F.col("title_raw")))

    def finish(df: DataFrame) -> DataFrame:
        return (
            df.withColumn("title", thai_names.canonical_title(F.coalesce(F.col("_given_title"), F.col("_glued")), titles))
            .transform(with_issues(F.when(F.col("_glued").isNotNull(), F.lit("name_title_glued"))))
            .drop("_given_title", "_glued")
        )

    derivations = (
        per_distinct(["first_name_raw"], first_names, ["_glued", "first_name", "first_name_key"]),
        per_distinct(["last_name_raw"], last_names, ["last_name", "last_name_key"]),
        per_distinct(["title_raw"], given_titles, ["_given_title"]),
    )
    return Step(derivations=derivations, finish=finish)


def with_standard_birth_date(era: str, settings: StandardizeSettings) -> Step:
    """birth_date (CE), birth_date_precision, birth_year from `birth_date_raw` written in `era`."""
    years = settings.birth_years

    def parsed(raw: DataFrame) -> DataFrame:
        return raw.withColumn("_birth", dates.parse_thai_date(F.col("birth_date_raw"), era, years.min_ce, years.max_ce, past=True))

    def finish(df: DataFrame) -> DataFrame:
        out = (
            df.withColumn("birth_date", F.col("_birth.date"))
            .withColumn("birth_date_precision", F.col("_birth.precision"))
            .withColumn("birth_year", F.year("birth_date"))
        )
        with_reasons = out.withColumn(
            "_issues", F.concat(F.col("_issues"), F.transform("_birth.issues", lambda i: F.concat(F.lit("birth_"), i)))
        )
        return with_reasons.drop("_birth")

    return Step(derivations=(per_distinct(["birth_date_raw"], parsed, ["_birth"]),), finish=finish)


def with_standard_sex() -> Transform:
    """M / F from the source's code (1/2, M/F, ชาย/หญิง), else from a title that says it."""

    def apply(df: DataFrame) -> DataFrame:
        code = F.lower(F.trim(F.col("sex_raw").cast("string")))
        given = F.when(code.isin("1", "m", "male", "ชาย"), "M").when(code.isin("2", "f", "female", "หญิง"), "F")
        from_title = F.when(F.col("title").isin(*_MALE_TITLES), "M").when(F.col("title").isin(*_FEMALE_TITLES), "F")
        unknown = F.when(code.isNotNull() & (code != "") & given.isNull(), F.lit("sex_unknown_code"))
        return df.withColumn("sex", F.coalesce(given, from_title)).transform(with_issues(unknown))

    return apply


def with_standard_phone() -> Transform:
    def apply(df: DataFrame) -> DataFrame:
        # The national number is read once into a column; type, E.164 form and issue derive from it.
        national = F.col("_phone_national")
        return (
            df.withColumn("_phone_national", phones.national_number(F.col("phone_raw")))
            .withColumn("phone_type", phones.kind_of_national(national))
            .withColumn("phone", phones.e164_of_national(national, F.col("phone_type")))
            .transform(with_issues(phones.phone_issue(F.col("phone_raw"), F.col("phone_type"))))
            .drop("_phone_national")
        )

    return apply


def with_person_columns(source: str, era: str, settings: StandardizeSettings) -> Step:
    """Every canonical step except areas (which need the reference tables)."""
    return steps(
        per_row(with_record_id(source)),
        per_row(with_standard_pid()),
        with_standard_names(settings),
        with_standard_birth_date(era, settings),
        per_row(with_standard_sex()),
        per_row(with_standard_phone()),
    )


def yes_no(value: Column) -> Column:
    """`y` -> true, `n` -> false, anything else -> null."""
    answer = F.lower(F.trim(value.cast("string")))
    return F.when(answer == "y", True).when(answer == "n", False)


def to_number(value: Column, kind: str) -> Column:
    """A delivered number (thousands separators and spaces removed) cast to `kind`; unreadable -> null."""
    text = F.regexp_replace(value.cast("string"), r"[,\s]", "")
    return F.when(text.rlike(r"^-?[0-9]+(\.[0-9]+)?$"), text.cast("double").cast(kind))


def with_content_hash(columns: list[str]) -> Transform:
    """`_content_hash`: SHA-256 of the delivered content, to tell an exact redelivery from a changed record."""

    def apply(df: DataFrame) -> DataFrame:
        return df.withColumn("_content_hash", F.sha2(F.to_json(F.struct(*columns)), 256))

    return apply
