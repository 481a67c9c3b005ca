"""Adapters: bronze.<source> -> the canonical input columns (`*_raw`) plus the typed payload.

A `persons` source is adapted as its contract's silver section maps it (conf/sources/<source>.yaml); the
household survey's nested layout has its own two adapters. An adapter renames and types; the shared steps
in transforms.silver.canonical do the standardising.
Every adapter keeps the bronze metadata and adds `_content_hash` over the delivered columns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from transforms.contracts import PayloadColumn, SourceContract
from transforms.silver.canonical import to_number, with_content_hash, yes_no

METADATA = ["_batch_id", "_delivery", "_ingested_at", "_line_number"]
RAW_FIELDS = (
    "record_key", "pid_raw", "title_raw", "first_name_raw", "last_name_raw", "sex_raw", "birth_date_raw",
    "phone_raw", "house_code_raw", "village_code_raw", "subdistrict_code_raw", "district_code_raw", "province_code_raw",
)  # fmt: skip


def _s(column: str) -> Column:
    return F.col(column).cast("string")


def _none() -> Column:
    return F.lit(None).cast("string")


def _delivered(df: DataFrame) -> list[str]:
    return [c for c in df.columns if not c.startswith("_")]


def _canonical(df: DataFrame, raw: dict[str, Column], payload: dict[str, Column]) -> DataFrame:
    hashed = df.transform(with_content_hash(_delivered(df)))
    columns = [raw.get(name, _none()).alias(name) for name in RAW_FIELDS]
    return hashed.select(*columns, *[c.alias(n) for n, c in payload.items()], *METADATA, "_content_hash")


def _areas(df: DataFrame, house: Column | None = None) -> dict[str, Column]:
    """Raw area codes; a level the source does not deliver (the elderly allowance has no village) is null."""
    levels = ("village_code", "subdistrict_code", "district_code", "province_code")
    codes = {f"{c}_raw": _s(c) if c in df.columns else _none() for c in levels}
    return {**codes, "house_code_raw": house if house is not None else _none()}


def _birth_date(column: str, typed: bool) -> Column:
    """As delivered; a date the contract types (Parquet) as ISO text, which the date parser reads."""
    return F.date_format(F.col(column).cast("date"), "yyyy-MM-dd") if typed else _s(column)


def _be_month(column: Column) -> Column:
    """BE yyyy-mm -> CE yyyy-mm (null unless a month 1-12)."""
    year = F.regexp_extract(column, r"^([0-9]{4})-([0-9]{1,2})$", 1).cast("int")
    month = F.regexp_extract(column, r"^([0-9]{4})-([0-9]{1,2})$", 2).cast("int")
    return F.when(month.between(1, 12), F.format_string("%04d-%02d", year - 543, month))


def _choice(column: Column, values: Mapping[str, object]) -> Column:
    """The trimmed, lower-cased value looked up in `values`; null when it is not there."""
    value = F.lower(F.trim(column))
    (delivered, mapped), *others = values.items()
    out = F.when(value == delivered, F.lit(mapped))
    for delivered, mapped in others:
        out = out.when(value == delivered, F.lit(mapped))
    return out


def payload_column(column: PayloadColumn) -> tuple[str, Column]:
    """(adapter output name, value) of one payload column; dates and IDs leave a `_raw` string for the
    pipeline's finishing steps."""
    raw = _s(column.source)
    if column.kind in ("event_date", "citizen_id"):
        return f"{column.name}_raw", raw
    if column.kind in ("int", "long", "double"):
        return column.name, to_number(F.col(column.source), column.kind)
    if column.kind == "lower_text":
        return column.name, F.lower(F.trim(raw))
    if column.kind == "be_month":
        return column.name, _be_month(raw)
    if column.kind == "choice":
        return column.name, _choice(raw, column.values)
    return column.name, raw


def record_key(contract: SourceContract) -> Column:
    """A delivered record's key in silver (and so in its record_id): its key column, or the key columns joined by |."""
    key = contract.record_key
    return _s(key[0]) if len(key) == 1 else F.concat_ws("|", *[_s(k) for k in key])


def persons_adapter(contract: SourceContract) -> Callable[[DataFrame], DataFrame]:
    """bronze.<source> -> canonical `*_raw` columns and payload, as the contract's silver section maps them."""
    mapping = contract.silver
    fields = mapping.person.model_dump()
    dated = {c.name for c in contract.columns if c.type in ("date", "timestamp")}

    def adapt(df: DataFrame) -> DataFrame:
        raw = {f"{field}_raw": _s(column) for field, column in fields.items() if column and field not in ("birth_date", "house_code")}
        if fields["birth_date"]:
            raw["birth_date_raw"] = _birth_date(fields["birth_date"], fields["birth_date"] in dated)
        house = _s(fields["house_code"]) if fields["house_code"] else None
        payload = dict(payload_column(c) for c in mapping.payload)
        return _canonical(df, {"record_key": record_key(contract), **raw, **_areas(df, house)}, payload)

    return adapt


# --- BMN survey: households and their members ---

