"""Pure parts of bronze ingestion: physical line numbers, decoding, line classification, parsing, row hash.

Every function here takes and returns DataFrames (or builds Columns); the job (jobs/ingest.py) does the
reading and writing. A data line ends in exactly one place: classified good (`_reason_code` null) and
parsed into the contract's columns, or classified bad with a reason code and a human reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

REPLACEMENT_CHAR = "\ufffd"
BYTE_ORDER_MARK = "\ufeff"
NUL = "\u0000"

# Row-level reason codes, in the order the checks run.
BAD_ENCODING = "bad_encoding"
NUL_BYTE = "nul_byte"
TRUNCATED_LAST_LINE = "truncated_last_line"
WRONG_COLUMN_COUNT = "wrong_column_count"
INVALID_JSON = "invalid_json"
FIELD_TOO_LONG = "field_too_long"
MISSING_REQUIRED = "missing_required"
# File-level reason codes (set by the job): nothing of the file could be read, or its header/schema is unusable.
UNREADABLE_FILE = "unreadable_file"
MISSING_REQUIRED_COLUMN = "missing_required_column"

# A file's last line failing one of these checks, in a file without a final newline, was cut off in delivery.
TRUNCATABLE = (WRONG_COLUMN_COUNT, INVALID_JSON)

# Strict JSON: what Jackson would otherwise let through (a Python dict printed as text, NaN, 007, comments).
STRICT_JSON_OPTIONS = {
    "mode": "PERMISSIVE",
    "allowSingleQuotes": "false",
    "allowUnquotedFieldNames": "false",
    "allowComments": "false",
    "allowNonNumericNumbers": "false",
    "allowNumericLeadingZeros": "false",
    "allowBackslashEscapingAnyCharacter": "false",
    "allowUnquotedControlChars": "false",
}

# monotonically_increasing_id keeps the record number within its partition in the lower 33 bits.
_ROW_IN_PARTITION = (1 << 33) - 1

Transform = Callable[[DataFrame], DataFrame]


def with_split_index(order: str = "_order") -> Transform:
    """Add `_index`: the record's 0-based position in its split, from a monotonically_increasing_id taken at the scan.

    The job reads every split (a byte range of one file) as a partition of its own, and the id keeps the
    record number within the partition in its lower 33 bits: that number is the position in the split.
    """

    def transform(df: DataFrame) -> DataFrame:
        return df.withColumn("_index", F.col(order).bitwiseAND(F.lit(_ROW_IN_PARTITION))).drop(order)

    return transform


def with_line_numbers(df: DataFrame) -> DataFrame:
    """`line_number` (1-based, physical) = lines in the file's earlier splits (`_offset`) + `_index` + 1."""
    return df.withColumn("line_number", F.col("_offset") + F.col("_index") + F.lit(1)).drop("_offset")


def split_offsets(line_counts: Mapping[int, int], header_lines: int = 0) -> dict[int, int]:
    """Lines before each split of one file, from the data lines counted per split (by split start offset).

    The header, if any, is the first line of the split starting at 0 and is not among its counted lines.
    """
    offsets, before = {}, 0
    for start in sorted(line_counts):
        offsets[start] = before if start == 0 else before + header_lines
        before += line_counts[start]
    return offsets


def with_decoded_text(charset: str, strip_bom: bool, first_line: Column | None = None) -> Transform:
    """Decode each line's bytes (`value`, as the text source read them) into `text`; invalid bytes become U+FFFD.

    UTF-8 is checked in place (make_valid_utf8); other charsets (cp874) are decoded from the bytes, which needs
    spark.sql.legacy.javaCharsets and spark.sql.legacy.codingErrorAction (replace instead of fail), set by the job.
    A byte-order mark is removed from the file's first line only (`first_line`, default: line_number 1).
    """
    is_first = F.col("line_number") == 1 if first_line is None else first_line

    def transform(df: DataFrame) -> DataFrame:
        if charset.upper() == "UTF-8":
            text = F.make_valid_utf8(F.col("value"))
        else:
            text = F.decode(F.col("value").cast("binary"), charset)
        if strip_bom:
            text = F.when(is_first, F.regexp_replace(text, f"^{BYTE_ORDER_MARK}", "")).otherwise(text)
        return df.withColumn("text", text).drop("value")

    return transform


