"""Argument and settings validation (no Spark)."""

from __future__ import annotations

import argparse

import pytest

from jobs import generate
from jobs.config import ConfigError


def _args(**kw):
    base = {"scale": 0.001, "seed": 1, "source": None}
    return argparse.Namespace(**{**base, **kw})


@pytest.mark.parametrize("scale", [0.0, -1.0])
def test_rejects_non_positive_scale(scale):
    with pytest.raises(ValueError, match="--scale must be a positive number"):
        generate.validate(_args(scale=scale))


def test_rejects_unknown_source():
    with pytest.raises(ValueError, match=r"unknown --source \['nope'\]"):
        generate.validate(_args(source=["mof_welfare", "nope"]))


def test_accepts_known_sources():
    generate.validate(_args(source=["mof_welfare", "cdd_bmn"]))


def test_settings_file_is_valid():
    settings = generate.load_settings()
    assert settings.redelivery.source in settings.sources


def test_settings_error_names_file_and_key(tmp_path):
    bad = tmp_path / "generator.yaml"
    text = generate.SETTINGS_FILE.read_text(encoding="utf-8").replace("rows_per_file: 2000000", "rows_per_file: -5")
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"generator.yaml: rows_per_file: .*greater than 0"):
        generate.load_settings(bad)


def test_settings_reject_unknown_keys(tmp_path):
    bad = tmp_path / "generator.yaml"
    bad.write_text(generate.SETTINGS_FILE.read_text(encoding="utf-8") + "colour: blue\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="colour: Extra inputs are not permitted"):
        generate.load_settings(bad)
