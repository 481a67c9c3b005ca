"""Settings of the silver standardisation (conf/standardize.yaml), as a validated model."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from transforms.conf import Strict


class BirthYears(Strict):
    min_ce: int = Field(ge=1800, le=2100)
    max_ce: int = Field(ge=1800, le=2100)

    @model_validator(mode="after")
    def _ordered(self) -> BirthYears:
        if self.min_ce >= self.max_ce:
            raise ValueError(f"min_ce ({self.min_ce}) must be below max_ce ({self.max_ce})")
        return self


class StandardizeSettings(Strict):
    titles: dict[str, list[str]] = Field(min_length=1)
    birth_years: BirthYears
    phonetic_engine: Literal["lk82", "udom83", "metasound"]

    @model_validator(mode="after")
    def _titles_not_empty(self) -> StandardizeSettings:
        empty = [canonical for canonical, variants in self.titles.items() if not variants or not all(v.strip() for v in variants)]
        if empty:
            raise ValueError(f"titles {', '.join(empty)}: every title needs at least one non-empty spelling")
        return self
