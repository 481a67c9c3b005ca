"""Job `report`: one self-contained HTML file with the TPMAP map, charts and tables of a survey round (the
latest published, or --round), and its change from the round before (a map of the target-poor rate's change,
the households' flow between poor, not poor and not surveyed).

The figures are read with SQL from the published, disclosure-controlled tables (public.area_indicators,
public.welfare_coverage: small counts and the cells that would give them back are null) or, with
`--source ref`, from the published TPMAP 2561 figures (ref.tpmap2561_*), which have the same column
names. Neither needs access to person-level data. Maps are drawn with matplotlib from the GeoJSON boundaries in conf/reference/geo/ (no
tiles, no network) and embedded as base64 PNG, so the file opens anywhere offline.
The query and drawing functions are shared with notebooks/tpmap_overview.py.
"""

from __future__ import annotations

import base64
import html
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Literal

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import PatchCollection
from matplotlib.patches import Polygon
from pydantic import Field
from pyspark.sql import SparkSession

from jobs.config import CONF_DIR, AppConfig
from jobs.options import JobOptions
from jobs.runs import JobRun
from transforms.gold.movement import NOT_POOR, NOT_SURVEYED, POOR

DESCRIPTION = "Write a self-contained HTML report (map, dimensions, welfare exclusion, change from the round before) of a survey round"
GEO_DIR = CONF_DIR / "reference" / "geo"
DIMENSIONS = ("health", "living", "education", "income", "accessibility")
SOURCES = ("gold", "ref")
RATE_LABEL = "target poor, % of persons surveyed"
STATE_COLOURS = {POOR: "#c0392b", NOT_POOR: "#2e86c1", NOT_SURVEYED: "#aaaaaa"}


class Options(JobOptions):
    source: Literal[SOURCES] = Field(
        default="gold", description="gold: this pipeline's published figures, public.* (default); ref: the published TPMAP 2561 figures"
    )
    province: str | None = Field(default=None, description="province code for the district map (default: the highest rate)")
    survey_round: int | None = Field(
        default=None,
        description="survey round (BE year) of the figures, with its change from the round before (default: the latest published)",
        json_schema_extra={"flag": "--round"},
    )
    output: str | None = Field(default=None, description="HTML file to write (default: <runs>/report/tpmap_report.html)")


def validate(args: Options) -> Options:
    if args.province is not None and not (len(args.province) == 2 and args.province.isdigit()):
        raise ValueError(f"--province must be a 2-digit province code, got {args.province!r}")
    return args


# --- queries: one SQL statement per figure, for gold or for the published reference -------------------


def latest_round_sql() -> str:
    return "SELECT max(survey_round) AS survey_round FROM public.area_indicators"


def _of_round(survey_round: str) -> str:
    return f"survey_round = '{int(survey_round)}'"


def area_sql(source: str, level: str, parent: str | None = None, survey_round: str = "2561") -> str:
    """Areas of one level with name, persons surveyed, target poor and the target-poor rate (and, from gold,
    the rate's change in points from the round before)."""
    if source == "gold":
        where = f"level = '{level}' AND {_of_round(survey_round)}" + (f" AND parent_code = '{parent}'" if parent else "")
        return (
            "SELECT area_code, name_th, name_en, housemember_cnt AS persons, poor_jpt_mofval_cnt AS target_poor, "
            "jpt_mofval_pov_rate AS rate, jpt_mofval_pov_rate_change AS rate_change "
            f"FROM public.area_indicators WHERE {where} ORDER BY area_code"
        )
    where = f"WHERE substring(t.{level}_code, 1, {len(parent)}) = '{parent}' " if parent else ""
    return (
        f"SELECT t.{level}_code AS area_code, a.name_th, a.name_en, t.housemember_cnt AS persons, "
        f"t.poor_jpt_mofval_cnt AS target_poor, t.jpt_mofval_pov_rate AS rate FROM ref.tpmap2561_{level} t "
        f"LEFT JOIN ref.{level} a ON a.{level}_code = t.{level}_code {where}ORDER BY area_code"
    )


def dimensions_sql(source: str, survey_round: str = "2561") -> str:
    """Target poor per dimension for the whole country (a person counts in each dimension they lack)."""
    columns = ", ".join(f"poor_jpt_mofval_{d} AS {d}" for d in DIMENSIONS)
    table = f"public.area_indicators WHERE level = 'country' AND {_of_round(survey_round)}" if source == "gold" else "ref.tpmap2561_country"
    return f"SELECT {columns} FROM {table}"


