"""Error injection on source records: each field gets at most one error, chosen by one hash uniform
against the cumulative rates; every applied error is returned as a truth row."""

from __future__ import annotations

from collections.abc import Mapping

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from transforms.generator.random import integer, uniform

ERROR_COLUMNS = ["source", "record_key", "field", "error_kind", "true_value", "written_value"]
LOOKALIKE = {"ส": "ศ", "ศ": "ษ", "น": "ณ", "ร": "ล", "ท": "ธ"}
TONE_MARKS = "่้๊๋"
THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"


def _choose(u: Column, rates: Mapping[str, float]) -> Column:
    """The error kind whose cumulative-rate band contains u, or null."""
    kind, upper = F.lit(None).cast("string"), 0.0
    for name, rate in rates.items():
        low, upper = upper, upper + rate
        kind = F.when((u >= low) & (u < upper), F.lit(name)).otherwise(kind)
    return kind


def pid_error(pid: Column, kind: Column, seed: int, key: Column, other: Column) -> Column:
    """missing / typo (one digit) / transposition (adjacent) / dropped_digit / other_member / thai_digits."""
    pos = integer(seed, "pid_pos", 1, 12, key)
    digit = F.substring(pid, pos, 1).cast("int")
    new_digit = F.pmod(digit + integer(seed, "pid_add", 1, 9, key), F.lit(10)).cast("string")

    def head(n):
        return F.substring(pid, F.lit(1), n)

    def tail(start):
        return F.substring(pid, start, F.lit(13))

    typo = F.concat(head(pos - 1), new_digit, tail(pos + 1))
    swapped = F.concat(head(pos - 1), F.substring(pid, pos + 1, F.lit(1)), F.substring(pid, pos, F.lit(1)), tail(pos + 2))
    dropped = F.concat(head(pos - 1), tail(pos + 1))
    return (
        F.when(kind == "missing", F.lit(None).cast("string"))
        .when(kind == "typo", typo)
        .when(kind == "transposition", F.when(swapped == pid, typo).otherwise(swapped))
        .when(kind == "dropped_digit", dropped)
        .when(kind == "other_member", F.coalesce(other, typo))
        .when(kind == "thai_digits", F.translate(pid, "0123456789", THAI_DIGITS))
        .otherwise(pid)
    )


def name_error(name: Column, kind: Column, seed: int, key: Column, title: Column, replacement: Column) -> Column:
    """Spelling variants and real changes of a Thai name."""
    tone = F.element_at(F.array(*[F.lit(t) for t in TONE_MARKS]), integer(seed, "tone", 1, 4, key))
    stripped = F.regexp_replace(name, f"[{TONE_MARKS}]", "")
    lookalike = F.translate(name, "".join(LOOKALIKE), "".join(LOOKALIKE.values()))
    pos = F.greatest(F.lit(1), F.floor(F.length(name) / 2).cast("int"))
    return (
        F.when(kind == "tone_mark", F.when(stripped != name, stripped).otherwise(F.concat(name, tone)))
        .when(kind == "lookalike", F.when(lookalike != name, lookalike).otherwise(F.concat(stripped, tone)))
        .when(kind == "glued_title", F.concat(title, name))
        .when(kind == "stray_space", F.concat(F.substring(name, F.lit(1), pos), F.lit(" "), F.substring(name, pos + 1, F.lit(100))))
        .when(kind == "zero_width", F.concat(F.substring(name, F.lit(1), pos), F.lit("\u200b"), F.substring(name, pos + 1, F.lit(100))))
        .when(kind == "changed", F.coalesce(replacement, stripped))
        .otherwise(name)
    )


def _error(field: str, kind: str, true_value: Column, written: Column) -> Column:
    return F.struct(
        F.lit(field).alias("field"), F.col(kind).alias("error_kind"), true_value.alias("true_value"), written.alias("written_value")
    )


def inject(df: DataFrame, source: str, rates: Mapping[str, Mapping[str, float]], seed: int) -> DataFrame:
    """Apply pid / first_name / last_name / birth_date errors to a frame of true values.

    Input columns: record_key, pid, title, first_name, last_name, birth_date (date), other_pid,
    other_first_name, maiden_name. Output adds written_* columns, `date_error` (the date error kind,
    formatted by the source writer) and the other kinds (_pid_kind, _first_kind, _last_kind) for
    injected_errors. The first-name kind swapped_names writes the surname as first name and the first
    name as surname (one error of the record, under first_name).
    """
    key = F.col("record_key")

    def u(field):
        return uniform(seed, f"{source}:{field}", key)

    pid_kind = _choose(u("pid"), rates.get("pid", {}))
    first_kind = _choose(u("first_name"), rates.get("first_name", {}))
    last_kind = _choose(u("last_name"), {k: v for k, v in rates.get("last_name", {}).items() if k != "glued_title"})
    date_kind = _choose(u("birth_date"), rates.get("birth_date", {}))
    day_month_ok = (F.dayofmonth("birth_date") <= 12) & (F.dayofmonth("birth_date") != F.month("birth_date"))
    swapped = F.col("_first_kind") == "swapped_names"
    out = (
        df.withColumn("_pid_kind", F.when(F.col("pid").isNotNull(), pid_kind))
        .withColumn("_first_kind", F.when((first_kind != "swapped_names") | (F.col("first_name") != F.col("last_name")), first_kind))
        .withColumn(
            "_last_kind",
            F.when(swapped, None)
            .when(last_kind == "changed", F.when(F.col("maiden_name") != F.col("last_name"), "married_surname"))
            .otherwise(last_kind),
        )
        .withColumn("date_error", F.when((date_kind != "day_month_swap") | day_month_ok, date_kind))
        .withColumn("written_pid", pid_error(F.col("pid"), F.col("_pid_kind"), seed, key, F.col("other_pid")))
        .withColumn(
            "written_first_name",
            name_error(F.col("first_name"), F.col("_first_kind"), seed, key, F.col("title"), F.col("other_first_name")),
        )
        .withColumn(
            "written_last_name",
            name_error(
                F.col("last_name"),
                F.when(F.col("_last_kind") == "married_surname", "changed").otherwise(F.col("_last_kind")),
                seed,
                key,
                F.col("title"),
                F.col("maiden_name"),
            ),
        )
        .withColumn("written_title", F.when(F.col("_first_kind") == "glued_title", F.lit("")).otherwise(F.col("title")))
    )
    return out.withColumns(
        {
            "written_first_name": F.when(swapped, F.col("last_name")).otherwise(F.col("written_first_name")),
            "written_last_name": F.when(swapped, F.col("first_name")).otherwise(F.col("written_last_name")),
        }
    )


