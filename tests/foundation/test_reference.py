"""The reference tables: complete, nested by prefix, documented."""

from jobs.tables import column_comments

REF_TABLES = [
    "ref.province",
    "ref.district",
    "ref.subdistrict",
    "ref.village",
    "ref.tpmap2561_country",
    "ref.tpmap2561_province",
    "ref.tpmap2561_district",
    "ref.tpmap2561_subdistrict",
    "ref.tpmap2561_village",
]


def test_77_provinces(spark, reference_tables):
    assert spark.table("ref.province").count() == 77
    assert reference_tables["ref.province"] == 77


def test_codes_nest_by_prefix(spark, reference_tables):
    orphans = spark.sql(
        """
        SELECT 'district' AS level, d.district_code AS code FROM ref.district d
          LEFT ANTI JOIN ref.province p ON p.province_code = d.province_code
        UNION ALL SELECT 'district-prefix', district_code FROM ref.district WHERE left(district_code, 2) <> province_code
        UNION ALL SELECT 'subdistrict', s.subdistrict_code FROM ref.subdistrict s
          LEFT ANTI JOIN ref.district d ON d.district_code = s.district_code
        UNION ALL SELECT 'subdistrict-prefix', subdistrict_code FROM ref.subdistrict
          WHERE left(subdistrict_code, 4) <> district_code OR left(subdistrict_code, 2) <> province_code
        UNION ALL SELECT 'village', v.village_code FROM ref.village v
          LEFT ANTI JOIN ref.subdistrict s ON s.subdistrict_code = v.subdistrict_code
        """
    ).collect()
    assert orphans == []


def test_every_village_maps_to_a_known_province(spark, reference_tables):
    unknown = spark.sql(
        "SELECT v.village_code FROM ref.village v LEFT ANTI JOIN ref.province p ON p.province_code = v.province_code"
    ).count()
    assert unknown == 0
    assert spark.table("ref.village").count() == 82389  # distinct 8-digit codes of the 84,090 published villages


def test_municipal_pseudo_subdistricts_are_present(spark, reference_tables):
    municipal = spark.sql("SELECT * FROM ref.subdistrict WHERE is_municipal").count()
    assert municipal == 581


def test_published_country_figures_match_the_check_values(spark, reference_tables):
    row = spark.table("ref.tpmap2561_country").first()
    assert row.household_cnt == 12935866
    assert row.housemember_cnt == 36647817
    assert row.poor_jpt_mofval_cnt == 1032987
    assert round(row.jpt_mofval_pov_rate, 2) == 2.82


def test_every_reference_column_has_a_comment(spark, reference_tables):
    undocumented = [f"{table}.{column}" for table in REF_TABLES for column, comment in column_comments(spark, table).items() if not comment]
    assert undocumented == []
    assert "households surveyed" in column_comments(spark, "ref.tpmap2561_province")["household_cnt"]


def test_villages_group_the_published_ids_under_their_8_digit_code():
    from jobs.reference import villages

    frame = villages()
    assert len(frame) == 82389 and frame["tpmap_village_ids"].map(len).sum() == 84090
    assert frame["village_code"].is_unique and frame["village_code"].is_monotonic_increasing
    assert all(i.startswith(c) for c, ids in zip(frame["village_code"], frame["tpmap_village_ids"], strict=True) for i in ids)
    row = frame.set_index("village_code").loc["14060102"]
    assert (row["moo"], row["village_name"], row["tpmap_village_ids"]) == ("02", "เลนเหนือ", ["1406010201", "1406010202"])
