"""Agency deliveries as DataFrames of written rows (strings, in the contract's column order), plus the
truth rows (records, errors) each one implies. One builder per kind of agency file (BUILDERS); which
source uses which builder, and its key prefixes, is in conf/sources/<source>.yaml `generator`."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import NamedTuple

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from transforms.contracts import GeneratorShape
from transforms.generator import Keep, as_is
from transforms.generator.errors import ERROR_COLUMNS, duplicate_errors, inject, injected_errors, phone_format, thai_date, with_duplicates
from transforms.generator.random import integer, uniform

DISABILITY_TYPES = ("visual", "hearing", "physical", "mental", "intellectual", "learning", "autism")
MEMBER_FIELDS = [
    "birth_weight_g",
    "exercise_days_per_week",
    "exercise_minutes_per_day",
    "preschool_care",
    "schooling",
    "finished_m3_last_year",
    "continued_m4",
    "literate_numerate",
    "occupation",
    "income_main",
    "income_secondary",
    "full_time_student",
    "disabled",
    "disability_self_care",
    "chronic_illness",
    "elderly_care",
    "disability_care",
]


class Population(NamedTuple):
    everyone: DataFrame  # every person of the world, with what the builders draw from
    households: DataFrame  # surveyed households with their answers
    members: DataFrame  # surveyed persons with their answers
    survey_round: int = 2561  # BE year of the survey round the deliveries belong to


class Delivery(NamedTuple):
    rows: DataFrame  # written columns in contract order
    records: DataFrame  # source, record_key, person_id
    errors: DataFrame  # ERROR_COLUMNS


def _by_province(persons: DataFrame) -> DataFrame:
    """Records spread by province once: every later window of a source partitions by province (and, inside
    it, by district or household), so none of them moves the records again."""
    return persons.repartition("province_code")


def keyed_by_person(persons: DataFrame, prefix: str, seed: int) -> DataFrame:
    """record_key = prefix digit + the district of the person's ID + a 7-digit number: the serial of the person's
    ID scrambled (an affine bijection mod 10^7, its constants drawn from seed and prefix). Unique per source, the
    same for the same person in every round (an agency's application number does not change), and not the ID's
    own digits."""
    a, b = _scramble(seed, prefix)
    number = F.pmod((F.col("person_id") % 10_000_000) * F.lit(a) + F.lit(b), F.lit(10_000_000))
    district = F.substring(F.col("person_id").cast("string"), 1, 4)
    return persons.withColumn("record_key", F.concat(F.lit(prefix), district, F.lpad(number.cast("string"), 7, "0")))


def _scramble(seed: int, prefix: str) -> tuple[int, int]:
    """(a, b) with a coprime to 10 (so x -> a x + b mod 10^7 is a bijection), from seed and prefix."""
    h = zlib.crc32(f"{seed}:{prefix}".encode())
    a = 1_000_003 + 2 * (h % 4_000_000)
    return (a + 2 if a % 5 == 0 else a), (h >> 8) % 10_000_000


def _duplicate_key(prefix: str) -> Column:
    return F.concat(F.lit(prefix), F.substring("record_key", 2, 20))


def _errors_and_records(
    df: DataFrame, source: str, record_source: str, rates: Mapping, seed: int, dup_prefix: str | None, keep: Keep
) -> tuple[DataFrame, DataFrame, DataFrame]:
    """(written records with the columns the errors need, truth records, truth errors). `keep` is applied to
    the written records before the other two are taken from them (the job materialises them there, so the
    source's plan runs once for its files, its records and its errors)."""
    written = inject(df, record_source, rates, seed)
    if dup_prefix is not None:
        written = with_duplicates(written, record_source, float(rates.get("duplicate", 0.0)), seed, _duplicate_key(dup_prefix))
    shared = uniform(seed, f"{source}:shared_phone", "record_key") < float(rates.get("shared_phone", 0.0))
    written = written.withColumn("_true_phone", F.col("phone")).withColumn(
        "phone", F.when(shared & F.col("other_phone").isNotNull(), F.col("other_phone")).otherwise(F.col("phone"))
    )
    moves = [kind for kind in ADDRESS_KINDS if float(rates.get(kind, 0.0)) > 0]
    for kind in moves:
        written = _moved_addresses(written, record_source, float(rates[kind]), seed, kind)
    written = keep(written)
    originals = written.where(F.col("_dup_of").isNull()) if dup_prefix is not None else written
    errors = injected_errors(originals, record_source)
    if dup_prefix is not None:
        errors = errors.unionByName(duplicate_errors(written, record_source))
    errors = errors.unionByName(
        written.where(F.col("phone") != F.col("_true_phone")).select(
            F.lit(record_source).alias("source"),
            "record_key",
            F.lit("phone").alias("field"),
            F.lit("shared_phone").alias("error_kind"),
            F.col("_true_phone").alias("true_value"),
            F.col("phone").alias("written_value"),
        )
    )
    for kind in moves:
        errors = errors.unionByName(
            written.where(F.col(f"_moved_{kind}.changed")).select(
                F.lit(record_source).alias("source"),
                "record_key",
                F.lit("address").alias("field"),
                F.lit(kind).alias("error_kind"),
                F.col(f"_moved_{kind}.true_value").alias("true_value"),
                F.col(f"_moved_{kind}.written_value").alias("written_value"),
            )
        )
    records = written.select(F.lit(record_source).alias("source"), "record_key", "person_id")
    return written, records, errors.select(*ERROR_COLUMNS)


# moved_address: an agency record with where the person lives now; registered_elsewhere: a registry record
# whose registered house is not the one the person lives in (and is surveyed in).
ADDRESS_KINDS = ("moved_address", "registered_elsewhere")


def _moved_addresses(df: DataFrame, source: str, rate: float, seed: int, kind: str) -> DataFrame:
    """Some records carry another address than the person's home: the house and area of a random other
    record of the same province (moves are mostly within a province). `_moved_<kind>`: whether the house
    changed, and the place (village, or subdistrict in Bangkok) before and after, for the truth."""
    area = ["house_code", "village_code", "subdistrict_code", "district_code"]
    shuffled = Window.partitionBy("province_code").orderBy(F.xxhash64(F.lit(seed), F.lit(f"{source}:{kind}"), "record_key"))
    moved = (uniform(seed, f"{source}:{kind}", "record_key") < rate) & F.col("_other_area").isNotNull()
    place = F.coalesce("village_code", "subdistrict_code")  # Bangkok has no villages
    out = df.withColumn("_other_area", F.lag(F.struct(*area), 1).over(shuffled)).withColumns(
        {"_true_house": F.col("house_code"), "_true_place": place}
    )
    out = out.withColumns({c: F.when(moved, F.col(f"_other_area.{c}")).otherwise(F.col(c)) for c in area})
    change = F.struct(
        (~F.col("house_code").eqNullSafe(F.col("_true_house"))).alias("changed"),
        F.col("_true_place").alias("true_value"),
        place.alias("written_value"),
    )
    return out.withColumn(f"_moved_{kind}", change).drop("_other_area", "_true_house", "_true_place")


def _with_others(persons: DataFrame) -> DataFrame:
    """Another member's pid / given name / phone (for 'other member' errors and shared phones)."""
    hh = Window.partitionBy("province_code", "hh_key").orderBy("member_no")  # a household lives in one province

    def nxt(c):
        return F.coalesce(F.lead(c).over(hh), F.lag(c).over(hh))

    return persons.withColumns(
        {"other_pid": nxt("pid"), "other_first_name": nxt("first_name"), "other_phone": nxt("phone")}
    )  # one window operator


def civil_registry(source: str, people: Population, rates: Mapping, seed: int, shape: GeneratorShape, keep: Keep = as_is) -> Delivery:
    """Everyone, keyed by their ID (the registry's IDs are right by definition: no ID errors)."""
    df = _with_others(_by_province(people.everyone)).withColumn("record_key", F.col("pid"))
    w, records, errors = _errors_and_records(df, source, source, {k: v for k, v in rates.items() if k != "pid"}, seed, None, keep)
    rows = w.select(
        "pid",
        F.col("written_title").alias("title"),
        F.col("written_first_name").alias("first_name"),
        F.col("written_last_name").alias("last_name"),
        F.when(F.col("sex") == "M", "1").otherwise("2").alias("sex"),
        thai_date(F.col("birth_date"), F.col("date_error"), "dd/mm/yyyy").alias("birth_date"),
        "house_code",
        F.coalesce("village_code", F.lit("")).alias("village_code"),
        "subdistrict_code",
        "district_code",
        "province_code",
        F.when(F.col("is_alive"), "alive").otherwise("dead").alias("status"),
    )
    return Delivery(rows, records, errors)


def household_survey(source: str, people: Population, rates: Mapping, seed: int, shape: GeneratorShape, keep: Keep = as_is) -> Delivery:
    """One JSON object per household (column `json`), members nested; member records keyed hh_id-nn."""
    df = _with_others(_by_province(people.members)).withColumn(
        "record_key", F.concat(F.col("hh_id"), F.lit("-"), F.lpad(F.col("member_no").cast("string"), 2, "0"))
    )
    w, records, errors = _errors_and_records(df, source, f"{source}_member", rates, seed, None, keep)
    member = F.struct(
        "member_no",
        F.col("written_pid").alias("pid"),
        F.col("written_title").alias("title"),
        F.col("written_first_name").alias("first_name"),
        F.col("written_last_name").alias("last_name"),
        F.when(F.col("sex") == "M", "1").otherwise("2").alias("sex"),
        thai_date(F.col("birth_date"), F.col("date_error"), "dd/mm/yyyy").alias("birth_date"),
        "age",
        "relation",
        *MEMBER_FIELDS,
    )
    nested = w.groupBy("province_code", "hh_key").agg(F.array_sort(F.collect_list(member)).alias("members"))
    doc = F.struct(
        F.lit(str(people.survey_round)).alias("survey_round"),
        "hh_id",
        "house_code",
        "house_no",
        "village_code",
        "subdistrict_code",
        "district_code",
        "province_code",
        F.date_format(F.add_months("interview_date", 543 * 12), "dd/MM/yyyy").alias("interview_date"),
        "food_hygiene",
        "medicine_use",
        "housing",
        "drinking_water_litres_min",
        "use_water_litres_min",
        "home_hygiene",
        "income_other",
        "own_food_value",
        "members",
    )
    rows = people.households.join(nested.drop("province_code"), on="hh_key", how="inner").select(
        "hh_id", F.to_json(doc, {"ignoreNullFields": "false"}).alias("json")
    )
    return Delivery(rows.select(F.col("hh_id").alias("_key"), "json"), records, errors)


def welfare_registry(source: str, people: Population, rates: Mapping, seed: int, shape: GeneratorShape, keep: Keep = as_is) -> Delivery:
    """The welfare-card registrants (the world decides who registers and who is verified)."""
    df = keyed_by_person(
        _with_others(_by_province(people.everyone)).where(F.col("welfare_status").isNotNull()), shape.key_prefix or "0", seed
    )
    w, records, errors = _errors_and_records(df, source, source, rates, seed, shape.duplicate_prefix, keep)
    income = F.when(F.col("welfare_status") == "verified", integer(seed, "mof_inc", 0, 99, "record_key") * 1000).otherwise(
        integer(seed, "mof_inc2", 30, 300, "record_key") * 1000
    )
    registered = F.date_add(F.lit("2017-04-03").cast("date"), integer(seed, "mof_reg", 0, 40, "record_key"))
    rows = w.select(
        F.col("record_key").alias("application_no"),
        F.col("written_pid").alias("pid"),
        F.col("written_title").alias("title"),
        F.col("written_first_name").alias("first_name"),
        F.col("written_last_name").alias("last_name"),
        thai_date(F.col("birth_date"), F.col("date_error"), "yyyymmdd").alias("birth_date"),
        phone_format(F.col("phone"), seed, F.col("record_key")).alias("phone"),
        F.concat(integer(seed, "mof_house", 1, 250, "hh_key").cast("string")).alias("house_no"),
        F.coalesce("village_code", F.lit("")).alias("village_code"),
        "subdistrict_code",
        "district_code",
        "province_code",
        income.cast("string").alias("declared_income"),
        F.col("welfare_status").alias("status"),
        thai_date(registered, F.lit(None), "yyyymmdd").alias("registered_date"),
    )
    return Delivery(rows, records, errors)


def elderly_allowance(source: str, people: Population, rates: Mapping, seed: int, shape: GeneratorShape, keep: Keep = as_is) -> Delivery:
    """The living aged 60+ who take the allowance up; an Excel export (IDs in scientific notation)."""
    take_up = float(rates.get("take_up", 0.93))
    chosen = people.everyone.where((F.col("age") >= 60) & F.col("is_alive") & (uniform(seed, "dla_take", "pid") < take_up))
    df = keyed_by_person(_with_others(_by_province(chosen)), shape.key_prefix or "0", seed)
    w, records, errors = _errors_and_records(df, source, source, rates, seed, shape.duplicate_prefix, keep)
    sci = uniform(seed, "dla_sci", "record_key") < float(rates.get("scientific_notation", 0.0))
    pid = F.when(
        sci & F.col("written_pid").rlike("^[0-9]{13}$"),
        F.concat(F.substring("written_pid", 1, 1), F.lit("."), F.substring("written_pid", 2, 11), F.lit("E+12")),
    ).otherwise(F.col("written_pid"))
    amount = F.when(F.col("age") >= 90, "1,000").when(F.col("age") >= 80, "800").when(F.col("age") >= 70, "700").otherwise("600")
    errors = errors.unionByName(
        w.where(sci & F.col("written_pid").rlike("^[0-9]{13}$")).select(
            F.lit(source).alias("source"),
            "record_key",
            F.lit("pid").alias("field"),
            F.lit("scientific_notation").alias("error_kind"),
            F.col("written_pid").alias("true_value"),
            pid.alias("written_value"),
        )
    )
    rows = w.select(
        F.col("record_key").alias("recipient_no"),
        pid.alias("pid"),
        F.col("written_title").alias("title"),
        F.col("written_first_name").alias("first_name"),
        F.col("written_last_name").alias("last_name"),
        thai_date(F.col("birth_date"), F.col("date_error"), "dd/mm/yyyy").alias("birth_date"),
        F.concat(F.lit("6"), F.col("subdistrict_code")).alias("local_office_code"),
        "subdistrict_code",
        "district_code",
        "province_code",
        amount.alias("monthly_amount"),
        F.lit(f"{people.survey_round}-03").alias("paid_month"),
        F.lit(None).cast("string").alias("_trailing"),
    )
    return Delivery(rows, records, errors)


def disability_cards(source: str, people: Population, rates: Mapping, seed: int, shape: GeneratorShape, keep: Keep = as_is) -> Delivery:
    """The living disabled who hold a card (one JSON object per card)."""
    take_up = float(rates.get("take_up", 0.9))
    chosen = people.everyone.where(F.col("is_disabled") & F.col("is_alive") & (uniform(seed, "dep_take", "pid") < take_up))
    df = keyed_by_person(_with_others(_by_province(chosen)), shape.key_prefix or "0", seed)
    w, records, errors = _errors_and_records(df, source, source, rates, seed, shape.duplicate_prefix, keep)
    issued = F.date_add(F.lit("2012-01-01").cast("date"), integer(seed, "dep_issued", 0, 2200, "record_key"))
    kind = F.element_at(F.array(*[F.lit(k) for k in DISABILITY_TYPES]), integer(seed, "dep_type", 1, len(DISABILITY_TYPES), "record_key"))
    doc = F.struct(
        F.col("record_key").alias("card_no"),
        F.col("written_pid").alias("pid"),
        F.col("written_title").alias("title"),
        F.col("written_first_name").alias("first_name"),
        F.col("written_last_name").alias("last_name"),
        F.when(F.col("sex") == "M", "1").otherwise("2").alias("sex"),
        thai_date(F.col("birth_date"), F.col("date_error"), "yyyy-mm-dd").alias("birth_date"),
        kind.alias("disability_type"),
        thai_date(issued, F.lit(None), "yyyy-mm-dd").alias("card_issued_date"),
        thai_date(F.add_months(issued, 96), F.lit(None), "yyyy-mm-dd").alias("card_expiry_date"),
        F.lit(800).alias("allowance_monthly"),
        "village_code",
        "subdistrict_code",
        "district_code",
        "province_code",
        phone_format(F.col("phone"), seed, F.col("record_key")).alias("phone"),
    )
    return Delivery(
        w.select(F.col("record_key").alias("_key"), F.to_json(doc, {"ignoreNullFields": "false"}).alias("json")), records, errors
    )


def child_grant(source: str, people: Population, rates: Mapping, seed: int, shape: GeneratorShape, keep: Keep = as_is) -> Delivery:
    """Children under 6; the mother is the household's first woman aged 18-49 (null if none)."""
    persons = people.everyone
    take_up = float(rates.get("take_up", 0.55))
    mothers = (
        persons.where((F.col("sex") == "F") & F.col("age").between(18, 49))
        .groupBy("hh_key")
        .agg(F.min(F.struct("member_no", "pid", "first_name", "last_name", "phone")).alias("mother"))
    )
    chosen = persons.where((F.col("age") < 6) & F.col("is_alive") & (uniform(seed, "dcy_take", "pid") < take_up)).join(
        mothers, "hh_key", "left"
    )
    df = keyed_by_person(
        _by_province(chosen)
        .withColumn("other_pid", F.col("mother.pid"))
        .withColumn("other_first_name", F.lit(None).cast("string"))
        .withColumn("other_phone", F.lit(None).cast("string")),
        shape.key_prefix or "0",
        seed,
    )
    w, records, errors = _errors_and_records(df, source, source, rates, seed, shape.duplicate_prefix, keep)
    y, m, d = F.year("birth_date"), F.month("birth_date"), F.dayofmonth("birth_date")
    birth = (
        F.when(F.col("date_error") == "ce_as_be", F.make_date(y + 543, m, d))
        .when(F.col("date_error") == "day_month_swap", F.make_date(y, d, m))
        .otherwise(F.col("birth_date"))
    )
    rows = w.select(
        F.col("record_key").alias("application_no"),
        F.col("written_pid").alias("child_pid"),
        F.col("written_title").alias("child_title"),
        F.col("written_first_name").alias("child_first_name"),
        F.col("written_last_name").alias("child_last_name"),
        F.col("sex").alias("child_sex"),
        birth.alias("child_birth_date"),
        F.col("mother.pid").alias("mother_pid"),
        F.col("mother.first_name").alias("mother_first_name"),
        F.col("mother.last_name").alias("mother_last_name"),
        phone_format(F.col("mother.phone"), seed, F.col("record_key")).alias("phone"),
        F.lit(600).alias("amount_monthly"),
        "village_code",
        "subdistrict_code",
        "district_code",
        "province_code",
    )
    return Delivery(rows, records, errors)


# What conf/sources/<source>.yaml `generator.builder` names: the kind of agency file each simulates.
BUILDERS = {
    "civil_registry": civil_registry,
    "household_survey": household_survey,
    "welfare_registry": welfare_registry,
    "elderly_allowance": elderly_allowance,
    "disability_cards": disability_cards,
    "child_grant": child_grant,
}
