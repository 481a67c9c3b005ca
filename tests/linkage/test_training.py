"""Training in DuckDB: a model Spark can load, with m and u learnt for the levels the data shows."""

from __future__ import annotations

from tests.linkage.conftest import small_world
from transforms.linkage.records import with_latin_flag, with_roman_names
from transforms.linkage.settings import load_linkage_settings
from transforms.linkage.training import train_model, training_sample


def test_model_trained_in_duckdb_is_for_spark_and_separates_matches(spark, make_records):
    tables, _ = small_world(persons=400)
    records = with_roman_names(with_latin_flag(make_records([r for rows in tables.values() for r in rows])))
    settings = load_linkage_settings()
    model = train_model(records.toArrow(), settings)
    assert model["sql_dialect"] == "spark"
    assert all(
        isinstance(rule, str) and "NOT (l.is_spine AND r.is_spine)" in rule for rule in model["blocking_rules_to_generate_predictions"]
    )
    levels = {c["output_column_name"]: c["comparison_levels"] for c in model["comparisons"]}
    exact_first = next(lvl for lvl in levels["first_name"] if lvl["label_for_charts"] == "exact")
    exact_date = next(lvl for lvl in levels["birth_date"] if lvl["label_for_charts"] == "exact day")
    # Agreement is far likelier among matches than among random pairs.
    assert exact_first["m_probability"] > 5 * exact_first["u_probability"]
    assert exact_date["m_probability"] > 50 * exact_date["u_probability"]


def test_training_sample_keeps_the_registry_records_its_records_can_pair_with(spark, make_records):
    tables, _ = small_world(persons=400)
    records = make_records([r for rows in tables.values() for r in rows])
    settings = load_linkage_settings()
    assert training_sample(records, settings, 1.0) is records
    sample = training_sample(records, settings, 0.3)
    others = sample.filter("NOT is_spine").count()
    assert 0 < others < records.filter("NOT is_spine").count()
    # Every sampled record that has a registry match (same PID here) finds it in the sample.
    sampled_pids = {r.pid for r in sample.filter("NOT is_spine AND pid IS NOT NULL").collect()}
    registry_pids = {r.pid for r in records.filter("is_spine").collect()}
    kept_registry = {r.pid for r in sample.filter("is_spine").collect()}
    assert (sampled_pids & registry_pids) <= kept_registry


def test_duckdb_jaro_winkler_compares_thai_letters_not_bytes():
    """Training runs in DuckDB, scoring in Spark: the jaro_winkler both use must compare characters. บุญมี / บุญมา
    are five letters with the last different, as abcde / abcdx; สมชาย / มาลี share two letters out of order."""
    import duckdb

    from transforms.linkage.training import DUCKDB_MACROS

    con = duckdb.connect()
    for macro in DUCKDB_MACROS:
        con.sql(macro)
    thai, latin, unrelated, raw = con.sql(
        "SELECT jaro_winkler('บุญมี', 'บุญมา'), jaro_winkler_similarity('abcde', 'abcdx'), "
        "jaro_winkler('สมชาย', 'มาลี'), jaro_winkler_similarity('สมชาย', 'มาลี')"
    ).fetchone()
    assert thai == latin == 0.92
    assert unrelated < 0.5 < raw  # raw: the bytes' similarity, what the macro replaced