def injected_errors(injected: DataFrame, source: str) -> DataFrame:
    """The truth rows of inject's errors (ERROR_COLUMNS), from its output (the _*_kind columns kept)."""
    return (
        injected.select(
            F.lit(source).alias("source"),
            F.col("record_key"),
            F.explode(
                F.array(
                    _error("pid", "_pid_kind", F.col("pid"), F.col("written_pid")),
                    _error("first_name", "_first_kind", F.col("first_name"), F.col("written_first_name")),
                    _error("last_name", "_last_kind", F.col("last_name"), F.col("written_last_name")),
                    _error("birth_date", "date_error", F.col("birth_date").cast("string"), F.lit(None).cast("string")),
                )
            ).alias("e"),
        )
        .where(F.col("e.error_kind").isNotNull())
        .select("source", "record_key", "e.*")
    )


def thai_date(date: Column, error: Column, pattern: str) -> Column:
    """Format a CE date in BE (`dd/mm/yyyy`, `yyyymmdd`, `yyyy-mm-dd`) with the date error applied; a
    two_digit_year date is written `dd/mm/yy` whatever the column's pattern (a clerk's short form)."""
    y = F.year(date) + F.when(error == "be_as_ce", 0).otherwise(543)
    m, d = F.month(date), F.dayofmonth(date)
    m, d = F.when(error == "day_month_swap", d).otherwise(m), F.when(error == "day_month_swap", m).otherwise(d)
    unknown = error == "year_only"
    mm = F.when(unknown, "00").otherwise(F.lpad(m.cast("string"), 2, "0"))
    dd = F.when(unknown, "00").otherwise(F.lpad(d.cast("string"), 2, "0"))
    yyyy = y.cast("string")
    short = F.concat_ws("/", dd, mm, F.substring(yyyy, 3, 2))
    if pattern == "dd/mm/yyyy":
        written = F.concat_ws("/", dd, mm, yyyy)
    elif pattern == "yyyymmdd":
        written = F.concat(yyyy, mm, dd)
    else:
        written = F.concat_ws("-", yyyy, mm, dd)
    return F.when(error == "two_digit_year", short).otherwise(written)


def phone_format(phone: Column, seed: int, key: Column) -> Column:
    """One of the formats agencies use for the same mobile number."""
    rest = F.substring(phone, 2, 9)
    pick = integer(seed, "phone_fmt", 1, 6, key)
    formatted = (
        F.when(pick == 1, F.concat_ws("-", F.substring(phone, 1, 3), F.substring(phone, 4, 3), F.substring(phone, 7, 4)))
        .when(pick == 2, phone)
        .when(pick == 3, F.concat(F.lit("+66"), rest))
        .when(pick == 4, F.concat(F.lit("66"), rest))
        .when(pick == 5, F.concat(F.lit("0066"), rest))
        .otherwise(
            F.concat(F.lit("+66 (0)"), F.substring(phone, 2, 2), F.lit(" "), F.substring(phone, 4, 3), F.lit(" "), F.substring(phone, 7, 4))
        )
    )
    return F.when(phone.isNotNull(), formatted)


def with_duplicates(df: DataFrame, source: str, rate: float, seed: int, new_key: Column) -> DataFrame:
    """Copies of some records under a new record key (same person); `_dup_of` is the copied record's key
    (null on the originals)."""
    chosen = df.where(uniform(seed, f"{source}:dup", "record_key") < rate)
    dups = chosen.withColumn("_dup_of", F.col("record_key")).withColumn("record_key", new_key)
    return df.withColumn("_dup_of", F.lit(None).cast("string")).unionByName(dups)


def duplicate_errors(df: DataFrame, source: str) -> DataFrame:
    return df.where(F.col("_dup_of").isNotNull()).select(
        F.lit(source).alias("source"),
        "record_key",
        F.lit("record").alias("field"),
        F.lit("duplicate_record").alias("error_kind"),
        F.col("_dup_of").alias("true_value"),
        F.col("record_key").alias("written_value"),
    )