def csv_field_count(text: Column, delimiter: str, quote: str) -> Column:
    """Fields in a CSV line, respecting quotes; -1 when a quote is left open (the line cannot be parsed)."""
    q, d = re.escape(quote), re.escape(delimiter)
    # Remove every well-formed quoted field (doubled quotes inside it are escapes); any quote left is stray.
    unquoted = F.regexp_replace(text, f"{q}(?:[^{q}]|{q}{q})*{q}", "")
    quoted_count = F.when(unquoted.contains(quote), F.lit(-1)).otherwise(F.size(F.split(unquoted, d, -1)))
    # Most lines hold no quote at all: count delimiters without a regular expression.
    plain_count = F.length(text) - F.length(F.replace(text, F.lit(delimiter), F.lit(""))) + F.lit(1)
    return F.when(~text.contains(quote), plain_count).otherwise(quoted_count)


def _first_reason(checks: Sequence[tuple[Column, str, Column]]) -> tuple[Column, Column]:
    """The first failing check's (code, reason); nulls when every check passes."""
    code, reason = F.lit(None).cast("string"), F.lit(None).cast("string")
    for failed, name, why in reversed(checks):
        code = F.when(failed, F.lit(name)).otherwise(code)
        reason = F.when(failed, why).otherwise(reason)
    return code, reason


def _missing_required(values: Mapping[str, Column]) -> tuple[Column, Column]:
    """(any required value null/blank, reason naming the empty fields)."""
    if not values:
        return F.lit(False), F.lit(None).cast("string")
    # One reference per value: Spark then parses only the required fields of a CSV line.
    empty = {name: F.trim(F.coalesce(value.cast("string"), F.lit(""))) == "" for name, value in values.items()}
    names = F.concat_ws(", ", *[F.when(is_empty, F.lit(name)) for name, is_empty in empty.items()])
    failed = F.lit(False)
    for is_empty in empty.values():
        failed = failed | is_empty
    return failed, F.concat(F.lit("required field(s) empty: "), names)


def _too_long(values: Mapping[str, tuple[Column, int]], of_line: bool = True) -> tuple[Column, Column]:
    """(any field longer than its limit in characters, reason naming the fields with their lengths).

    Fields of a line (`of_line`) are only measured when the line is longer than the smallest limit.
    """
    if not values:
        return F.lit(False), F.lit(None).cast("string")
    floor = min(limit for _, limit in values.values())
    over = {name: F.length(value.cast("string")) > F.lit(limit) for name, (value, limit) in values.items()}
    failed = F.lit(False)
    for is_over in over.values():
        failed = failed | F.coalesce(is_over, F.lit(False))
    described = [
        F.when(is_over, F.concat(F.lit(f"{name} ("), F.length(value.cast("string")).cast("string"), F.lit(f" > {limit})")))
        for (name, (value, limit)), is_over in zip(values.items(), over.values(), strict=True)
    ]
    reason = F.concat(F.lit("field(s) longer than allowed, in characters: "), F.concat_ws(", ", *described))
    return ((F.length(F.col("text")) > F.lit(floor)) & failed if of_line else failed), reason


