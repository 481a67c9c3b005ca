"""conf/generator.yaml, validated: world parameters and per-source error rates."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from transforms.conf import Strict

PidKind = Literal["missing", "typo", "transposition", "dropped_digit", "other_member", "thai_digits"]
NameKind = Literal["tone_mark", "lookalike", "glued_title", "stray_space", "zero_width", "changed", "swapped_names"]
DateKind = Literal["be_as_ce", "ce_as_be", "day_month_swap", "year_only", "two_digit_year"]


class Lookalikes(Strict):
    """Different people built to look alike (issue 20): what linkage must never merge. Default: none."""

    twins: float = Field(
        0.0, ge=0, le=1, description="Children listed right after a sibling of the same relation who are that sibling's twin"
    )
    namesakes: float = Field(
        0.0, ge=0, le=1, description="Adults with a namesake (same names, sex, birth date) in another village of the district"
    )
    juniors: float = Field(0.0, ge=0, le=1, description="Children of the head's sex given the head's first name")
    family_phone: float = Field(0.0, ge=0, le=1, description="Households whose members aged 15+ all give one phone")


class WorldSettings(Strict):
    registry_persons: int = Field(gt=0, description="Civil-registry persons at scale 1 (survey + not surveyed)")
    bangkok_persons: int = Field(ge=0, description="Bangkok residents at scale 1 (not surveyed)")
    bangkok_household_size: float = Field(gt=1)
    welfare_registrants: int = Field(gt=0, description="MOF registrants at scale 1")
    adult_share: float = Field(
        gt=0, le=1, description="Share of surveyed persons aged 18+ (turns a per-person MOF rate into a per-adult one)"
    )
    poverty_correlation: float = Field(ge=0, lt=1, description="Weight of the latent household factor in each indicator draw")
    poverty_size_weight: float = Field(
        ge=0, lt=1, description="Weight of the household's size in its latent poverty factor (larger households are poorer)"
    )
    welfare_correlation: float = Field(ge=0, lt=1, description="Weight of the latent household factor in MOF registration")
    verification_factor_poor: float = Field(gt=0, description="MOF verification rate of the BMN-poor relative to the district's rate")
    verification_factor_other: float = Field(
        gt=0, description="... and of everyone else (with the poor's factor, keeps the district's rate)"
    )
    migrant_share: float = Field(ge=0, lt=1)
    death_rate: float = Field(ge=0, lt=1)
    disabled_rate_not_surveyed: float = Field(ge=0, lt=1)
    elderly_share_not_surveyed: float = Field(
        ge=0, lt=1, description="Share aged 60+ of the persons the survey does not cover (surveyed areas: the published ELDERLY_CNT)"
    )
    lookalikes: Lookalikes = Field(default_factory=Lookalikes)


def years_later(day: str, years: int) -> str:
    """An ISO date (yyyy-mm-dd) that many years later."""
    year, rest = day.split("-", 1)
    return f"{int(year) + years}-{rest}"


class RoundSettings(Strict):
    """How the world moves from one survey round to the next (generate --round; transforms/generator/rounds.py).
    Yearly rates; the defaults are rough Thai figures (see conf/generator.yaml)."""

    mortality_base: float = Field(2e-5, ge=0, lt=1, description="Gompertz mortality: yearly probability of death base * exp(growth * age)")
    mortality_growth: float = Field(0.1, ge=0, lt=1)
    fertility: float = Field(0.06, ge=0, le=1, description="Births per household whose head or spouse is a woman of 18-44")
    leave_home: float = Field(
        0.04, ge=0, le=1, description="Children and grandchildren of 20-35 who leave to head a household of their own"
    )
    household_moves: float = Field(0.03, ge=0, le=1, description="Households that move house")
    move_away: float = Field(0.3, ge=0, le=1, description="Of the moving households, the share that moves to another district")
    survey_exit: float = Field(0.02, ge=0, le=1, description="Surveyed households not interviewed in the round")
    survey_entry: float = Field(0.012, ge=0, le=1, description="Households of a village, not surveyed before, interviewed in the round")
    latent_persistence: float = Field(
        0.8, ge=0, lt=1, description="Correlation of a household's latent poverty factor with last round's (persistence of poverty)"
    )
    deprivation_persistence: float = Field(
        0.5, ge=0, le=1, description="Probability that a household surveyed in both rounds gives last round's answer to an indicator"
    )
    registration_persistence: float = Field(
        0.9, ge=0, le=1, description="Correlation of a person's welfare-registration draw with last round's (re-registration)"
    )


class BrokenRows(Strict):
    wrong_column_count: int = Field(0, ge=0)
    bad_encoding: int = Field(0, ge=0)
    invalid_json: int = Field(0, ge=0)
    truncated_last_line: bool = False


class SourceSettings(Strict):
    pid: dict[PidKind, float] = Field(default_factory=dict, description="Error kinds of the ID and their rates")
    first_name: dict[NameKind, float] = Field(default_factory=dict, description="swapped_names: first name and surname exchanged")
    last_name: dict[NameKind, float] = Field(default_factory=dict, description="as first_name; changed = married surname")
    birth_date: dict[DateKind, float] = Field(default_factory=dict, description="two_digit_year: written dd/mm/yy")
    shared_phone: float = Field(0.0, ge=0, le=1)
    duplicate: float = Field(0.0, ge=0, le=1)
    moved_address: float = Field(0.0, ge=0, le=1, description="Records with the current (not the registered) address, in the same province")
    registered_elsewhere: float = Field(
        0.0, ge=0, le=1, description="Registry: persons registered at another house (same province) than the one they live in"
    )
    scientific_notation: float = Field(0.0, ge=0, le=1)
    take_up: float = Field(1.0, ge=0, le=1, description="Share of eligible persons in the programme")
    rows_per_file: int | None = Field(None, gt=0, description="Overrides the top-level rows_per_file for this source")
    broken: BrokenRows = Field(default_factory=BrokenRows)

    def rates(self) -> dict:
        return self.model_dump(exclude={"broken", "rows_per_file"})

    def with_error_scale(self, factor: float) -> SourceSettings:
        """Every per-record error rate (ID, name and date errors, shared phones, duplicates, moved addresses) times factor,
        capped at 1; take-up, notation and broken rows unchanged."""
        fields = {
            f: {k: min(1.0, v * factor) for k, v in getattr(self, f).items()} for f in ("pid", "first_name", "last_name", "birth_date")
        }
        fields.update({f: min(1.0, getattr(self, f) * factor) for f in ("shared_phone", "duplicate", "moved_address")})
        return self.model_copy(update=fields)


class Redelivery(Strict):
    source: str
    delivery: str


class GeneratorSettings(Strict):
    delivery: str
    redelivery: Redelivery
    rows_per_file: int = Field(gt=0)
    world: WorldSettings
    rounds: RoundSettings = Field(default_factory=RoundSettings)
    sources: dict[str, SourceSettings]

    def rows_per_file_of(self, source: str) -> int:
        own = self.sources[source].rows_per_file if source in self.sources else None
        return own or self.rows_per_file

    def with_error_scale(self, factor: float) -> GeneratorSettings:
        return self.model_copy(update={"sources": {n: s.with_error_scale(factor) for n, s in self.sources.items()}})

    def for_round(self, years_after_2561: int) -> GeneratorSettings:
        """The deliveries of a later survey round: the same days, that many years later."""
        redelivery = self.redelivery.model_copy(update={"delivery": years_later(self.redelivery.delivery, years_after_2561)})
        return self.model_copy(update={"delivery": years_later(self.delivery, years_after_2561), "redelivery": redelivery})
