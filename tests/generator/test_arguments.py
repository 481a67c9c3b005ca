"""Argument and settings validation (no Spark)."""

from __future__ import annotations

import pytest

from jobs import generate
from jobs.config import ConfigError


def _args(**kw):
    return generate.Options(**{"scale": 0.001, "seed": 1, **kw})


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
    with pytest.raises(ConfigError, match=r"generator.yaml: invalid generator settings\n  rows_per_file: .*greater than 0"):
        generate.load_settings(bad)


def test_settings_reject_unknown_keys(tmp_path):
    bad = tmp_path / "generator.yaml"
    bad.write_text(generate.SETTINGS_FILE.read_text(encoding="utf-8") + "colour: blue\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="colour: unknown key"):
        generate.load_settings(bad)


def test_rejects_non_positive_error_scale():
    with pytest.raises(ValueError, match="--error-scale must be a positive number"):
        generate.validate(_args(error_scale=0.0))


def test_error_scale_multiplies_error_rates_only():
    settings = generate.load_settings()
    tripled = settings.with_error_scale(3)
    bmn, bmn3 = settings.sources["cdd_bmn"], tripled.sources["cdd_bmn"]
    assert bmn3.pid == {k: pytest.approx(v * 3) for k, v in bmn.pid.items()}
    assert bmn3.birth_date["year_only"] == pytest.approx(bmn.birth_date["year_only"] * 3)
    mof, mof3 = settings.sources["mof_welfare"], tripled.sources["mof_welfare"]
    assert (mof3.shared_phone, mof3.duplicate, mof3.moved_address) == (
        pytest.approx(mof.shared_phone * 3),
        pytest.approx(mof.duplicate * 3),
        pytest.approx(mof.moved_address * 3),
    )
    assert tripled.sources["dcy_child_grant"].pid["missing"] == 1.0  # 0.6 x 3, capped
    elderly, elderly3 = settings.sources["dla_elderly"], tripled.sources["dla_elderly"]
    assert (elderly3.take_up, elderly3.scientific_notation, elderly3.broken) == (
        elderly.take_up,
        elderly.scientific_notation,
        elderly.broken,
    )
    assert settings.with_error_scale(1.0) == settings


def test_rows_per_file_per_source_overrides_the_default(tmp_path):
    text = generate.SETTINGS_FILE.read_text(encoding="utf-8")
    path = tmp_path / "generator.yaml"
    path.write_text(text.replace("rows_per_file: 2000000", "rows_per_file: 1000"), encoding="utf-8")
    settings = generate.load_settings(path)
    assert settings.rows_per_file_of("cdd_bmn") == 200_000  # its own, from the file
    assert settings.rows_per_file_of("dopa_registry") == 1000
    assert "rows_per_file" not in settings.sources["cdd_bmn"].rates()
