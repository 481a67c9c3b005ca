"""conf/standardize.yaml: the shipped file is valid; a bad one fails naming the file, the key and the reason."""

from __future__ import annotations

import pytest

from jobs.config import ConfigError
from jobs.standardize import SETTINGS_FILE, Options, load_settings, validate


def test_shipped_settings_load():
    settings = load_settings()
    assert settings.phonetic_engine == "lk82"
    assert "ด.ช." in settings.titles["เด็กชาย"]
    validate(Options(source=None))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace("phonetic_engine: lk82", "phonetic_engine: soundex2000"), "phonetic_engine"),
        (lambda t: t.replace("max_ce: 2030", "max_ce: 1700"), "birth_years.max_ce"),
        (lambda t: t.replace("  min_ce: 1880", "  min_ce: 1880\n  minimum: 1"), "birth_years.minimum: unknown key"),
        (lambda t: t.replace("นาย: [นาย]", "นาย: []"), "every title needs at least one"),
    ],
)
def test_bad_settings_name_file_key_and_reason(tmp_path, change, message):
    bad = tmp_path / "standardize.yaml"
    bad.write_text(change(SETTINGS_FILE.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(bad)
    assert str(bad) in str(err.value) and message in str(err.value)
