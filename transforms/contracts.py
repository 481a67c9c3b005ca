"""The source registry: conf/sources/<source>.yaml, one per agency delivery, validated by pydantic.

A contract says how to read a source's files (format, encoding, delimiter, quoting, header) and what
they should hold (columns, which are required, the record key); its `silver` section how its records
become canonical silver rows; `generator` which synthetic builder writes its deliveries; `role` what gold
reads it for. Ingest, standardize, generate, erase and indicators loop over these files: a new agency is
a new YAML file (and its test data), not new code. Errors name the file, the key and the reason, before
Spark starts.
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


# How a delivered value becomes a silver payload column (transforms.silver.sources.payload_column).
PayloadKind = Literal["text", "lower_text", "int", "long", "double", "be_month", "choice", "event_date", "citizen_id"]
PERSON_FIELDS = ("pid", "title", "first_name", "last_name", "sex", "birth_date", "phone", "house_code")


class PersonColumns(Strict):
    """Which delivered column holds each canonical person field (absent: the source does not deliver it).
    Area codes are read from the delivered village_code, subdistrict_code, district_code, province_code."""

    pid: str | None = None
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    sex: str | None = None
    birth_date: str | None = None
    phone: str | None = None
    house_code: str | None = None


class PayloadColumn(Strict):
    name: str = Field(description="Silver column name")
    source: str = Field(description="Delivered column it is read from")
    kind: PayloadKind = Field(
        default="text",
        description="text; lower_text (trimmed, lower case); int, long, double (numbers with separators); be_month "
        "(BE yyyy-mm -> CE yyyy-mm); choice (trimmed, lower-cased value looked up in `values`, else null); "
        "event_date (a date in the source's calendar, with <name>_* issues); citizen_id (another person's ID: "
        "<name> and <name>_valid)",
    )
    values: dict[str, bool] | dict[str, str] | None = Field(default=None, description="choice only: delivered value -> silver value")
    names: list[str] = Field(
        default_factory=list, description="citizen_id only: payload columns naming the same person (erasure clears them with the ID)"
    )
    description: str = Field(min_length=1, description="The silver column comment")

    @model_validator(mode="after")
    def _consistent(self) -> PayloadColumn:
        if (self.kind == "choice") != bool(self.values):
            raise ValueError("values: required (at least one) for kind choice, and only for it")
        if self.names and self.kind != "citizen_id":
            raise ValueError("names: only for kind citizen_id")
        if self.kind == "citizen_id" and not self.name.endswith("pid"):
            raise ValueError(f"name: a citizen_id column's name ends in pid (<prefix>pid, <prefix>pid_valid), not {self.name!r}")
        return self


class SilverMapping(Strict):
    """How the source's records become silver rows. shape `persons`: one record per row, mapped by `person`
    and `payload`, into silver.<source>; `household_survey`: one household per row with its members nested
    (the BMN layout), into silver.<source> (households) and silver.<source>_member (persons)."""

    shape: Literal["persons", "household_survey"] = "persons"
    calendar: Literal["BE", "CE"] = Field(description="Era of the delivered birth and event dates")
    person: PersonColumns = Field(default_factory=PersonColumns)
    payload: list[PayloadColumn] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> SilverMapping:
        if self.shape == "household_survey" and (self.payload or self.person != PersonColumns()):
            raise ValueError("person, payload: the household_survey shape maps its own columns; remove them")
        names = [p.name for p in self.payload]
        unknown = sorted({n for p in self.payload for n in p.names} - set(names))
        if unknown:
            raise ValueError(f"payload: names {', '.join(unknown)} are not payload columns")
        if len(set(names)) < len(names):
            raise ValueError("payload: a column name is used twice")
        return self


# Synthetic builders (transforms.generator.sources.BUILDERS): what kind of agency file is simulated.
Builder = Literal["civil_registry", "household_survey", "welfare_registry", "elderly_allowance", "disability_cards", "child_grant"]
# What gold reads a source for (transforms.gold.build); each role is held by at most one source.
Role = Literal["civil_registry", "household_survey", "welfare_registry", "elderly_allowance", "disability_allowance", "child_grant"]


class GeneratorShape(Strict):
    builder: Builder
    key_prefix: str | None = Field(default=None, pattern="^[0-9]$", description="First digit of generated record keys")
    duplicate_prefix: str | None = Field(default=None, pattern="^[0-9]$", description="First digit of a duplicate record's key")


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
    silver: SilverMapping | None = Field(default=None, description="Absent: the source is ingested into bronze only")
    generator: GeneratorShape | None = Field(default=None, description="Absent: generate does not write this source")
    role: Role | None = Field(default=None, description="What gold reads the source for (absent: not read by gold)")

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
        if self.silver is not None:
            mapped = [v for v in self.silver.person.model_dump().values() if v] + [p.source for p in self.silver.payload]
            unknown = sorted(set(mapped) - set(names))
            if unknown:
                raise ValueError(f"silver: {', '.join(unknown)} not among the columns")
        if self.role is not None and self.silver is None:
            raise ValueError("role: a source gold reads needs a silver section")
        return self

    @property
    def silver_tables(self) -> list[str]:
        """The silver tables standardize writes from this source (household grain first)."""
        if self.silver is None:
            return []
        return [self.source, f"{self.source}_member"] if self.silver.shape == "household_survey" else [self.source]

    @property
    def person_table(self) -> str | None:
        """The silver table of this source's person records (what linkage reads), or None."""
        return self.silver_tables[-1] if self.silver_tables else None

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
    """Every contract in conf/sources/, by source name; ConfigError when two claim one gold role."""
    contracts = {p.stem: load_contract(p) for p in sorted(sources_dir.glob("*.yaml"))}
    roles = [c.role for c in contracts.values() if c.role]
    shared = sorted({r for r in roles if roles.count(r) > 1})
    if shared:
        raise ConfigError(f"{sources_dir}: role {', '.join(shared)} claimed by more than one source (each role is one source)")
    return contracts


def by_role(contracts: dict[str, SourceContract]) -> dict[str, SourceContract]:
    """The sources gold reads, by role."""
    return {c.role: c for c in contracts.values() if c.role}
