"""Thai citizen ID (PID) column functions: read the 13 digits, checksum, person type. Spark SQL only."""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

from udfs.thai_names import thai_digits_to_arabic

# Excel's rendering of a 13-digit number: mantissa digits, optional fraction, exponent.
_SCIENTIFIC = r"^([0-9])\.?([0-9]*)[eE]\+?([0-9]{1,2})$"
# A spreadsheet's text marks around an ID: a leading apostrophe, quotes (straight or curly), ="..." formulas.
_MARKS = "^=?[\"'`\u2018\u2019\u201c\u201d]+|[\"'`\u2018\u2019\u201c\u201d]+$"


def _text(raw: Column) -> Column:
    """The delivered value as trimmed text in Arabic digits, without the spreadsheet's quote marks."""
    return F.trim(F.regexp_replace(F.trim(thai_digits_to_arabic(raw.cast("string"))), _MARKS, ""))


def pid_digits(raw: Column) -> Column:
    """The 13 digits of an ID as delivered, or null: quote marks, separators and spaces stripped, scientific
    notation undone.

    A scientific-notation value is recoverable only when its mantissa still holds all 13 digits
    (`3.100600445635E+12`); `3.10060044563E+12` has lost its last digits, so the ID is null.
    """
    text = _text(raw)
    mantissa = F.concat(F.regexp_extract(text, _SCIENTIFIC, 1), F.regexp_extract(text, _SCIENTIFIC, 2))
    exponent = F.regexp_extract(text, _SCIENTIFIC, 3).cast("int")
    # Digits beyond the exponent must be zeros (Excel may pad); fewer digits than the exponent are lost.
    exact = F.when(
        (F.length(mantissa) >= exponent + 1) & (F.substring(mantissa, 14, 100).rlike("^0*$")),
        F.substring(mantissa, 1, 13),
    )
    plain = F.regexp_replace(text, r"[\s\-./_]", "")
    digits = F.when(text.rlike(_SCIENTIFIC), exact).otherwise(plain)
    return F.when(digits.rlike("^[0-9]{13}$"), digits)


def pid_issue(raw: Column, digits: Column | None = None) -> Column:
    """Why pid_digits() gave no ID (null when it gave one); `digits` is pid_digits(raw) when already computed."""
    text = _text(raw)
    digits = pid_digits(raw) if digits is None else digits
    return (
        F.when(text.isNull() | (text == ""), F.lit("pid_missing"))
        .when(digits.isNotNull(), F.lit(None).cast("string"))
        .when(text.rlike(_SCIENTIFIC), F.lit("pid_scientific_notation_lossy"))
        .otherwise(F.lit("pid_unreadable"))
    )


def pid_checksum_ok(pid: Column) -> Column:
    """d13 = (11 - (sum_{i=1..12} (14-i)*d_i) mod 11) mod 10; null when pid is null."""
    # Twelve terms spelled out (not a higher-order function) so the expression compiles to plain code.
    weighted = sum(
        (F.lit(14 - i) * F.substring(pid, i, 1).cast("int") for i in range(2, 13)), F.lit(13) * F.substring(pid, 1, 1).cast("int")
    )
    return (F.lit(11) - weighted % 11) % 10 == F.substring(pid, 13, 1).cast("int")


def pid_person_type(pid: Column) -> Column:
    """First digit: 1-8 are person types (1 Thai registered on time ... 8 naturalised); 0 and 9 do not exist."""
    digit = F.substring(pid, 1, 1).cast("int")
    return F.when(digit.between(1, 8), digit)


def pid_is_valid(pid: Column) -> Column:
    """Checksum correct and a person type that exists; null when there is no ID."""
    # Callers pass a column (silver's `pid`), so repeating it in the expression costs nothing; a lambda
    # binding (udfs.expressions.let) would run interpreted, not compiled.
    return F.when(pid.isNotNull(), pid_checksum_ok(pid) & pid_person_type(pid).isNotNull())
