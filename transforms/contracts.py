"""Source contracts: conf/sources/<source>.yaml, one per agency delivery, validated by pydantic.

A contract says how to read a source's files (format, encoding, delimiter, quoting, header) and what
they should hold (columns, which are required, the record key). A new agency needs a new YAML file,
not new code. Errors name the file, the key and the reason, before Spark starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from transforms.conf import CONF_DIR, ConfigError, Strict, load

SOURCES_DIR = CONF_DIR / "sources"

# Contract encoding name -> (Java charset Spark decodes with, whether a leading byte-order mark is expected).
ENCODINGS: dict[str, tuple[str, bool]] = {
    "cp874": ("x-windows-874", False),
    "utf-8": ("UTF-8", False),
    "utf-8-sig": ("UTF-8", True),
}

# A value longer than this is not a name, code or date but a runaway field (a missing quote swallowing lines).
DEFAULT_MAX_FIELD_CHARS = 4000

# Parquet column types a contract may declare (Spark SQL type names).
PARQUET_TYPES = ("string", "int", "bigint", "double", "boolean", "date", "timestamp")


class ColumnContract(Strict):
    name: str = Field(min_length=1, description="Column (CSV header / JSON key / Parquet field) name")
    description: str = Field(min_length=1, description="What the column holds; becomes the bronze column comment")
    required: bool = Field(default=False, description="A row without a value here is quarantined (missing_required)")
    type: Literal[PARQUET_TYPES] = Field(default="string", description="Parquet only: the type the file carries")
    max_chars: int | None = Field(
        default=None, gt=0, description="Longest value allowed, in characters (default: the source's max_field_chars)"
    )


class SourceContract(Strict):
    source: str = Field(description="Source name: the landing folder and the bronze table name")
    description: str = Field(min_length=1)
    format: Literal["csv", "jsonl", "parquet"]
    encoding: Literal[tuple(ENCODINGS)] | None = Field(default=None, description="Text formats only")
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    quote: str = Field(default='"', min_length=1, max_length=1)
    header: bool = Field(default=True, description="CSV only: the first line names the columns")
    trailing_empty_column: bool = Field(default=False, description="CSV only: lines end with an extra empty, unnamed column (Excel export)")
    record_key: list[str] = Field(min_length=1, description="Columns that identify a record (natural key)")
    max_field_chars: int = Field(
        default=DEFAULT_MAX_FIELD_CHARS,
        gt=0,
        description="Longest value allowed in any field, in characters; a longer one quarantines the row (field_too_long)",
    )
    columns: list[ColumnContract] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> SourceContract:
        if not self.source.isidentifier():
            raise ValueError(f"source {self.source!r} must be a simple name (it becomes bronze.{self.source})")
        names = [c.name for c in self.columns]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"columns: duplicated name(s) {', '.join(duplicated)}")
        unknown = [k for k in self.record_key if k not in names]
        if unknown:
            raise ValueError(f"record_key: {', '.join(unknown)} not among the columns")
        if self.format != "parquet" and self.encoding is None:
            raise ValueError(f"encoding: required for format {self.format} (one of {', '.join(ENCODINGS)})")
        if self.format == "parquet" and self.encoding is not None:
            raise ValueError("encoding: not used for parquet; remove it")
        if self.format != "parquet" and any(c.type != "string" for c in self.columns):
            raise ValueError("columns: type is only for parquet (text formats are kept as strings)")
        return self

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def field_limits(self) -> dict[str, int]:
        """Longest value allowed per contract column, in characters."""
        return {c.name: c.max_chars or self.max_field_chars for c in self.columns}

    @property
    def java_charset(self) -> str:
        return ENCODINGS[self.encoding][0] if self.encoding else "UTF-8"

    @property
    def has_bom(self) -> bool:
        return bool(self.encoding and ENCODINGS[self.encoding][1])


def load_contract(path: Path) -> SourceContract:
    """Read and validate one contract file; raise ConfigError naming the file, key and reason."""
    contract = load(path, SourceContract, "source contract")
    if contract.source != path.stem:
        raise ConfigError(f"{path}: source: says {contract.source!r} but the file is named for {path.stem!r}")
    return contract


def load_contracts(sources_dir: Path = SOURCES_DIR) -> dict[str, SourceContract]:
    """Every contract in conf/sources/, by source name."""
    return {p.stem: load_contract(p) for p in sorted(sources_dir.glob("*.yaml"))}
