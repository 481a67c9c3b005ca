"""Pure parts of bronze ingestion: physical line numbers, decoding, line classification, parsing, row hash.

Every function here takes and returns DataFrames (or builds Columns); the job (jobs/ingest.py) does the
reading and writing. A data line ends in exactly one place: classified good (`_reason_code` null) and
parsed into the contract's columns, or classified bad with a reason code and a human reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

REPLACEMENT_CHAR = "\ufffd"
BYTE_ORDER_MARK = "\ufeff"

# Row-level reason codes (file-level ones are set by the job: unreadable_file, missing_required_column).
WRONG_COLUMN_COUNT = "wrong_column_count"
BAD_ENCODING = "bad_encoding"
INVALID_JSON = "invalid_json"
MISSING_REQUIRED = "missing_required"
TRUNCATED_LAST_LINE = "truncated_last_line"
UNREADABLE_FILE = "unreadable_file"
MISSING_REQUIRED_COLUMN = "missing_required_column"

Transform = Callable[[DataFrame], DataFrame]


def with_line_numbers(df: DataFrame, block: str = "_block", order: str = "_order") -> DataFrame:
    """Add `line_number` (1-based, in file order) to the rows of ONE file read by a file source.

    `block` is the split's start offset in the file (`_metadata.file_block_start`) and `order` a
    monotonically_increasing_id taken right at the scan: a split is read in order inside one task, so
    ids are consecutive within a block, and blocks ordered by start offset give the file order.
    """
    blocks = (
        df.groupBy(block)
        .agg(F.count(F.lit(1)).alias("_rows"), F.min(order).alias("_first"))
        # A handful of rows (one per split): a global window is cheap here.
        .withColumn("_before", F.sum("_rows").over(Window.orderBy(block)) - F.col("_rows"))
    )
    return (
        df.join(F.broadcast(blocks), on=block, how="inner")
        .withColumn("line_number", F.col("_before") + F.col(order) - F.col("_first") + F.lit(1))
        .drop(block, order, "_rows", "_first", "_before")
    )


def with_decoded_text(charset: str, strip_bom: bool) -> Transform:
    """Decode the raw bytes of each line (`raw`) into `text`; invalid bytes become U+FFFD.

    Needs spark.sql.legacy.javaCharsets (cp874) and spark.sql.legacy.codingErrorAction (replace instead
    of fail), which the job sets while it reads. A byte-order mark is removed from line 1 only.
    """

    def transform(df: DataFrame) -> DataFrame:
        text = F.decode(F.col("raw"), charset)
        if strip_bom:
            text = F.when(F.col("line_number") == 1, F.regexp_replace(text, f"^{BYTE_ORDER_MARK}", "")).otherwise(text)
        return df.withColumn("text", text)

    return transform


def csv_field_count(text: Column, delimiter: str, quote: str) -> Column:
    """Fields in a CSV line, respecting quotes; -1 when a quote is left open (the line cannot be parsed)."""
    q, d = re.escape(quote), re.escape(delimiter)
    # Remove every well-formed quoted field (doubled quotes inside it are escapes); any quote left is stray.
    unquoted = F.regexp_replace(text, f"{q}(?:[^{q}]|{q}{q})*{q}", "")
    return F.when(F.instr(unquoted, quote) > 0, F.lit(-1)).otherwise(F.size(F.split(unquoted, d, -1)))


def _first_reason(checks: Sequence[tuple[Column, str, Column]]) -> tuple[Column, Column]:
    """The first failing check's (code, reason); nulls when every check passes."""
    code, reason = F.lit(None).cast("string"), F.lit(None).cast("string")
    for failed, name, why in reversed(checks):
        code = F.when(failed, F.lit(name)).otherwise(code)
        reason = F.when(failed, why).otherwise(reason)
    return code, reason


def _last_line_unterminated(last_line: int, ends_with_newline: bool) -> Column:
    return F.lit(not ends_with_newline) & (F.col("line_number") == F.lit(last_line))


