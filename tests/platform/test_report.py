"""The report's HTML is self-contained, and its queries read the right figures."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from jobs import report


def _frames() -> dict[str, pd.DataFrame]:
    provinces = pd.DataFrame(
        {
            "area_code": ["30", "58"],
            "name_th": ["นครราชสีมา", "แม่ฮ่องสอน"],
            "name_en": ["Nakhon Ratchasima", "Mae Hong Son"],
            "persons": [100, 50],
            "target_poor": [2, 10],
            "rate": [2.0, 20.0],
        }
    )
    districts = pd.DataFrame(
        {
            "area_code": ["5801", "5802"],
            "name_th": ["a", "b"],
            "name_en": ["A", "B"],
            "persons": [30, 20],
            "target_poor": [6, 4],
            "rate": [20.0, 20.0],
            "province_code": ["58", "58"],
        }
    )
    dimensions = pd.DataFrame({d: [i + 1] for i, d in enumerate(report.DIMENSIONS)})
    exclusion = pd.DataFrame(
        {
            "area_code": ["30", "58"],
            "program": ["elderly_allowance"] * 2,
            "eligible_poor": [2, 10],
            "not_reached": [1, 5],
            "exclusion_rate": [50.0, 50.0],
        }
    )
    return {"provinces": provinces, "districts": districts, "dimensions": dimensions, "exclusion": exclusion}


def _images(page: str) -> list[str]:
    return re.findall(r'<img alt="([^"]+)" src="data:image/png;base64,', page)


def test_html_embeds_four_images_and_needs_no_network():
    page = report.render_html(_frames(), "gold", "Indicators run r1.")
    assert len(_images(page)) == 4
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "Mae Hong Son" in page and "Districts of province 58" in page


def _second_round(flow_counts: list[float | None]) -> dict[str, pd.DataFrame]:
    frames = _frames()
    frames["provinces"] = frames["provinces"].assign(rate_change=[-1.5, 2.0], survey_round="2562")
    states = [("poor", "poor"), ("poor", "not poor"), ("not poor", "poor"), ("not poor", "not poor"), ("not surveyed", "poor")]
    frames["flow"] = pd.DataFrame(
        {
            "previous_round": "2561",
            "survey_round": "2562",
            "from_state": [f for f, _ in states],
            "to_state": [t for _, t in states],
            "households": flow_counts,
        }
    )
    return frames


def test_a_second_round_adds_the_change_map_and_the_household_flow():
    page = report.render_html(_second_round([780.0, 454.0, 511.0, 10724.0, 231.0]), "gold", "Indicators run r2.")
    assert _images(page)[-2:] == ["Change from the round before", "Households between rounds"]
    assert "<h2>Households from round 2561 (rows) to round 2562 (columns)</h2>" in page


def test_the_flow_chart_draws_a_band_per_flow_and_says_when_it_is_hidden():
    frames = _second_round([780.0, 454.0, 511.0, 10724.0, 231.0])
    figure = report.flow_chart(frames["flow"], ("2561", "2562"))
    bands = [c for c in figure.axes[0].collections if c.__class__.__name__ in ("PolyCollection", "FillBetweenPolyCollection")]
    assert len(bands) == 5
    assert figure.axes[0].get_title() == "Households between poverty states, country"
    hidden = report.flow_chart(_second_round([None] * 5)["flow"], ("2561", "2562"))
    assert hidden.axes[0].get_title() == "Household flow hidden (a count is small)"


def test_geojson_codes_are_dopa_codes():
    provinces = {f["code"] for f in report.geo_features("province")}
    districts = {f["code"] for f in report.geo_features("district")}
    assert len(provinces) == 77 and {"10", "30", "58"} <= provinces
    assert all(len(code) == 4 for code in districts)


def test_invalid_province_is_refused_before_spark():

    with pytest.raises(ValueError, match="2-digit"):
        report.validate(report.Options(province="Korat", source="gold", output=None))


def test_reference_figures_match_the_published_files(spark, reference_tables):
    from jobs.reference import published_figures

    frames = report.load_frames(spark, "ref", "58")
    published = published_figures("province").to_pandas().set_index("province_ID")
    got = frames["provinces"].set_index("area_code")
    assert len(got) == len(published)
    assert got.loc["58", "target_poor"] == published.loc["58", "poor.JPT.MOFval.CNT"]
    assert got.loc["58", "name_en"] == "Mae Hong Son"
    assert set(frames["districts"]["area_code"].str[:2]) == {"58"}
    country = published_figures("country").to_pandas().iloc[0]
    assert frames["dimensions"].loc[0, "health"] == country["poor.JPT.MOFval.health"]