def exclusion_sql(source: str, survey_round: str = "2561") -> str:
    """Per province and program: the eligible BMN-poor (conf/indicators.yaml programs), those not reached,
    the exclusion rate over the eligible and the inclusion rate (surveyed recipients not eligible), in percent.

    The published figures have one program (the welfare card) and count BMN-poor persons who are not
    verified card holders (every age: TPMAP publishes no age split); gold has every program.
    """
    if source == "gold":
        return (
            "SELECT area_code, program, eligible_poor, eligible_poor_not_reached AS not_reached, "
            "100 * eligible_poor_exclusion_rate AS exclusion_rate, 100 * inclusion_error_rate AS inclusion_rate "
            f"FROM public.welfare_coverage WHERE level = 'province' AND {_of_round(survey_round)} ORDER BY area_code, program"
        )
    return (
        "SELECT province_code AS area_code, 'welfare_card' AS program, poor_jpt_cnt AS eligible_poor, "
        "poor_jpt_cnt - poor_jpt_mofval_cnt AS not_reached, "
        "100 * (poor_jpt_cnt - poor_jpt_mofval_cnt) / poor_jpt_cnt AS exclusion_rate, NULL AS inclusion_rate "
        "FROM ref.tpmap2561_province ORDER BY area_code"
    )


def flow_sql(survey_round: str) -> str:
    """The country's households from the round before to this one, by poverty state (public.household_flow)."""
    return (
        f"SELECT previous_round, survey_round, from_state, to_state, households FROM public.household_flow WHERE {_of_round(survey_round)}"
    )


def _frame(engine, sql: str) -> pd.DataFrame:
    """A query's result as pandas, from a SparkSession or a DuckDB connection (scripts/duckdb_query.py)."""
    result = engine.sql(sql)
    return result.toPandas() if hasattr(result, "toPandas") else result.df()


def load_frames(engine, source: str, province: str | None = None, survey_round: int | None = None) -> dict[str, pd.DataFrame]:
    """The small result sets behind every figure, as pandas (at most a few hundred rows each), of one survey
    round (default: the latest published; the reference figures are 2561's).

    `engine`: a SparkSession, or a DuckDB connection over the published tables (no Spark, no access to
    anything but public and ref needed: what an analyst's notebook uses)."""
    chosen = "2561" if source == "ref" else str(survey_round or _frame(engine, latest_round_sql()).iloc[0, 0])
    provinces = _frame(engine, area_sql(source, "province", survey_round=chosen))
    if province is None:
        province = str(provinces.sort_values("rate", ascending=False, na_position="last")["area_code"].iloc[0])
    return {
        "provinces": provinces.assign(survey_round=chosen),
        "districts": _frame(engine, area_sql(source, "district", province, chosen)).assign(province_code=province),
        "dimensions": _frame(engine, dimensions_sql(source, chosen)),
        "exclusion": _frame(engine, exclusion_sql(source, chosen)),
        "flow": _flow(engine, source, chosen),
    }


def _flow(engine, source: str, survey_round: str) -> pd.DataFrame:
    """The round's household flow; empty for the reference figures, a first round, or a lakehouse whose
    indicators never had two rounds."""
    if source == "ref" or not _has_table(engine, "public", "household_flow"):
        return pd.DataFrame({c: [] for c in ("previous_round", "survey_round", "from_state", "to_state", "households")})
    return _frame(engine, flow_sql(survey_round))


def _has_table(engine, schema: str, table: str) -> bool:
    if hasattr(engine, "catalog"):  # Spark
        return engine.catalog.tableExists(f"{schema}.{table}")
    found = engine.sql(f"SELECT count(*) FROM information_schema.tables WHERE table_schema = '{schema}' AND table_name = '{table}'")
    return found.fetchone()[0] > 0


# --- drawing: matplotlib only, polygons straight from GeoJSON -----------------------------------------


def geo_features(level: str) -> list[dict]:
    """Boundary features of `province` or `district`, each with its DOPA code under `code` (TH37 -> 37)."""
    collection = json.loads((GEO_DIR / f"{level}s.geojson").read_text(encoding="utf-8"))
    key = "ADM1_PCODE" if level == "province" else "ADM2_PCODE"
    return [{"code": f["properties"][key].removeprefix("TH"), "geometry": f["geometry"]} for f in collection["features"]]


def _rings(geometry: dict) -> list[list]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [polygon[0] for polygon in polygons]  # outer rings; holes are too small to see at this size