def test_duckdb_levels_read_single_byte_columns_and_the_model_keeps_the_spark_sql():
    """DuckDB compares each record's single-byte name once, not per pair; the model Spark loads has the
    levels' own SQL, and DuckDB's rewritten level agrees with the macro on Thai names."""
    import duckdb

    from transforms.linkage.training import DUCKDB_MACROS, _single_byte, for_duckdb, single_byte_columns, with_sql_of

    jw = "jaro_winkler(first_name_l, first_name_r) >= 0.88"
    rom = "(latin_name_l OR latin_name_r) AND jaro_winkler(first_name_rom_l, first_name_rom_r) >= 0.94"
    mixed = "jaro_winkler(first_name_l, last_name_r) >= 0.9"  # two columns: left to the macro
    splink = {"comparisons": [{"output_column_name": "first_name", "comparison_levels": [{"sql_condition": s} for s in (jw, rom, mixed)]}]}
    assert single_byte_columns(splink) == ["first_name", "first_name_rom"]
    duck = [level["sql_condition"] for level in for_duckdb(splink)["comparisons"][0]["comparison_levels"]]
    assert duck == [
        "jaro_winkler_similarity(first_name__single_byte_l, first_name__single_byte_r) >= 0.88",
        "(latin_name_l OR latin_name_r) AND jaro_winkler_similarity(first_name_rom__single_byte_l, first_name_rom__single_byte_r) >= 0.94",
        mixed,
    ]
    trained = {
        "comparisons": [
            {"output_column_name": "first_name", "comparison_levels": [{"sql_condition": s, "m_probability": 0.5} for s in duck]}
        ]
    }
    restored = with_sql_of(trained, splink)["comparisons"][0]["comparison_levels"]
    assert restored == [{"sql_condition": s, "m_probability": 0.5} for s in (jw, rom, mixed)]

    con = duckdb.connect()
    for macro in DUCKDB_MACROS:
        con.sql(macro)
    con.sql("CREATE TABLE names (first_name_l VARCHAR, first_name_r VARCHAR)")
    con.sql("INSERT INTO names VALUES ('บุญมี', 'บุญมา'), ('สมชาย', 'มาลี'), ('สมชาย', 'สมชาญ'), ('SOMCHAI', 'SOMCHAY')")
    single = ", ".join(f"{_single_byte(f'first_name_{side}')} AS first_name__single_byte_{side}" for side in "lr")
    con.sql(f"CREATE VIEW pairs AS SELECT *, {single} FROM names")
    # Ordered by name: SOMCHAI / SOMCHAY, บุญมี / บุญมา, สมชาย / มาลี, สมชาย / สมชาญ.
    as_spark, as_duckdb = (
        con.sql(f"SELECT list(({sql}) ORDER BY first_name_l, first_name_r) FROM pairs").fetchone()[0] for sql in (jw, duck[0])
    )
    assert as_spark == as_duckdb == [True, True, False, True]


def test_levels_random_sampling_never_met_keep_splinks_in_memory_u():
    """Splink's JSON leaves out the u of a level random sampling never met; loaded back, such a level took a
    positional default (an exact ID weighed +7.5 instead of +17.4). The model Spark loads says 1e-6."""
    from splink.internals.settings_creator import SettingsCreator

    from transforms.linkage.training import UNOBSERVED_U, with_unobserved_u_marked

    model = {
        "link_type": "dedupe_only",
        "unique_id_column_name": "record_id",
        "comparisons": [
            {
                "output_column_name": "pid",
                "comparison_levels": [
                    {"sql_condition": "pid_l IS NULL OR pid_r IS NULL", "is_null_level": True},
                    {"sql_condition": "pid_l = pid_r", "m_probability": 0.17},  # trained m, u never met
                    {"sql_condition": "levenshtein(pid_l, pid_r) = 1"},  # met by neither: Splink's defaults stay
                    {"sql_condition": "ELSE", "m_probability": 0.2, "u_probability": 0.99},
                ],
            }
        ],
    }
    marked = with_unobserved_u_marked(model)
    levels = marked["comparisons"][0]["comparison_levels"]
    assert [lvl.get("u_probability") for lvl in levels] == [None, UNOBSERVED_U, None, 0.99]
    loaded = SettingsCreator.from_path_or_dict({**marked, "sql_dialect": "duckdb"}).get_settings("duckdb")
    exact = loaded.comparisons[0].comparison_levels[1]
    assert round(exact._log2_bayes_factor, 2) == 17.38  # log2(0.17 / 1e-6)
