"""Which survey round gold is computed for: silver keeps every round's survey (a household surveyed again
replaces its earlier listing; one not surveyed again keeps it), so gold takes one round's households and
members, never a mix of rounds."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F


class RoundError(ValueError):
    """The round asked for is not in silver (or silver holds no round)."""


def chosen_round(rounds: list[str], asked: int | None) -> int:
    """The round asked for, else the latest; `rounds`: the survey rounds silver holds (BE years as text)."""
    held = sorted({int(r) for r in rounds if r is not None and str(r).isdigit()})
    if not held:
        raise RoundError("the survey's silver households carry no survey round: nothing to compute gold for")
    if asked is None:
        return held[-1]
    if asked not in held:
        raise RoundError(f"survey round {asked} is not in silver (it holds {', '.join(map(str, held))})")
    return asked


def of_round(households: DataFrame, members: DataFrame, survey_round: int) -> tuple[DataFrame, DataFrame]:
    """The round's households and members (members of a silver written before members carried their round:
    those of the round's households)."""
    this = F.col("survey_round") == F.lit(str(survey_round))
    households = households.where(this)
    if "survey_round" in members.columns:
        return households, members.where(this)
    return households, members.join(households.select("hh_id"), "hh_id", "left_semi").select(*members.columns)