HOUSEHOLD_STRUCTS = {
    "food_hygiene": ("labelled_packaged_food", "cooked_meat", "washed_vegetables", "hand_washing_serving_spoon"),
    "medicine_use": ("reads_label", "stores_properly", "no_self_prescribed_antibiotics", "household_remedies_correct"),
    "housing": ("secure_tenure", "durable_house"),
    "home_hygiene": (
        "tidy", "clean", "ventilated", "no_stagnant_water", "garbage_managed", "no_disease_vectors",
        "toilet_hygienic", "safe_from_hazards",
    ),
}  # fmt: skip
INCOME_OTHER = ("remittances", "rent", "pensions", "allowances")
MEMBER_FIELDS = (
    "member_no", "pid", "title", "first_name", "last_name", "sex", "birth_date", "age", "relation",
    "birth_weight_g", "exercise_days_per_week", "exercise_minutes_per_day", "preschool_care", "schooling",
    "finished_m3_last_year", "continued_m4", "literate_numerate", "occupation", "income_main",
    "income_secondary", "full_time_student", "disabled", "disability_self_care", "chronic_illness",
    "elderly_care", "disability_care",
)  # fmt: skip
MEMBER_BOOLEANS = (
    "preschool_care", "finished_m3_last_year", "continued_m4", "literate_numerate", "full_time_student",
    "disabled", "disability_self_care", "chronic_illness", "elderly_care", "disability_care",
)  # fmt: skip
MEMBER_INTS = ("member_no", "age", "birth_weight_g", "exercise_days_per_week", "exercise_minutes_per_day")
MEMBER_LONGS = ("income_main", "income_secondary")


def _string_struct(fields: tuple[str, ...]) -> str:
    # Every field read as a string (Spark keeps a JSON number's text); typed afterwards, so no value is lost.
    return "struct<" + ",".join(f"`{f}`:string" for f in fields) + ">"


def _json_field(column: str) -> Column:
    """A nested value as JSON text (bronze keeps it so); tolerate a struct too."""
    return F.col(column).cast("string")


def survey_households(df: DataFrame) -> DataFrame:
    """Household grain: typed answers; `_issues` gets `interview_date_*` reasons from the caller."""
    hashed = df.transform(with_content_hash(_delivered(df)))
    structs = {}
    for name, fields in HOUSEHOLD_STRUCTS.items():
        parsed = F.from_json(_json_field(name), _string_struct(fields))
        structs[name] = F.struct(*[yes_no(parsed[f]).alias(f) for f in fields])
    income = F.from_json(_json_field("income_other"), _string_struct(INCOME_OTHER))
    return hashed.select(
        _s("hh_id").alias("record_key"),
        _s("hh_id").alias("hh_id"),
        _s("survey_round").alias("survey_round"),
        *[c.alias(n) for n, c in _areas(df, _s("house_code")).items()],
        _s("interview_date").alias("interview_date_raw"),
        *[c.alias(n) for n, c in structs.items()],
        to_number(F.col("drinking_water_litres_min"), "double").alias("drinking_water_litres_min"),
        to_number(F.col("use_water_litres_min"), "double").alias("use_water_litres_min"),
        F.struct(*[to_number(income[f], "long").alias(f) for f in INCOME_OTHER]).alias("income_other"),
        to_number(F.col("own_food_value"), "long").alias("own_food_value"),
        F.json_array_length(_json_field("members")).alias("member_count"),  # counted, not parsed: members are most of the bytes
        *METADATA,
        "_content_hash",
    )


def survey_members(df: DataFrame) -> DataFrame:
    """Member grain: one row per element of `members`, record key `<hh_id>-<member_no as 2 digits>`.

    A member lives where the household was surveyed: the household's house and area codes are the
    member's (the survey records them once per household), so linkage can compare and block on them.
    """
    members = F.from_json(_json_field("members"), "array<" + _string_struct(MEMBER_FIELDS) + ">")
    household_areas = [c.alias(n) for n, c in _areas(df, _s("house_code")).items()]
    interview = (
        _s("interview_date").alias("_interview_date_raw")
        if "interview_date" in df.columns
        else F.lit(None).cast("string").alias("_interview_date_raw")
    )
    survey_round = _s("survey_round") if "survey_round" in df.columns else F.lit(None).cast("string")
    exploded = df.select(
        _s("hh_id").alias("hh_id"),
        survey_round.alias("survey_round"),
        *household_areas,
        interview,
        *METADATA,
        F.posexplode(members).alias("_position", "m"),
    )
    member_no = F.coalesce(F.col("m.member_no").cast("int"), F.col("_position") + 1)
    # The round is part of the content: a member listed again unchanged next round is that round's member.
    hashed = exploded.withColumn("_content_hash", F.sha2(F.concat_ws("|", "hh_id", "survey_round", F.to_json("m")), 256))
    raw = {
        "record_key": F.concat(F.col("hh_id"), F.lit("-"), F.lpad(member_no.cast("string"), 2, "0")),
        "pid_raw": F.col("m.pid"), "title_raw": F.col("m.title"), "first_name_raw": F.col("m.first_name"),
        "last_name_raw": F.col("m.last_name"), "sex_raw": F.col("m.sex"), "birth_date_raw": F.col("m.birth_date"),
        **{name: F.col(name) for name in RAW_FIELDS if name.endswith("_code_raw")},
    }  # fmt: skip
    payload = {
        "hh_id": F.col("hh_id"),
        "survey_round": F.col("survey_round"),
        **{f: to_number(F.col(f"m.{f}"), "int") for f in MEMBER_INTS},
        **{f: to_number(F.col(f"m.{f}"), "long") for f in MEMBER_LONGS},
        **{f: yes_no(F.col(f"m.{f}")) for f in MEMBER_BOOLEANS},
        "relation": F.col("m.relation"),
        "schooling": F.col("m.schooling"),
        "occupation": F.col("m.occupation"),
    }
    payload["member_no"] = member_no
    columns = [raw.get(name, _none()).alias(name) for name in RAW_FIELDS]
    # The household's interview date rides along (hidden) for members given by age only (pipeline.with_birth_year_from_age).
    return hashed.select(*columns, *[c.alias(n) for n, c in payload.items()], "_interview_date_raw", *METADATA, "_content_hash")