def draw_choropleth(
    ax, features: list[dict], values: dict[str, float], title: str, cmap: str = "OrRd", label: str = RATE_LABEL, centred: bool = False
) -> None:
    """Fill each area by its value (from 0 to the largest, or, `centred`, symmetric about 0); areas without a
    value are grey."""
    colormap = plt.get_cmap(cmap)
    known = [v for v in values.values() if pd.notna(v)]
    top = max((abs(v) for v in known), default=0.0) or 1.0
    norm = plt.Normalize(-top, top) if centred else plt.Normalize(0, top)
    patches, colours = [], []
    for feature in features:
        value = values.get(feature["code"])
        colour = colormap(norm(value)) if value is not None and pd.notna(value) else "#dddddd"
        for ring in _rings(feature["geometry"]):
            patches.append(Polygon(ring, closed=True))
            colours.append(colour)
    ax.add_collection(PatchCollection(patches, facecolor=colours, edgecolor="white", linewidth=0.3))
    ax.autoscale_view()
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title)
    ax.figure.colorbar(plt.cm.ScalarMappable(cmap=colormap, norm=norm), ax=ax, shrink=0.6, label=label)


def province_map(provinces: pd.DataFrame):
    fig, ax = plt.subplots(figsize=(6, 9))
    draw_choropleth(
        ax, geo_features("province"), dict(zip(provinces["area_code"], provinces["rate"], strict=True)), "Target-poor rate by province"
    )
    return fig


def district_map(districts: pd.DataFrame, province: str):
    features = [f for f in geo_features("district") if f["code"].startswith(province)]
    fig, ax = plt.subplots(figsize=(6, 6))
    draw_choropleth(
        ax,
        features,
        dict(zip(districts["area_code"], districts["rate"], strict=True)),
        f"Target-poor rate by district, province {province}",
    )
    return fig


def change_map(provinces: pd.DataFrame):
    """The change of each province's target-poor rate from the round before (red: up, blue: down)."""
    fig, ax = plt.subplots(figsize=(6, 9))
    values = dict(zip(provinces["area_code"], provinces["rate_change"], strict=True))
    title = f"Change in the target-poor rate by province, to round {provinces['survey_round'].iloc[0]}"
    draw_choropleth(ax, geo_features("province"), values, title, cmap="RdBu_r", label="percentage points", centred=True)
    return fig


def _band(ax, left: tuple[float, float], right: tuple[float, float], colour: str) -> None:
    """A band from a span of the left bar to a span of the right one, on a smooth S curve."""
    x = np.linspace(0.12, 0.88, 50)
    ease = (1 - np.cos(np.pi * (x - 0.12) / 0.76)) / 2
    ax.fill_between(x, left[0] + (right[0] - left[0]) * ease, left[1] + (right[1] - left[1]) * ease, color=colour, alpha=0.45, lw=0)


def flow_chart(flow: pd.DataFrame, rounds: tuple[str, str]):
    """Households between poor, not poor and not surveyed from one round to the next: a bar per round, the
    states stacked, a band per (from, to) as wide as its households."""
    fig, ax = plt.subplots(figsize=(7, 5))
    states = list(STATE_COLOURS)
    count = {(r.from_state, r.to_state): float(r.households) for r in flow.itertuples() if pd.notna(r.households)}
    gap = 0.03 * sum(count.values())
    tops = {}
    for side, key in (("from", 0), ("to", 1)):
        y = 0.0
        for state in states:
            height = sum(v for k, v in count.items() if k[key] == state)
            tops[side, state] = y
            x = 0.0 if side == "from" else 0.88
            ax.bar(x, height, bottom=y, width=0.12, align="edge", color=STATE_COLOURS[state])
            if height > 4 * gap / 3:  # a label fits
                ax.text(x + 0.06, y + height / 2, f"{state}\n{height:,.0f}", ha="center", va="center", fontsize=8, color="white")
            y += height + gap
    filled = dict(tops)
    for (source, target), households in sorted(count.items(), key=lambda kv: (states.index(kv[0][0]), states.index(kv[0][1]))):
        left, right = filled["from", source], filled["to", target]
        _band(ax, (left, left + households), (right, right + households), STATE_COLOURS[source])
        filled["from", source], filled["to", target] = left + households, right + households
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xticks([0.06, 0.94], [f"round {rounds[0]}", f"round {rounds[1]}"])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title("Households between poverty states, country" if count else "Household flow hidden (a count is small)")
    fig.tight_layout()
    return fig


def dimensions_chart(dimensions: pd.DataFrame):
    fig, ax = plt.subplots(figsize=(6, 3.5))
    counts = dimensions.iloc[0].reindex(list(DIMENSIONS)).fillna(0)
    ax.bar(counts.index, counts.values, color="#c0392b")
    ax.set_ylabel("target-poor persons")
    ax.set_title("Target poor lacking each dimension (country)")
    fig.tight_layout()
    return fig


