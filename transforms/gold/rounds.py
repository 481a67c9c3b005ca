"""Which survey round gold is computed for: silver keeps every round's survey (a household surveyed again
replaces its earlier listing; one not surveyed again keeps it), so gold takes one round's households and
members, never a mix of rounds."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

ROUND_COMMENT = {"survey_round": "BMN survey round the figures are of (Buddhist Era year, e.g. 2561)"}


class RoundError(ValueError):
    """The round asked for is not in silver (or silver holds no round)."""


def chosen_round(rounds: list[str], asked: int | None) -> int:
    """The latest round silver holds (`rounds`: BE years as text), which `asked`, if given, must be. An earlier
    round cannot be computed again: silver keeps the latest listing of a household surveyed again, so that
    round's gold would miss every household surveyed since; its gold was written when it was the latest, and
    is kept beside the later rounds'."""
    held = sorted({int(r) for r in rounds if r is not None and str(r).isdigit()})
    if not held:
        raise RoundError("the survey's silver households carry no survey round: nothing to compute gold for")
    if asked is not None and asked not in held:
        raise RoundError(f"survey round {asked} is not in silver (it holds {', '.join(map(str, held))})")
    if asked is not None and asked != held[-1]:
        raise RoundError(
            f"survey round {asked} cannot be computed again: silver holds round {held[-1]}'s listing of the households "
            f"surveyed again; gold keeps round {asked} as it was computed when it was the latest"
        )
    return held[-1]


def of_round(households: DataFrame, members: DataFrame, survey_round: int) -> tuple[DataFrame, DataFrame]:
    """The round's households and members (members of a silver written before members carried their round:
    those of the round's households)."""
    this = F.col("survey_round") == F.lit(str(survey_round))
    households = households.where(this)
    if "survey_round" in members.columns:
        return households, members.where(this)
    return households, members.join(households.select("hh_id"), "hh_id", "left_semi").select(*members.columns)


def with_round(df: DataFrame, survey_round: int) -> DataFrame:
    """The rows with their survey round first (household and person rows carry it already)."""
    if "survey_round" in df.columns:
        return df
    return df.select(F.lit(str(survey_round)).alias("survey_round"), *df.columns)
