"""Thai phone numbers to E.164 (+66...) with their kind (mobile / landline); Spark SQL only."""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

from udfs.expressions import let
from udfs.thai_names import thai_digits_to_arabic

_MOBILE = r"^0[689][0-9]{8}$"  # 08x, 09x, 06x + 7 digits
_LANDLINE = r"^0[2-7][0-9]{7}$"  # 02-xxx-xxxx in Bangkok, 0XX-xxx-xxx elsewhere


def national_number(raw: Column) -> Column:
    """The number with its trunk 0 (0812345678), from any common way of writing it; null if not a number."""
    text = thai_digits_to_arabic(raw.cast("string"))
    looks_like_number = F.trim(text).rlike(r"^\+?[0-9()\s.\-]+$")
    # "+66 (0)81 ..." writes both the country code and the trunk zero.
    digits = F.regexp_replace(F.regexp_replace(text, r"\(0\)", ""), r"[^0-9]", "")
    # 00 is the international prefix dialled from abroad; "+66 0..." keeps the trunk zero after the code.
    digits = F.regexp_replace(digits, r"^(?:00)?660?([0-9]{8,9})$", "66$1")
    national = (
        F.when(digits.rlike(r"^66[0-9]{8,9}$"), F.concat(F.lit("0"), F.substring(digits, 3, 9)))
        .when(digits.rlike(r"^0[0-9]{8,9}$"), digits)
        # Excel drops the trunk zero of a number stored as a number.
        .when(digits.rlike(r"^[689][0-9]{8}$"), F.concat(F.lit("0"), digits))
    )
    return F.when(looks_like_number, national)


def kind_of_national(national: Column) -> Column:
    """`mobile`, `landline` or null, from national_number()'s result."""
    return F.when(national.rlike(_MOBILE), "mobile").when(national.rlike(_LANDLINE), "landline")


def e164_of_national(national: Column, kind: Column | None = None) -> Column:
    """+66 and the number without its trunk zero, from national_number()'s result; null when not valid;
    `kind` is kind_of_national(national) when already computed."""
    kind = kind_of_national(national) if kind is None else kind
    return F.when(kind.isNotNull(), F.concat(F.lit("+66"), F.substring(national, 2, 9)))


def phone_type(raw: Column) -> Column:
    """`mobile`, `landline` or null (not a valid Thai number)."""
    return kind_of_national(national_number(raw))


def phone_e164(raw: Column) -> Column:
    """+66 followed by the number without its trunk zero; null when not a valid Thai mobile or landline."""
    return let(national_number(raw), lambda n: e164_of_national(n))  # one argument: F.transform passes the index to a second


def phone_issue(raw: Column, kind: Column | None = None) -> Column:
    """`phone_invalid` when a phone was given but is not a valid Thai number, else null; `kind` is
    phone_type(raw) when already computed."""
    given = F.trim(raw.cast("string"))
    kind = phone_type(raw) if kind is None else kind
    return F.when(given.isNotNull() & (given != "") & kind.isNull(), F.lit("phone_invalid"))