def exclusion_chart(exclusion: pd.DataFrame):
    fig, ax = plt.subplots(figsize=(10, 4))
    for program, rows in exclusion.groupby("program"):
        ax.plot(rows["area_code"], rows["exclusion_rate"], marker="o", linestyle="none", label=program)
    ax.set_xlabel("province code")
    ax.set_ylabel("% of eligible BMN-poor not reached")
    ax.set_title("Welfare exclusion of the eligible poor by province (eligibility: conf/indicators.yaml programs)")
    ax.tick_params(axis="x", labelrotation=90, labelsize=6)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# --- the HTML file --------------------------------------------------------------------------------------


def png_data_uri(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def change_images(frames: dict[str, pd.DataFrame]) -> dict[str, str]:
    """The change from the round before, where the figures have one: the map of the rate's change and the
    household flow."""
    images = {}
    if "rate_change" in frames["provinces"] and frames["provinces"]["rate_change"].notna().any():
        images["Change from the round before"] = png_data_uri(change_map(frames["provinces"]))
    flow = frames.get("flow")
    if flow is not None and len(flow):
        rounds = (str(flow["previous_round"].iloc[0]), str(flow["survey_round"].iloc[0]))
        images["Households between rounds"] = png_data_uri(flow_chart(flow, rounds))
    return images


def flow_table(flow: pd.DataFrame | None) -> str:
    """The household flow as a table (rows: the earlier round's state; columns: the later round's)."""
    if flow is None or not len(flow):
        return ""
    table = flow.pivot(index="from_state", columns="to_state", values="households")
    return f"<h2>Households from round {flow['previous_round'].iloc[0]} (rows) to round {flow['survey_round'].iloc[0]} (columns)</h2>" + (
        table.to_html(float_format="%.0f", na_rep="-")
    )


def render_html(frames: dict[str, pd.DataFrame], source: str, run_note: str) -> str:
    province = str(frames["districts"]["province_code"].iloc[0]) if len(frames["districts"]) else "-"
    images = {
        "Provinces": png_data_uri(province_map(frames["provinces"])),
        f"Districts of province {province}": png_data_uri(district_map(frames["districts"], province)),
        "Five dimensions": png_data_uri(dimensions_chart(frames["dimensions"])),
        "Welfare exclusion": png_data_uri(exclusion_chart(frames["exclusion"])),
    }
    images.update(change_images(frames))
    top = frames["provinces"].sort_values("rate", ascending=False, na_position="last").head(15)
    sections = "".join(f'<h2>{html.escape(name)}</h2><img alt="{html.escape(name)}" src="{uri}">' for name, uri in images.items())
    tables = (
        "<h2>Provinces with the highest target-poor rate</h2>"
        + top.to_html(index=False, float_format="%.2f", na_rep="-")
        + f"<h2>Districts of province {province}</h2>"
        + frames["districts"].to_html(index=False, float_format="%.2f", na_rep="-")
        + "<h2>Welfare exclusion of the eligible poor, and inclusion of the not eligible, by province and program</h2>"
        + frames["exclusion"].to_html(index=False, float_format="%.2f", na_rep="-")
        + flow_table(frames.get("flow"))
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>TPMAP report</title>'
        "<style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;font-size:0.85em}"
        "td,th{border:1px solid #ccc;padding:2px 6px}img{max-width:100%}</style></head><body>"
        f"<h1>TPMAP overview</h1><p>Source: {html.escape(source)}. {html.escape(run_note)}</p>"
        f"{sections}{tables}</body></html>"
    )


def latest_run_note(spark: SparkSession, source: str) -> str:
    if source == "ref":
        return "Published TPMAP 2561 figures."
    row = (
        spark.table("ops.job_runs")
        .where("job = 'indicators' AND status = 'succeeded'")
        .orderBy("ended_at", ascending=False)
        .select("run_id", "ended_at")
        .first()
    )
    return f"Indicators run {row['run_id']} finished {row['ended_at']}." if row else "No recorded indicators run."


def run(spark: SparkSession, config: AppConfig, args: Options, job_run: JobRun) -> None:
    frames = load_frames(spark, args.source, args.province, args.survey_round)
    for name, frame in frames.items():
        job_run.read(name, len(frame))
    output = Path(args.output or f"{config.paths.resolved('runs')}/report/tpmap_report.html")
    output.parent.mkdir(parents=True, exist_ok=True)
    note = latest_run_note(spark, args.source) + f" Written {datetime.now():%Y-%m-%d %H:%M}."
    output.write_text(render_html(frames, args.source, note), encoding="utf-8")
    job_run.wrote(str(output), 1)
    print(output)