def _map_too_long(limits: Mapping[str, int], default_limit: int) -> tuple[Column, Column]:
    """Over-long values of the parsed JSON object `_map` (limit per key, the default for keys not in `limits`)."""
    floor = min([default_limit, *limits.values()])
    by_key = F.create_map(*[part for key, value in limits.items() for part in (F.lit(key), F.lit(value))]) if limits else None

    def limit(key: Column) -> Column:
        return F.lit(default_limit) if by_key is None else F.coalesce(by_key[key], F.lit(default_limit))

    over = F.filter(F.map_entries(F.col("_map")), lambda e: F.length(e["value"]) > limit(e["key"]))
    described = F.transform(
        over,
        lambda e: F.concat(
            e["key"], F.lit(" ("), F.length(e["value"]).cast("string"), F.lit(" > "), limit(e["key"]).cast("string"), F.lit(")")
        ),
    )
    failed = (F.length(F.col("text")) > F.lit(floor)) & (F.size(over) > 0)
    return failed, F.concat(F.lit("field(s) longer than allowed, in characters: "), F.array_join(described, ", "))


def _bad_bytes_checks() -> list[tuple[Column, str, Column]]:
    # `contains` searches bytes; `instr` would count characters up to the match (several times slower).
    text = F.col("text")
    return [
        (text.contains(REPLACEMENT_CHAR), BAD_ENCODING, F.lit("bytes invalid in the declared encoding")),
        (text.contains(NUL), NUL_BYTE, F.lit("line holds a NUL byte")),
    ]


def csv_fields(text: Column, width: int, delimiter: str, quote: str) -> Column:
    """The line's fields as a struct _c0.._cN of strings, by position (`"` doubled inside a quoted field)."""
    schema = ", ".join(f"_c{i} string" for i in range(width))
    return F.from_csv(text, schema, {"sep": delimiter, "quote": quote, "escape": quote, "mode": "PERMISSIVE"})


def with_csv_fields(header_width: int, delimiter: str, quote: str) -> Transform:
    """Parse `text` into `_fields` (struct _c0.._cN of strings, by position) and count its fields (`_field_count`)."""

    def transform(df: DataFrame) -> DataFrame:
        return df.withColumn("_field_count", csv_field_count(F.col("text"), delimiter, quote)).withColumn(
            "_fields", csv_fields(F.col("text"), header_width, delimiter, quote)
        )

    return transform


def with_csv_problems(
    header_width: int,
    required_positions: Mapping[str, int],
    field_limits: Mapping[str, tuple[int, int]] | None = None,
    unterminated_last: Column | None = None,
    delimiter: str = ",",
    quote: str = '"',
) -> Transform:
    """Classify parsed CSV lines: `_reason_code` / `_reason` null for a good line.

    Order: bad bytes first (nothing else about the line can be trusted), NUL bytes, then the field count —
    on the file's last line without a final newline (`unterminated_last`) that is `truncated_last_line`
    (the delivery was cut off), elsewhere `wrong_column_count` — then over-long fields
    (`field_limits`: name -> (position, limit in characters)), then required fields empty.
    """
    cut_off = F.lit(False) if unterminated_last is None else unterminated_last

    def transform(df: DataFrame) -> DataFrame:
        count = F.col("_field_count")
        wrong_count = count != F.lit(header_width)
        count_text = F.when(count < 0, F.lit("an unclosed quote")).otherwise(F.concat(count.cast("string"), F.lit(" fields")))
        # Field lengths from a parse of their own, reached only for lines longer than the smallest limit.
        every_field = csv_fields(F.col("text"), header_width, delimiter, quote)
        too_long, too_long_why = _too_long({n: (every_field[f"_c{i}"], lim) for n, (i, lim) in (field_limits or {}).items()})
        missing, missing_why = _missing_required({n: F.col(f"_fields._c{i}") for n, i in required_positions.items()})
        checks = [
            *_bad_bytes_checks(),
            (
                wrong_count & cut_off,
                TRUNCATED_LAST_LINE,
                F.concat(F.lit("last line has no final newline and "), count_text, F.lit(f"; header has {header_width}")),
            ),
            (wrong_count, WRONG_COLUMN_COUNT, F.concat(F.lit("line has "), count_text, F.lit(f"; header has {header_width}"))),
            (too_long, FIELD_TOO_LONG, too_long_why),
            (missing, MISSING_REQUIRED, missing_why),
        ]
        code, reason = _first_reason(checks)
        return df.withColumn("_reason_code", code).withColumn("_reason", reason)

    return transform


