"""A job's command line is built from its Options model: types, choices, flags, defaults and errors."""

from __future__ import annotations

import argparse
from typing import Literal

import pytest
from pydantic import Field

from jobs.options import JobOptions, add_options, internal, options_from, positional, recorded


class Sample(JobOptions):
    record_id: str = positional("a record id")
    level: Literal["province", "district"] = Field(default="province", description="which level")
    source: list[str] | None = Field(default=None, description="repeatable")
    scale: float = Field(default=0.5, description="a number")
    full: bool = Field(default=False, description="a flag")
    first: str | None = Field(default=None, description="named otherwise", json_schema_extra={"flag": "--from", "metavar": "STAGE"})
    filled_in: str | None = internal(None)


def _parse(argv: list[str]) -> Sample:
    parser = argparse.ArgumentParser(exit_on_error=False)
    parser.add_argument("--env", default="local")
    add_options(parser, Sample)
    return options_from(Sample, parser.parse_args(argv))


def test_defaults_come_from_the_model():
    assert _parse(["x:1"]) == Sample(record_id="x:1")


def test_each_kind_of_option():
    options = _parse(["x:1", "--level", "district", "--source", "a", "--source", "b", "--scale", "0.01", "--full", "--from", "gold"])
    assert options == Sample(record_id="x:1", level="district", source=["a", "b"], scale=0.01, full=True, first="gold")


def test_help_shows_the_flags_and_their_values():
    parser = argparse.ArgumentParser()
    add_options(parser, Sample)
    usage = parser.format_usage()
    assert "--from STAGE" in usage and "--full" in usage and "{province,district}" in usage and "--filled-in" not in usage


def test_bad_values_are_refused_by_the_parser():
    with pytest.raises(argparse.ArgumentError, match="invalid choice"):
        _parse(["x:1", "--level", "village"])
    with pytest.raises(argparse.ArgumentError, match="invalid float"):
        _parse(["x:1", "--scale", "much"])


def test_internal_fields_are_not_options(capsys):
    with pytest.raises(SystemExit):
        _parse(["x:1", "--filled-in", "y"])
    assert "unrecognized arguments: --filled-in" in capsys.readouterr().err


def test_options_are_frozen_and_strict():
    options = Sample(record_id="x:1")
    with pytest.raises(ValueError):
        options.scale = 2.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="extra"):
        Sample(record_id="x:1", colour="blue")


def test_a_namespace_value_the_model_refuses_names_the_flag():
    with pytest.raises(ValueError, match=r"--from: Input should be a valid string"):
        options_from(Sample, argparse.Namespace(record_id="x:1", first=5, env="local"))


def test_recorded_options_hide_personal_values():
    assert recorded(Sample(record_id="dopa_registry:123", first="a:b"), "staging", ("record_id",)) == {
        "env": "staging",
        "record_id": "dopa_registry:<not recorded>",
        "level": "province",
        "source": None,
        "scale": 0.5,
        "full": False,
        "first": "a:b",
        "filled_in": None,
    }
