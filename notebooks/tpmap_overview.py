# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # TPMAP overview
#
# Who is target poor (BMN-poor *and* a verified welfare-card holder), where, lacking what, and whom
# the welfare programs miss. Everything is read with SQL from the published, disclosure-controlled
# tables (`public.area_indicators`, `public.welfare_coverage`: small counts, and the cells that would
# give them back, are empty); set `SOURCE = "ref"` to draw the published TPMAP 2561 figures instead. Maps come from the boundaries in `conf/reference/geo/` (no tiles, no
# network). The embedded metastore admits one Spark process: stop jobs and the Thrift server first.

# %% tags=["parameters"]
SOURCE = "gold"  # "gold" (this pipeline's published tables, public.*) or "ref" (published TPMAP 2561)
PROVINCE = None  # 2-digit province code for the district map; None = the highest target-poor rate
ROUND = None  # survey round (BE year) to show; None = the latest published

# %%
import sys
from pathlib import Path

ROOT = Path.cwd() if (Path.cwd() / "jobs").is_dir() else Path.cwd().parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from duckdb_query import ANALYST_DATABASES, connect, default_warehouse

from jobs.report import change_map, dimensions_chart, district_map, exclusion_chart, flow_chart, load_frames, province_map

published = connect(default_warehouse(), ANALYST_DATABASES)
frames = load_frames(published, SOURCE, PROVINCE, ROUND)
province = frames["districts"]["province_code"].iloc[0]

# %% [markdown]
# ## Target-poor rate by province

# %%
province_map(frames["provinces"])

# %%
frames["provinces"].sort_values("rate", ascending=False).head(10)

# %% [markdown]
# ## One province, district by district

# %%
district_map(frames["districts"], province)

# %%
frames["districts"]

# %% [markdown]
# ## The five dimensions
# A target-poor person is counted in every dimension they lack, so the bars add up to more than the total.

# %%
dimensions_chart(frames["dimensions"])

# %% [markdown]
# ## Welfare exclusion by province
# Share of the BMN-poor eligible for a program (its rule in `conf/indicators.yaml`, `programs`: a child
# grant is for children under six in poor households, the old-age allowance for persons 60+, ...) that
# the program does not reach; `inclusion_rate` is the share of surveyed recipients who are not eligible
# (the `eligible_*` columns of `public.welfare_coverage` count the eligible target poor too).

# %%
exclusion_chart(frames["exclusion"])

# %%
frames["exclusion"].pivot(index="area_code", columns="program", values="exclusion_rate").head(20)

# %% [markdown]
# ## Change from the round before
# With two or more survey rounds in gold (`generate --round 2562`, then the stages again): the change of
# each province's target-poor rate in percentage points (red: more poor, blue: fewer; grey: hidden or not
# in the earlier round), and the country's households between poor, not poor and not surveyed
# (`public.household_flow`; a household is the same in both rounds when its linked persons are).

# %%
has_change = "rate_change" in frames["provinces"] and frames["provinces"]["rate_change"].notna().any()
change_map(frames["provinces"]) if has_change else "one survey round published: no change to show"

# %%
flow = frames["flow"]
flow_chart(flow, (flow["previous_round"].iloc[0], flow["survey_round"].iloc[0])) if len(flow) else "no household flow published"

# %%
flow.pivot(index="from_state", columns="to_state", values="households") if len(flow) else flow