def with_json_fields(df: DataFrame) -> DataFrame:
    """Parse `text` as one strict JSON object into `_map` (key -> value as JSON text); null when it is not one.

    Nested objects and arrays keep their JSON text (the BMN `members` array). The line is parsed wrapped in
    `[ ]` so that anything after the object (two records run together, trailing text) makes it invalid:
    Jackson would otherwise stop after the first object and drop the rest silently.
    """
    wrapped = F.from_json(F.concat(F.lit("["), F.col("text"), F.lit("]")), "array<map<string,string>>", STRICT_JSON_OPTIONS)
    one_object = (F.size("_parsed") == 1) & F.rtrim(F.col("text")).endswith("}")
    # Parsed in a column of its own: an expression used twice in one projection would be parsed twice.
    return df.withColumn("_parsed", wrapped).withColumn("_map", F.when(one_object, F.col("_parsed").getItem(0))).drop("_parsed")


def with_json_problems(
    required: Sequence[str],
    field_limits: Mapping[str, int] | None = None,
    default_limit: int | None = None,
    unterminated_last: Column | None = None,
) -> Transform:
    """Classify parsed JSON lines: bad bytes, NUL bytes (raw or as \\u0000 in a value), invalid JSON
    (`truncated_last_line` when it is the cut-off last line), over-long values, then required keys."""
    cut_off = F.lit(False) if unterminated_last is None else unterminated_last

    def transform(df: DataFrame) -> DataFrame:
        invalid = F.col("_map").isNull()
        # Only a line spelling the escape can hold a NUL in a value: search the values then alone.
        escaped_nul = F.col("text").contains("\\u0000") & F.exists(F.map_values(F.col("_map")), lambda v: v.contains(NUL))
        if default_limit is None:
            too_long, too_long_why = F.lit(False), F.lit(None).cast("string")
        else:
            too_long, too_long_why = _map_too_long(field_limits or {}, default_limit)
        missing, missing_why = _missing_required({name: F.col("_map").getItem(name) for name in required})
        checks = [
            *_bad_bytes_checks(),
            (
                invalid & cut_off,
                TRUNCATED_LAST_LINE,
                F.lit("last line has no final newline and is not a complete JSON object"),
            ),
            (invalid, INVALID_JSON, F.lit("line is not one strict JSON object")),
            (F.coalesce(escaped_nul, F.lit(False)), NUL_BYTE, F.lit("a value holds a NUL character (\\u0000)")),
            (too_long, FIELD_TOO_LONG, too_long_why),
            (missing, MISSING_REQUIRED, missing_why),
        ]
        code, reason = _first_reason(checks)
        return df.withColumn("_reason_code", code).withColumn("_reason", reason)

    return transform


def with_record_problems(required: Sequence[str], string_limits: Mapping[str, int] | None = None) -> Transform:
    """Classify typed records (Parquet): NUL characters or over-long values in string columns, required fields missing."""
    limits = string_limits or {}

    def transform(df: DataFrame) -> DataFrame:
        has_nul = F.lit(False)
        for name in limits:
            has_nul = has_nul | F.coalesce(F.col(name).contains(NUL), F.lit(False))
        too_long, too_long_why = _too_long({name: (F.col(name), limit) for name, limit in limits.items()}, of_line=False)
        missing, missing_why = _missing_required({name: F.col(name) for name in required})
        checks = [
            (has_nul, NUL_BYTE, F.lit("a value holds a NUL character")),
            (too_long, FIELD_TOO_LONG, too_long_why),
            (missing, MISSING_REQUIRED, missing_why),
        ]
        code, reason = _first_reason(checks)
        return df.withColumn("_reason_code", code).withColumn("_reason", reason)

    return transform


