"""Date column functions: Buddhist-Era and CE dates in the formats Thai agencies use, to a CE date + precision.

parse_thai_date() returns a struct<date, precision, issues> built from Spark SQL expressions only.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

from udfs.expressions import let
from udfs.thai_names import thai_digits_to_arabic

BE_OFFSET = 543
THAI_MONTHS = {
    "ม.ค.": 1, "มกราคม": 1, "ก.พ.": 2, "กุมภาพันธ์": 2, "มี.ค.": 3, "มีนาคม": 3, "เม.ย.": 4, "เมษายน": 4,
    "พ.ค.": 5, "พฤษภาคม": 5, "มิ.ย.": 6, "มิถุนายน": 6, "ก.ค.": 7, "กรกฎาคม": 7, "ส.ค.": 8, "สิงหาคม": 8,
    "ก.ย.": 9, "กันยายน": 9, "ต.ค.": 10, "ตุลาคม": 10, "พ.ย.": 11, "พฤศจิกายน": 11, "ธ.ค.": 12, "ธันวาคม": 12,
}  # fmt: skip
_MONTH_NAMES = "|".join(sorted((m.replace(".", r"\.") for m in THAI_MONTHS), key=len, reverse=True))
# (regex, replacement giving day|month|year)
_FORMATS = (
    (r"^([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4}|[0-9]{2})$", "$1|$2|$3"),  # dd/mm/yyyy, dd/mm/yy
    (r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$", "$3|$2|$1"),  # yyyy-mm-dd
    (r"^([0-9]{4})([0-9]{2})([0-9]{2})$", "$3|$2|$1"),  # yyyymmdd
)
_THAI_NAMED = rf"^([0-9]{{1,2}})\s*({_MONTH_NAMES})\s*([0-9]{{4}}|[0-9]{{2}})$"  # 31 ธ.ค. 2561, 31 ธ.ค. 61


def _day_month_year(text: Column) -> Column:
    """array<int>(day, month, year) from whichever format matches, else null (each regex tried once)."""
    months = F.create_map(*[F.lit(x) for name, number in THAI_MONTHS.items() for x in (name, str(number))])
    named = F.concat_ws(
        "|", F.regexp_extract(text, _THAI_NAMED, 1), months[F.regexp_extract(text, _THAI_NAMED, 2)], F.regexp_extract(text, _THAI_NAMED, 3)
    )
    canonical = F.when(text.rlike(_THAI_NAMED), named)
    for regex, replacement in reversed(_FORMATS):
        canonical = F.when(text.rlike(regex), F.regexp_replace(text, regex, replacement)).otherwise(canonical)
    return F.split(canonical, r"\|").cast("array<int>")


def _issue(condition: Column, code: str) -> Column:
    return F.when(condition, F.lit(code))


def parse_thai_date(raw: Column, era: str, min_year_ce: int, max_year_ce: int, past: bool = False) -> Column:
    """struct<date: date, precision: string, issues: array<string>> for a date string in era 'BE' or 'CE'.

    `00` day -> precision month, `00` month -> precision year (missing parts set to 1). A year that is
    implausible in the promised era but plausible in the other is converted (date_era_corrected); a month
    > 12 with a day <= 12 is swapped (date_day_month_swapped); a two-digit year takes the latest century of
    the promised era that makes it plausible, and with `past` (birth dates) not after today
    (date_two_digit_year: 61 in a BE column is 2561, so 2018 CE, when 2018 is in range, else 2461; a
    birth year 70 is 2470, 2570 being 2027 CE); anything else impossible -> null date.
    """
    if era not in ("BE", "CE"):
        raise ValueError(f"era must be 'BE' or 'CE', not {era!r}")
    text = F.trim(thai_digits_to_arabic(raw.cast("string")))
    parts = let(
        text,
        lambda t: let(
            _day_month_year(t),
            lambda a: F.struct(a[0].alias("day"), a[1].alias("month"), a[2].alias("year"), (t.isNull() | (t == "")).alias("missing")),
        ),
    )
    return let(parts, lambda p: _date_from_parts(p, era, min_year_ce, max_year_ce, past))


def _date_from_parts(p: Column, era: str, min_year_ce: int, max_year_ce: int, past: bool) -> Column:
    day, month, short_year = p["day"], p["month"], p["year"]

    def plausible(y):
        return y.between(min_year_ce, max_year_ce)

    two_digit = short_year < 100
    latest = short_year + (2500 if era == "BE" else 2000)
    to_ce = (lambda y: y - BE_OFFSET) if era == "BE" else (lambda y: y)
    # A birth is not in the future: its century is bounded by today as well as by the window.
    century_ok = (lambda y: plausible(y) & (y <= F.year(F.current_date()))) if past else plausible
    year = F.when(two_digit, F.when(century_ok(to_ce(latest)), latest).otherwise(latest - 100)).otherwise(short_year)
    promised = to_ce(year)
    other = year if era == "BE" else year - BE_OFFSET
    era_switched = ~plausible(promised) & plausible(other)
    year_ce = F.when(era_switched, other).otherwise(promised)
    swapped = (month > 12) & day.between(1, 12)
    day, month = F.when(swapped, month).otherwise(day), F.when(swapped, day).otherwise(month)
    precision = F.when(month == 0, "year").when(day == 0, "month").otherwise("day")
    month_1 = F.when(month == 0, 1).otherwise(month)
    day_1 = F.when((day == 0) | (month == 0), 1).otherwise(day)
    candidate = F.try_to_date(F.format_string("%04d-%02d-%02d", year_ce, month_1, day_1), "yyyy-MM-dd")
    date = F.when(plausible(year_ce), candidate)
    issues = F.array_compact(
        F.array(
            _issue(~p["missing"] & year.isNull(), "date_unparseable"),
            _issue(year.isNotNull() & era_switched, "date_era_corrected"),
            _issue(two_digit, "date_two_digit_year"),
            _issue(year.isNotNull() & swapped, "date_day_month_swapped"),
            _issue(year.isNotNull() & ~plausible(year_ce), "date_implausible_year"),
            _issue(year.isNotNull() & plausible(year_ce) & candidate.isNull(), "date_impossible"),
        )
    )
    return F.struct(
        date.alias("date"),
        F.when(date.isNotNull(), precision).alias("precision"),
        issues.alias("issues"),
    )


def parse_ce_date(value: Column, min_year_ce: int, max_year_ce: int) -> Column:
    """A typed CE date (Parquet) checked the same way: a BE year in a CE date column is corrected and flagged."""
    return parse_thai_date(F.date_format(value, "yyyy-MM-dd"), "CE", min_year_ce, max_year_ce)