def _missing_required(values: dict[str, Column]) -> tuple[Column, Column]:
    """(any required value null/blank, reason naming the empty fields)."""
    if not values:
        return F.lit(False), F.lit(None).cast("string")
    empty = {name: value.isNull() | (F.trim(value.cast("string")) == "") for name, value in values.items()}
    names = F.concat_ws(", ", *[F.when(is_empty, F.lit(name)) for name, is_empty in empty.items()])
    failed = F.lit(False)
    for is_empty in empty.values():
        failed = failed | is_empty
    return failed, F.concat(F.lit("required field(s) empty: "), names)


def with_csv_fields(header_width: int, delimiter: str, quote: str) -> Transform:
    """Parse `text` into `_fields` (struct _c0.._cN of strings, by position) when it has header_width fields."""
    schema = ", ".join(f"_c{i} string" for i in range(header_width))
    options = {"sep": delimiter, "quote": quote, "escape": quote, "mode": "PERMISSIVE"}

    def transform(df: DataFrame) -> DataFrame:
        return df.withColumn("_field_count", csv_field_count(F.col("text"), delimiter, quote)).withColumn(
            "_fields", F.from_csv(F.col("text"), schema, options)
        )

    return transform


def with_csv_problems(header_width: int, required_positions: dict[str, int], last_line: int, ends_with_newline: bool) -> Transform:
    """Classify parsed CSV lines: `_reason_code` / `_reason` null for a good line.

    Order: bad bytes first (nothing else about the line can be trusted), then the field count — on the
    file's last line without a final newline that is `truncated_last_line` (the delivery was cut off),
    elsewhere `wrong_column_count` — then required fields empty.
    """

    def transform(df: DataFrame) -> DataFrame:
        count = F.col("_field_count")
        wrong_count = count != F.lit(header_width)
        count_text = F.when(count < 0, F.lit("an unclosed quote")).otherwise(F.concat(count.cast("string"), F.lit(" fields")))
        missing, missing_why = _missing_required({n: F.col(f"_fields._c{i}") for n, i in required_positions.items()})
        checks = [
            (F.instr(F.col("text"), REPLACEMENT_CHAR) > 0, BAD_ENCODING, F.lit("bytes invalid in the declared encoding")),
            (
                wrong_count & _last_line_unterminated(last_line, ends_with_newline),
                TRUNCATED_LAST_LINE,
                F.concat(F.lit("last line has no final newline and "), count_text, F.lit(f"; header has {header_width}")),
            ),
            (wrong_count, WRONG_COLUMN_COUNT, F.concat(F.lit("line has "), count_text, F.lit(f"; header has {header_width}"))),
            (missing, MISSING_REQUIRED, missing_why),
        ]
        code, reason = _first_reason(checks)
        return df.withColumn("_reason_code", code).withColumn("_reason", reason)

    return transform


def with_json_fields(df: DataFrame) -> DataFrame:
    """Parse `text` as a JSON object into `_map` (key -> value as JSON text); null when not a JSON object."""
    # A nested object or array read as a string keeps its JSON text, e.g. the BMN `members` array.
    parsed = F.from_json(F.col("text"), "map<string,string>", {"mode": "PERMISSIVE"})
    is_object = F.ltrim(F.col("text")).startswith("{")
    return df.withColumn("_map", F.when(is_object, parsed))


