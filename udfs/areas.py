"""Administrative area code column functions: clean a code, derive a parent code from a child's prefix."""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

# Code lengths per level (DOPA): province 2, district 4, subdistrict 6, village 8; house code 11.
AREA_LENGTHS = {"province_code": 2, "district_code": 4, "subdistrict_code": 6, "village_code": 8}
LEVELS = tuple(AREA_LENGTHS)  # parent first


def clean_code(raw: Column) -> Column:
    """Digits and letters of a code (some municipal moo codes hold letters); spaces, dashes, dots stripped."""
    code = F.regexp_replace(raw.cast("string"), r"[\s\-./]", "")
    return F.when(code != "", code)


def code_from_children(level: str, codes: dict[str, Column]) -> Column:
    """The level's own code, else the prefix of the nearest child code that is given.

    `codes` holds the cleaned code of each level and may hold `house_district`: a house code's first 4
    digits are its registration office, the district (and so the province) — used when no area code says it.
    """
    length = AREA_LENGTHS[level]
    children = [codes[child] for child in LEVELS[LEVELS.index(level) + 1 :]]
    prefixes = [F.when(F.length(c) > length, F.substring(c, 1, length)) for c in children]
    if length <= 4 and "house_district" in codes:
        prefixes.append(F.substring(codes["house_district"], 1, length))
    return F.coalesce(codes[level], *prefixes)


def house_district(house_code: Column) -> Column:
    """The registration district (first 4 digits) of a well-formed 11-digit house code, else null."""
    return F.when(house_code.rlike(r"^[0-9]{11}$"), F.substring(house_code, 1, 4))


def house_code_issue(code: Column) -> Column:
    return F.when(code.isNotNull() & ~code.rlike(r"^[0-9]{11}$"), F.lit("house_code_malformed"))
