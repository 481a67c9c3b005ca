"""Gold of one survey round (transforms/gold/rounds.py): silver holds several, gold never mixes them."""

from __future__ import annotations

import pytest
from chispa import assert_df_equality

from transforms.gold.rounds import RoundError, chosen_round, of_round


def test_the_latest_round_and_no_earlier_one():
    assert chosen_round(["2561", "2562", None], None) == 2562
    assert chosen_round(["2562", "2561"], 2562) == 2562
    assert chosen_round(["2561"], 2561) == 2561
    with pytest.raises(RoundError, match="survey round 2561 cannot be computed again: silver holds round 2562's listing"):
        chosen_round(["2561", "2562"], 2561)
    with pytest.raises(RoundError, match="survey round 2563 is not in silver \\(it holds 2561, 2562\\)"):
        chosen_round(["2561", "2562"], 2563)
    with pytest.raises(RoundError, match="carry no survey round"):
        chosen_round([None], None)


def _silver(spark):
    """h1 surveyed in both rounds (silver keeps its 2562 listing), h2 only in 2561; a member of h1 listed only in
    2561 (left home since) keeps that listing."""
    households = spark.createDataFrame([("h1", "2562"), ("h2", "2561")], "hh_id string, survey_round string")
    members = spark.createDataFrame(
        [("h1-01", "h1", "2562"), ("h1-02", "h1", "2561"), ("h1-51", "h1", "2562"), ("h2-01", "h2", "2561")],
        "record_key string, hh_id string, survey_round string",
    )
    return households, members


def test_gold_takes_one_rounds_households_and_members(spark):
    households, members = _silver(spark)
    hh, mm = of_round(households, members, 2562)
    assert_df_equality(hh, spark.createDataFrame([("h1", "2562")], "hh_id string, survey_round string"), ignore_nullable=True)
    expected = spark.createDataFrame(
        [("h1-01", "h1", "2562"), ("h1-51", "h1", "2562")], "record_key string, hh_id string, survey_round string"
    )
    assert_df_equality(mm, expected, ignore_nullable=True, ignore_row_order=True)


def test_members_written_before_they_carried_their_round_follow_their_household(spark):
    households, members = _silver(spark)
    _, mm = of_round(households, members.drop("survey_round"), 2561)
    assert_df_equality(mm, spark.createDataFrame([("h2-01", "h2")], "record_key string, hh_id string"), ignore_nullable=True)


def test_a_later_rounds_ages_are_taken_a_year_later(catalogue):
    later = catalogue.for_round(2562)
    assert (catalogue.as_of_date, catalogue.survey_round) == ("2018-06-30", 2561)
    assert (later.as_of_date, later.survey_round) == ("2019-06-30", 2562)