def json_key_mask(columns: Sequence[str]) -> Column:
    """Bit i set when the parsed object `_map` has the key columns[i] (for 'which contract keys never occur')."""
    mask = F.lit(0).cast("long")
    for i, name in enumerate(columns):
        mask = mask.bitwiseOR(F.when(F.col("_map").getItem(name).isNotNull(), F.lit(1 << i)).otherwise(F.lit(0)).cast("long"))
    return mask


def json_extra_keys(columns: Sequence[str]) -> Column:
    """Sorted keys of `_map` that the contract does not name (empty array for a conforming line)."""
    return F.array_sort(F.array_except(F.map_keys(F.col("_map")), F.array(*[F.lit(c) for c in columns])))


def extra_map(pairs: Sequence[tuple[str, Column]], keep_if_null: bool = True) -> Column:
    """map<string,string> of unexpected columns (name -> value as text); empty map when there are none."""
    if not pairs:
        return F.create_map().cast("map<string,string>")
    built = F.create_map(*[part for name, value in pairs for part in (F.lit(name), value.cast("string"))])
    return built if keep_if_null else F.map_filter(built, lambda _k, v: v.isNotNull())


def select_csv_columns(
    columns: Sequence[str], header: Sequence[str], trailing_unnamed: bool, keep: Sequence[str] = ("line_number",)
) -> Transform:
    """Contract columns from `_fields` by header position (absent optional ones null), unexpected ones into `_extra`.

    The unnamed trailing column of an Excel export is expected: kept in `_extra` (key "") only when it holds a value.
    """

    def transform(df: DataFrame) -> DataFrame:
        position = {name: i for i, name in reversed(list(enumerate(header)))}
        values = [(F.col(f"_fields._c{position[c]}") if c in position else F.lit(None).cast("string")).alias(c) for c in columns]
        last = len(header) - 1
        extras = [
            (name, F.col(f"_fields._c{i}"))
            for i, name in enumerate(header)
            if name not in columns and not (trailing_unnamed and i == last and name == "")
        ]
        trailing = [("", F.col(f"_fields._c{last}"))] if trailing_unnamed and header and header[-1] == "" else []
        extra = F.map_concat(extra_map(extras), extra_map(trailing, keep_if_null=False)) if trailing else extra_map(extras)
        return df.select(*values, extra.alias("_extra"), *keep)

    return transform


def select_json_columns(columns: Sequence[str], keep: Sequence[str] = ("line_number",)) -> Transform:
    """Contract keys from `_map` (absent ones null), every other key into `_extra`."""

    def transform(df: DataFrame) -> DataFrame:
        expected = F.array(*[F.lit(c) for c in columns])
        # The lambda of map_filter runs interpreted: only for the rare line that has unexpected keys.
        has_extra = F.size(F.array_except(F.map_keys(F.col("_map")), expected)) > 0
        extra = F.when(has_extra, F.map_filter(F.col("_map"), lambda k, _v: ~F.array_contains(expected, k))).otherwise(
            F.create_map().cast("map<string,string>")
        )
        return df.select(*[F.col("_map").getItem(c).alias(c) for c in columns], extra.alias("_extra"), *keep)

    return transform


def select_record_columns(columns: Sequence[str], extras: Sequence[str], keep: Sequence[str] = ("line_number",)) -> Transform:
    """Typed contract columns as they are, unexpected ones as text into `_extra`."""

    def transform(df: DataFrame) -> DataFrame:
        return df.select(*columns, extra_map([(e, F.col(e)) for e in extras]).alias("_extra"), *keep)

    return transform


def with_row_hash(columns: Sequence[str]) -> Transform:
    """`_row_hash`: SHA-256 of the record's contract values as delivered (not where it came from).

    Equal records in two deliveries get equal hashes, so later stages can see redelivered records.
    """

    def transform(df: DataFrame) -> DataFrame:
        payload = F.to_json(F.struct(*[F.col(c) for c in columns]), {"ignoreNullFields": "false"})
        return df.withColumn("_row_hash", F.sha2(payload, 256))

    return transform
