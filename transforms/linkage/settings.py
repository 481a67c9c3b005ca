"""conf/linkage.yaml, validated: what links to what, blocking rules, comparisons and thresholds."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from transforms.conf import CONF_DIR, Strict, load

SETTINGS_FILE = CONF_DIR / "linkage.yaml"


class _Strict(Strict):
    model_config = ConfigDict(populate_by_name=True)  # merged with Strict's: forbid, frozen


class Level(_Strict):
    label: str
    sql: str = Field(description="Splink SQL condition on <col>_l / <col>_r, or ELSE")
    is_null: bool = False
    fixed_m: float | None = Field(
        None, gt=0, le=1, description="m probability set here and never trained: a level that must weigh a given amount whatever the data"
    )


class Comparison(_Strict):
    name: str
    levels: list[Level] = Field(min_length=2)

    @model_validator(mode="after")
    def _ends_with_else(self) -> Comparison:
        if self.levels[-1].sql.strip().upper() != "ELSE":
            raise ValueError(f"comparison {self.name!r}: the last level must be ELSE")
        return self


class Deterministic(_Strict):
    """The ID pass (needs the canonical silver columns: birth_year, first_name, first_name_key)."""

    id_column: str = Field("pid", description="The identifier compared exactly with the spine's")
    id_valid_column: str = Field("pid_valid", description="Boolean column: the identifier passed its checksum")
    corroborate_any: list[Literal["birth_date", "first_name_key", "last_name_key", "first_name", "last_name"]] = Field(min_length=1)
    max_birth_year_gap: int = Field(ge=0, description="An ID whose birth years are further apart than this never links by ID")
    max_first_name_edits: int = Field(
        ge=0,
        description="An ID whose first name is further than this many edits from the registry's (and has another phonetic key) goes to the probabilistic pass",
    )


class Probabilistic(_Strict):
    link_type: Literal["dedupe_only", "link_only"] = Field(
        description="dedupe_only: records of one source are compared too; link_only: only records of different sources"
    )
    threshold_match_probability: float = Field(gt=0, lt=1)
    pairs_floor_match_weight: float
    probability_two_random_records_match: float = Field(gt=0, lt=1)
    em_record_sample_proportion: float = Field(gt=0, le=1)
    em_max_pairs: float = Field(gt=0)
    u_max_pairs: float = Field(gt=0)
    em_blocking_rules: list[list[str]] = Field(min_length=1)
    training_max_records: int = Field(
        gt=0, description="Records (not linked by ID) the model is trained on, at most; a seeded sample above it"
    )
    blocking_rules: list[list[str]] = Field(min_length=1)
    review_margin: float = Field(
        ge=0, description="A record whose two best accepted registry candidates are this close in match weight is not linked but reviewed"
    )
    id_conflict_agrees_on: str | None = Field(
        None,
        description="A record whose own ID names one accepted spine candidate and its other fields a better one is reviewed only "
        "if the ID's candidate also agrees (positive weight) on this comparison, and linked to the ID's candidate if no other "
        "candidate agrees on it; omitted: always reviewed",
    )
    id_conflict_refuted_by: list[str] = Field(
        default_factory=list,
        description="... and not if the ID's candidate disagrees (negative weight) on one of these comparisons: the record's "
        "other fields then name the better candidate on two counts (such as first name and sex) against the ID's one",
    )
    distinct_within: str | None = Field(
        None,
        description="A derived key whose records (non-null, equal) are different persons, such as the members of one survey "
        "household: a spine record one of them holds by its ID is no candidate for the others, and where two of their IDs "
        "name one spine record, the one that disagrees with it on the birth date while the other agrees loses its ID link; "
        "omitted: no such groups",
    )
    unknown_if_shared: dict[str, str] = Field(
        default_factory=dict,
        description="column -> key: a record of a distinct_within group whose key value another record of the group "
        "shares (two members of a household given one first name: one carries the other's) has the column compared as "
        "unknown in the probabilistic pass, unless its own ID is refuted (another member's ID on it); omitted: none",
    )

    @property
    def link_only(self) -> bool:
        return self.link_type == "link_only"


class LinkageSettings(_Strict):
    spine: str
    spine_unique: Literal[True] = Field(
        True,
        description="The engine assumes the spine holds one record per entity: spine records are never compared with "
        "each other, and each is its own person (deduplicate a spine before linking to it)",
    )
    sources: list[str] = Field(min_length=1)
    columns: list[str] | None = Field(
        None,
        description="Columns read from every source table (each needs record_id, unique across sources, and source); "
        "default: the canonical silver columns (conf/CONTRACTS.md)",
    )
    derived_keys: dict[str, str] = Field(
        default_factory=dict, description="Blocking keys computed from the columns: name -> Spark SQL expression"
    )
    deterministic: Deterministic | None = Field(None, description="The ID pass; omitted: every record goes to Splink")
    golden_record: bool = Field(True, description="Build <output>.person, the golden record (needs the canonical columns)")
    probabilistic: Probabilistic
    comparisons: list[Comparison] = Field(min_length=1)

    @model_validator(mode="after")
    def _spine_is_a_source(self) -> LinkageSettings:
        if self.spine not in self.sources:
            raise ValueError(f"spine {self.spine!r} must be listed in sources")
        return self

    @model_validator(mode="after")
    def _canonical_where_needed(self) -> LinkageSettings:
        if self.columns is not None and (self.deterministic is not None or self.golden_record):
            raise ValueError(
                "the ID pass (deterministic) and the golden record need the canonical columns: "
                "with columns set, omit deterministic and set golden_record: false"
            )
        if self.columns is not None and not {"record_id", "source"} <= set(self.columns):
            raise ValueError("columns must include record_id and source")
        return self

    @model_validator(mode="after")
    def _id_conflict_comparison_exists(self) -> LinkageSettings:
        name = self.probabilistic.id_conflict_agrees_on
        names = {c.name for c in self.comparisons}
        if name is not None and name not in names:
            raise ValueError(f"probabilistic.id_conflict_agrees_on: no comparison named {name!r}")
        unknown = sorted(set(self.probabilistic.id_conflict_refuted_by) - names)
        if unknown:
            raise ValueError(f"probabilistic.id_conflict_refuted_by: no comparison named {', '.join(unknown)}")
        if self.probabilistic.id_conflict_refuted_by and name is None:
            raise ValueError("probabilistic.id_conflict_refuted_by needs id_conflict_agrees_on")
        return self

    @model_validator(mode="after")
    def _distinct_within_is_a_derived_key(self) -> LinkageSettings:
        name = self.probabilistic.distinct_within
        if name is not None and name not in self.derived_keys:
            raise ValueError(
                f"probabilistic.distinct_within: no derived key named {name!r} (derived_keys: {', '.join(self.derived_keys) or 'none'})"
            )
        return self

    @model_validator(mode="after")
    def _shared_values_need_groups(self) -> LinkageSettings:
        if self.probabilistic.unknown_if_shared and self.probabilistic.distinct_within is None:
            raise ValueError("probabilistic.unknown_if_shared needs probabilistic.distinct_within (the groups it looks in)")
        return self

    @property
    def id_column(self) -> str | None:
        return self.deterministic.id_column if self.deterministic is not None else None


def load_linkage_settings(path: Path = SETTINGS_FILE) -> LinkageSettings:
    """Read and validate the linkage YAML; errors name the file, the key and the reason."""
    return load(path, LinkageSettings, "linkage settings")
