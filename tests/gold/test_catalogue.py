"""The indicator catalogue: the 17 TPMAP indicators, and bad catalogues fail naming file, key and reason."""

from __future__ import annotations

import pytest
import yaml

from jobs.config import ConfigError
from jobs.indicators import CATALOGUE_FILE, load_catalogue


def test_catalogue_has_the_17_tpmap_indicators(catalogue):
    assert catalogue.numbers == [1, 4, 5, 7, 8, 9, 10, 11, 15, 16, 17, 19, 20, 21, 22, 27, 28]
    assert {d: catalogue.dimension_indicators(d) for d in catalogue.dimensions} == {
        "health": [1, 4, 5, 7],
        "living": [8, 9, 10, 11],
        "education": [15, 16, 17, 19],
        "income": [20, 21, 22],
        "accessibility": [27, 28],
    }
    assert catalogue.suppression.threshold == 5


def _write(tmp_path, mutate):
    raw = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "mutate,message",
    [
        (lambda raw: raw["indicators"][0].update(threshhold=1), "indicators.0"),
        (lambda raw: raw["indicators"][5].update(threshold=None), "needs threshold"),
        (lambda raw: raw["indicators"][0].update(dimension="wealth"), "unknown dimension"),
        (lambda raw: raw["alkire_foster"].update(k=0), "alkire_foster.k"),
        (lambda raw: raw["alkire_foster"].update(weights={1: 1.0}), "one weight per indicator"),
        (lambda raw: raw["indicators"][0]["deprived"].update(op="between"), "indicators.0"),
        (lambda raw: raw["programs"]["elderly_allowance"]["eligible"].update(field="income"), "unknown field(s) income"),
        (lambda raw: raw["programs"].pop("child_grant"), "no eligibility rule for child_grant"),
        (lambda raw: raw["programs"].update(rice_grant=raw["programs"]["child_grant"]), "programs.rice_grant"),
        (lambda raw: raw["programs"]["welfare_card"].pop("source"), "programs.welfare_card.source"),
    ],
)
def test_bad_catalogue_names_file_key_and_reason(tmp_path, mutate, message):
    path = _write(tmp_path, mutate)
    with pytest.raises(ConfigError) as err:
        load_catalogue(path)
    assert str(path) in str(err.value) and message in str(err.value)


def test_job_validate_rejects_bad_catalogue_before_spark(tmp_path):
    from jobs.indicators import Options, validate

    path = _write(tmp_path, lambda raw: raw.pop("suppression"))
    with pytest.raises(ValueError, match="suppression: missing"):
        validate(Options(catalogue=path))


def test_spearman_helper():
    import pandas as pd

    from transforms.gold.evaluation import spearman

    ours = pd.DataFrame({"province_code": ["10", "11", "12"], "rate": [1.0, 2.0, 3.0]})
    assert spearman(ours, ours.assign(rate=[5.0, 6.0, 9.0])) == pytest.approx(1.0)
    assert spearman(ours, ours.assign(rate=[9.0, 6.0, 5.0])) == pytest.approx(-1.0)