def with_json_problems(required: Sequence[str], last_line: int, ends_with_newline: bool) -> Transform:
    """Classify parsed JSON lines: bad bytes, then invalid JSON (truncated when it is the cut-off last line), then required keys."""

    def transform(df: DataFrame) -> DataFrame:
        invalid = F.col("_map").isNull()
        missing, missing_why = _missing_required({name: F.col("_map").getItem(name) for name in required})
        checks = [
            (F.instr(F.col("text"), REPLACEMENT_CHAR) > 0, BAD_ENCODING, F.lit("bytes invalid in the declared encoding")),
            (
                invalid & _last_line_unterminated(last_line, ends_with_newline),
                TRUNCATED_LAST_LINE,
                F.lit("last line has no final newline and is not a complete JSON object"),
            ),
            (invalid, INVALID_JSON, F.lit("line is not a JSON object")),
            (missing, MISSING_REQUIRED, missing_why),
        ]
        code, reason = _first_reason(checks)
        return df.withColumn("_reason_code", code).withColumn("_reason", reason)

    return transform


def with_record_problems(required: Sequence[str]) -> Transform:
    """Classify typed records (Parquet): only required fields can be missing."""

    def transform(df: DataFrame) -> DataFrame:
        missing, missing_why = _missing_required({name: F.col(name) for name in required})
        code, reason = _first_reason([(missing, MISSING_REQUIRED, missing_why)])
        return df.withColumn("_reason_code", code).withColumn("_reason", reason)

    return transform


def extra_map(pairs: Sequence[tuple[str, Column]], keep_if_null: bool = True) -> Column:
    """map<string,string> of unexpected columns (name -> value as text); empty map when there are none."""
    if not pairs:
        return F.create_map().cast("map<string,string>")
    built = F.create_map(*[part for name, value in pairs for part in (F.lit(name), value.cast("string"))])
    return built if keep_if_null else F.map_filter(built, lambda _k, v: v.isNotNull())


def select_csv_columns(columns: Sequence[str], header: Sequence[str], trailing_unnamed: bool) -> Transform:
    """Contract columns from `_fields` by header position (absent optional ones null), unexpected ones into `_extra`.

    The unnamed trailing column of an Excel export is expected: kept in `_extra` (key "") only when it holds a value.
    """

    def transform(df: DataFrame) -> DataFrame:
        position = {name: i for i, name in reversed(list(enumerate(header)))}
        values = [
            (F.col(f"_fields._c{position[c]}") if c in position else F.lit(None).cast("string")).alias(c) for c in columns
        ]
        last = len(header) - 1
        extras = [
            (name, F.col(f"_fields._c{i}"))
            for i, name in enumerate(header)
            if name not in columns and not (trailing_unnamed and i == last and name == "")
        ]
        trailing = [("", F.col(f"_fields._c{last}"))] if trailing_unnamed and header and header[-1] == "" else []
        extra = F.map_concat(extra_map(extras), extra_map(trailing, keep_if_null=False)) if trailing else extra_map(extras)
        return df.select(*values, extra.alias("_extra"), "line_number")

    return transform


def select_json_columns(columns: Sequence[str]) -> Transform:
    """Contract keys from `_map` (absent ones null), every other key into `_extra`."""

    def transform(df: DataFrame) -> DataFrame:
        expected = F.array(*[F.lit(c) for c in columns])
        extra = F.map_filter(F.col("_map"), lambda k, _v: ~F.array_contains(expected, k))
        return df.select(*[F.col("_map").getItem(c).alias(c) for c in columns], extra.alias("_extra"), "line_number")

    return transform


def select_record_columns(columns: Sequence[str], extras: Sequence[str]) -> Transform:
    """Typed contract columns as they are, unexpected ones as text into `_extra`."""

    def transform(df: DataFrame) -> DataFrame:
        return df.select(*columns, extra_map([(e, F.col(e)) for e in extras]).alias("_extra"), "line_number")

    return transform


def with_row_hash(columns: Sequence[str]) -> Transform:
    """`_row_hash`: SHA-256 of the record's contract values as delivered (not where it came from).

    Equal records in two deliveries get equal hashes, so later stages can see redelivered records.
    """

    def transform(df: DataFrame) -> DataFrame:
        payload = F.to_json(F.struct(*[F.col(c) for c in columns]), {"ignoreNullFields": "false"})
        return df.withColumn("_row_hash", F.sha2(payload, 256))

    return transform
