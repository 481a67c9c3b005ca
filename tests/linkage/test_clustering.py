from chispa import assert_df_equality
from pyspark.sql import functions as F

from tests.linkage.conftest import record
from transforms.linkage.assign import assign_persons
from transforms.linkage.clustering import connected_components, person_id_of

PAIRS = "record_id_l string, record_id_r string, match_probability double, match_weight double"


def test_transitive_links_form_one_component(spark):
    nodes = spark.createDataFrame([(n,) for n in "abcdef"], "node string")
    edges = spark.createDataFrame([("d", "c"), ("c", "b"), ("b", "a"), ("e", "f")], "node_l string, node_r string")
    expected = spark.createDataFrame(
        [("a", "a"), ("b", "a"), ("c", "a"), ("d", "a"), ("e", "e"), ("f", "e")], "node string, component string"
    )
    assert_df_equality(connected_components(nodes, edges), expected, ignore_row_order=True, ignore_nullable=True)


def _world(make_records, extra=()):
    rows = [
        record("dopa_registry", "R1", pid="3300100123456"),
        record("mof_welfare", "A", pid="3300100123456"),
        record("dla_elderly", "B"),
        record("dep_disability", "C", first_name="x"),
        record("cdd_bmn_member", "D", first_name="x"),
        record("cdd_bmn_member", "E", first_name="x"),
        *extra,
    ]
    return make_records(rows)


def _assign(spark, make_records, extra=(), extra_pairs=()):
    records = _world(make_records, extra)
    deterministic = spark.createDataFrame([("mof_welfare:A", "dopa_registry:R1")], "record_id string, spine_record_id string")
    accepted = spark.createDataFrame(
        [
            ("dla_elderly:B", "dopa_registry:R1", 0.99, 9.0),
            # C-D and D-E: transitively one new person, without a registry record
            ("cdd_bmn_member:D", "dep_disability:C", 0.97, 6.0),
            ("cdd_bmn_member:D", "cdd_bmn_member:E", 0.96, 5.0),
            *extra_pairs,
        ],
        PAIRS,
    )
    return assign_persons(records, deterministic, accepted)


def test_assignment_methods_and_transitive_new_person(spark, make_records):
    result = _assign(spark, make_records).select("record_id", "anchor_record_id", "match_method")
    r1, c = "dopa_registry:R1", "cdd_bmn_member:D"
    expected = spark.createDataFrame(
        [
            (r1, r1, "pid"), ("mof_welfare:A", r1, "pid"), ("dla_elderly:B", r1, "probabilistic"),
            ("dep_disability:C", c, "new_person"), ("cdd_bmn_member:D", c, "new_person"),
            ("cdd_bmn_member:E", c, "new_person"),
        ],
        "record_id string, anchor_record_id string, match_method string",
    )
    assert_df_equality(result, expected, ignore_row_order=True, ignore_nullable=True)


def test_person_ids_stable_on_rerun_and_new_delivery(spark, make_records):
    first = _assign(spark, make_records).select("record_id", "person_id")
    again = _assign(spark, make_records).select("record_id", "person_id")
    assert_df_equality(first, again, ignore_row_order=True)
    # a new delivery: a second registry person and a record joining the new-person cluster
    grown = _assign(
        spark, make_records,
        extra=[record("dopa_registry", "R2", pid="1100100000011", first_name="z"), record("mof_welfare", "Z", first_name="x")],
        extra_pairs=[("cdd_bmn_member:E", "mof_welfare:Z", 0.99, 8.0)],
    ).select("record_id", "person_id")
    kept = grown.join(first.select("record_id"), on="record_id", how="left_semi")
    assert_df_equality(kept, first, ignore_row_order=True)
    expected_id = spark.range(1).select(person_id_of(F.lit("dopa_registry:R1")).alias("p")).first()["p"]
    assert first.filter("record_id = 'dla_elderly:B'").first()["person_id"] == expected_id
