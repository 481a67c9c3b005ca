"""The indicator catalogue (conf/indicators.yaml) as validated data: what the rules are built from."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field, model_validator

from transforms.conf import Strict

Op = Literal["lt", "le", "gt", "ge", "eq", "ne", "in", "is_true", "is_false", "is_null"]
LEVELS = ("country", "province", "district", "subdistrict", "village")
Program = Literal["welfare_card", "elderly_allowance", "disability_allowance", "child_grant"]
PROGRAMS: tuple[str, ...] = get_args(Program)
# What an eligibility rule may read: per person, in gold's welfare coverage facts.
ELIGIBILITY_FIELDS = ("age", "is_disabled", "is_poor", "is_target_poor", "surveyed")


class Comparison(Strict):
    field: str | list[str] = Field(description="A member/household field, or fields summed (missing = 0)")
    op: Op
    value: float | int | str | list[str] | None = None

    @model_validator(mode="after")
    def _value_fits_op(self) -> Comparison:
        unary = self.op in ("is_true", "is_false", "is_null")
        if unary and self.value is not None:
            raise ValueError(f"op {self.op} takes no value")
        if not unary and self.value is None:
            raise ValueError(f"op {self.op} needs a value")
        if self.op == "in" and not isinstance(self.value, list):
            raise ValueError("op in needs a list value")
        return self


class AnyOf(Strict):
    any: list[Condition] = Field(min_length=1)


class AllOf(Strict):
    all: list[Condition] = Field(min_length=1)


Condition = Comparison | AnyOf | AllOf
AnyOf.model_rebuild()
AllOf.model_rebuild()


class Population(Strict):
    age_min: int | None = Field(default=None, ge=0)
    age_max: int | None = Field(default=None, ge=0)
    require: list[Condition] = Field(default_factory=list)
    exclude: list[Condition] = Field(default_factory=list)


def condition_fields(cond: Condition) -> set[str]:
    """Every field a condition reads."""
    if isinstance(cond, AnyOf):
        return set().union(*(condition_fields(c) for c in cond.any))
    if isinstance(cond, AllOf):
        return set().union(*(condition_fields(c) for c in cond.all))
    return {cond.field} if isinstance(cond.field, str) else set(cond.field)


class ProgramRule(Strict):
    label: str
    source: str = Field(min_length=1, description="The published rule this eligibility follows, and where it is published")
    eligible: Condition = Field(description=f"Who the program is for, over the person fields {', '.join(ELIGIBILITY_FIELDS)}")

    @model_validator(mode="after")
    def _known_fields(self) -> ProgramRule:
        unknown = sorted(condition_fields(self.eligible) - set(ELIGIBILITY_FIELDS))
        if unknown:
            raise ValueError(f"eligibility reads unknown field(s) {', '.join(unknown)}; known: {', '.join(ELIGIBILITY_FIELDS)}")
        return self


class Dimension(Strict):
    name_th: str
    name_en: str


class Indicator(Strict):
    number: int = Field(ge=1, le=31, description="BMN indicator number")
    dimension: str
    label: str
    kind: Literal["household_items", "household_value", "income_per_member", "member_any"]
    struct: str | None = None
    items: list[str] | None = None
    field: str | None = None
    op: Literal["lt", "le", "gt", "ge"] | None = None
    threshold: float | None = None
    member_fields: list[str] | None = None
    household_fields: list[str] | None = None
    population: Population | None = None
    deprived: Condition | None = None

    @model_validator(mode="after")
    def _kind_has_its_keys(self) -> Indicator:
        needed = {
            "household_items": ("struct", "items"),
            "household_value": ("field", "op", "threshold"),
            "income_per_member": ("member_fields", "household_fields", "op", "threshold"),
            "member_any": ("population", "deprived"),
        }[self.kind]
        missing = [key for key in needed if getattr(self, key) is None]
        if missing:
            raise ValueError(f"indicator {self.number} ({self.kind}) needs {', '.join(missing)}")
        return self


class AlkireFoster(Strict):
    k: float = Field(gt=0, le=1, description="Poverty cutoff on the weighted deprivation score")
    weights: dict[int, float] | None = Field(default=None, description="Per indicator number; null = nested equal")


class Suppression(Strict):
    threshold: int = Field(ge=2, description="Counts 1 .. threshold-1 are hidden in the published tables, at every level")
    k_anonymity: int = Field(
        default=5, ge=2, description="Smallest group of persons sharing sex, age band and area in a person-grain table"
    )


class IndicatorCatalogue(Strict):
    dimensions: dict[str, Dimension] = Field(min_length=1)
    indicators: list[Indicator] = Field(min_length=1)
    elderly_age_min: int = Field(ge=0)
    alkire_foster: AlkireFoster
    suppression: Suppression
    as_of_date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    survey_round: int = Field(default=2561, description="The survey round (BE year) as_of_date belongs to")
    welfare_card_monthly_baht: int = Field(ge=0)
    age_bands: list[int] = Field(min_length=1)
    programs: dict[Program, ProgramRule]

    def for_round(self, survey_round: int) -> IndicatorCatalogue:
        """The catalogue of another survey round: as_of_date as many years later (or earlier)."""
        year, rest = self.as_of_date.split("-", 1)
        later = f"{int(year) + survey_round - self.survey_round}-{rest}"
        return self.model_copy(update={"as_of_date": later, "survey_round": survey_round})

    @model_validator(mode="after")
    def _consistent(self) -> IndicatorCatalogue:
        numbers = [i.number for i in self.indicators]
        if len(set(numbers)) != len(numbers):
            raise ValueError("indicator numbers must be unique")
        unknown = sorted({i.dimension for i in self.indicators} - set(self.dimensions))
        if unknown:
            raise ValueError(f"indicators name unknown dimension(s) {', '.join(unknown)}")
        empty = sorted(set(self.dimensions) - {i.dimension for i in self.indicators})
        if empty:
            raise ValueError(f"dimension(s) {', '.join(empty)} have no indicator")
        weights = self.alkire_foster.weights
        if weights is not None:
            if set(weights) != set(numbers):
                raise ValueError("alkire_foster.weights must give one weight per indicator number")
            if abs(sum(weights.values()) - 1) > 1e-9:
                raise ValueError("alkire_foster.weights must sum to 1")
        if self.age_bands != sorted(set(self.age_bands)) or self.age_bands[0] != 0:
            raise ValueError("age_bands must start at 0 and increase")
        missing = [p for p in PROGRAMS if p not in self.programs]
        if missing:
            raise ValueError(f"programs: no eligibility rule for {', '.join(missing)}")
        return self

    @property
    def numbers(self) -> list[int]:
        return [i.number for i in self.indicators]

    def dimension_indicators(self, dimension: str) -> list[int]:
        return [i.number for i in self.indicators if i.dimension == dimension]

    def af_weights(self) -> dict[int, float]:
        """Indicator weights: configured, or each dimension 1/D split equally among its indicators."""
        if self.alkire_foster.weights is not None:
            return dict(self.alkire_foster.weights)
        share = 1 / len(self.dimensions)
        return {i.number: share / len(self.dimension_indicators(i.dimension)) for i in self.indicators}
