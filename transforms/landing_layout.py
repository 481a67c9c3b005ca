"""How a landing file's rows are laid out, decided from its header line or Parquet schema (pure, no Spark).

ingest reads the first line or the footer; these functions decide what the file can load, which columns it
lacks or adds, and the bronze table's schema.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from transforms.bronze import BYTE_ORDER_MARK, MISSING_REQUIRED_COLUMN, UNREADABLE_FILE
from transforms.contracts import SourceContract


@dataclass(frozen=True)
class LandingFile:
    source: str
    delivery: str
    file: str
    path: str
    size_bytes: int
    modified_at: datetime
    checksum: str | None = None
    ends_with_newline: bool = True


@dataclass(frozen=True)
class Layout:
    """How a file's rows are read: CSV header, Parquet schema, or JSON lines; or why none of its rows can load."""

    header: tuple[str, ...] = ()
    parquet_schema: str = ""
    types: tuple[tuple[str, str], ...] = ()  # Parquet: (column, Spark type) as in the file
    whole_file: tuple[str, str] | None = None  # (reason code, reason): every data row goes to quarantine


@dataclass(frozen=True)
class PlannedFile:
    file: LandingFile
    layout: Layout


def header_layout(contract: SourceContract, landing_file: LandingFile, first: str | None) -> PlannedFile | str:
    """A CSV file's layout from its first line (as decoded); a string (the reason) when it has none."""
    if first is None:
        return "empty file: no header line"
    if contract.has_bom:
        first = first.removeprefix(BYTE_ORDER_MARK)
    header = tuple(name.strip() for name in next(csv.reader([first], delimiter=contract.delimiter, quotechar=contract.quote), []))
    missing = [c for c in contract.required_columns if c not in header]
    if missing:
        reason = f"required column(s) {', '.join(missing)} missing from the header (found: {', '.join(header)})"
        return PlannedFile(landing_file, Layout(header=header, whole_file=(MISSING_REQUIRED_COLUMN, reason)))
    return PlannedFile(landing_file, Layout(header=header))


def parquet_layout(contract: SourceContract, layout: Layout, types: dict[str, str]) -> Layout:
    """The layout with the file's Spark column types; the whole file quarantined when a required column is
    missing or a column's type is not the contract's."""
    missing = [c for c in contract.required_columns if c not in types]
    mistyped = [
        f"{c.name} is {types[c.name]}, contract says {c.type}" for c in contract.columns if c.name in types and types[c.name] != c.type
    ]
    whole_file = None
    if missing or mistyped:
        parts = [f"required column(s) {', '.join(missing)} missing"] if missing else []
        whole_file = (MISSING_REQUIRED_COLUMN if missing else UNREADABLE_FILE, "; ".join(parts + mistyped))
    return replace(layout, types=tuple(types.items()), whole_file=whole_file)


def is_trailing_unnamed(contract: SourceContract, header: list[str], index: int) -> bool:
    return contract.trailing_empty_column and index == len(header) - 1 and header[index] == ""


def file_columns(
    contract: SourceContract, layout: Layout, rows_loaded: int, key_mask: int = 0, json_keys: Iterable[str] = ()
) -> tuple[list[str], list[str]]:
    """(extra columns, missing contract columns) of a file as read: CSV by its header, JSON by the keys its
    loaded lines had (key_mask: bit i = contract column i seen), Parquet by its schema."""
    names = contract.column_names
    if layout.whole_file:
        present = list(layout.header) or [name for name, _ in layout.types]
        return [], [c for c in names if c not in present]
    if contract.format == "csv":
        present = list(layout.header) if contract.header else names
        extras = [n for i, n in enumerate(present) if n not in names and not is_trailing_unnamed(contract, present, i)]
    elif contract.format == "jsonl":
        present = [c for i, c in enumerate(names) if key_mask >> i & 1 or not rows_loaded]
        extras = list(json_keys)
    else:
        present = [name for name, _ in layout.types]
        extras = [c for c in present if c not in names]
    return sorted(extras), [c for c in names if c not in present]


def bronze_schema(contract: SourceContract) -> str:
    """bronze.<source>: the contract's columns (typed for Parquet, text otherwise) and where each row came from."""
    typed = contract.format == "parquet"
    columns = ", ".join(f"`{c.name}` {c.type if typed else 'string'}" for c in contract.columns)
    return (
        f"{columns}, _extra map<string,string>, _source_file string, _delivery string, _line_number long, "
        "_ingested_at timestamp, _batch_id string, _row_hash string"
    )
