import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from tests.linkage.conftest import record
from transforms.linkage.assign import ambiguous_records, assign_persons, held_by_id, review_rows, spine_choice
from transforms.linkage.clustering import connected_components, person_id_of

PAIRS = "record_id_l string, record_id_r string, source_l string, source_r string, match_probability double, match_weight double, same_pid boolean"
WATERFALL = "comparisons array<struct<comparison:string,level:int,label:string,match_weight:double>>"
SCORED_PAIRS = f"{PAIRS}, {WATERFALL}"  # accepted pairs as the link job reads them: with the waterfall


def test_transitive_links_form_one_component(spark):
    nodes = spark.createDataFrame([(n,) for n in "abcdef"], "node string")
    edges = spark.createDataFrame([("d", "c"), ("c", "b"), ("b", "a"), ("e", "f")], "node_l string, node_r string")
    expected = spark.createDataFrame(
        [("a", "a"), ("b", "a"), ("c", "a"), ("d", "a"), ("e", "e"), ("f", "e")], "node string, component string"
    )
    assert_df_equality(connected_components(nodes, edges), expected, ignore_row_order=True, ignore_nullable=True)


@pytest.mark.slow  # 59 clustering iterations, about 45 s: make test-slow
def test_a_long_chain_is_one_component_and_a_lone_node_its_own(spark):
    """60 records each linked to the next: more hops than the old propagation loop allowed (50)."""
    names = [f"n{i:03d}" for i in range(60)]
    nodes = spark.createDataFrame([(n,) for n in [*names, "z"]], "node string")
    edges = spark.createDataFrame(list(zip(names[1:], names[:-1], strict=True)), "node_l string, node_r string")
    expected = spark.createDataFrame([(n, "n000") for n in names] + [("z", "z")], "node string, component string")
    assert_df_equality(connected_components(nodes, edges), expected, ignore_row_order=True, ignore_nullable=True)


def test_no_edges_every_node_alone(spark):
    nodes = spark.createDataFrame([("a",), ("b",)], "node string")
    edges = spark.createDataFrame([], "node_l string, node_r string")
    expected = spark.createDataFrame([("a", "a"), ("b", "b")], "node string, component string")
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


def _assign(spark, make_records, extra=(), extra_pairs=(), review_margin=None):
    records = _world(make_records, extra)
    spine = records.filter("is_spine").select("record_id", "source")
    by_pid = spark.createDataFrame(
        [("mof_welfare:A", "mof_welfare", "dopa_registry:R1")], "record_id string, source string, spine_record_id string"
    )
    residual = records.filter("NOT is_spine").join(by_pid.select("record_id"), "record_id", "left_anti").select("record_id", "source")
    accepted = spark.createDataFrame(
        [
            ("dla_elderly:B", "dopa_registry:R1", "dla_elderly", "dopa_registry", 0.99, 9.0, False),
            # C-D and D-E: transitively one new person, without a registry record
            ("cdd_bmn_member:D", "dep_disability:C", "cdd_bmn_member", "dep_disability", 0.97, 6.0, False),
            ("cdd_bmn_member:D", "cdd_bmn_member:E", "cdd_bmn_member", "cdd_bmn_member", 0.96, 5.0, False),
            *extra_pairs,
        ],
        PAIRS,
    )
    return assign_persons(spine, by_pid, residual, spine_choice(accepted, residual, "dopa_registry", review_margin))


def test_assignment_methods_and_transitive_new_person(spark, make_records):
    result = _assign(spark, make_records).select("record_id", "anchor_record_id", "match_method")
    r1, c = "dopa_registry:R1", "cdd_bmn_member:D"
    expected = spark.createDataFrame(
        [
            (r1, r1, "pid"),
            ("mof_welfare:A", r1, "pid"),
            ("dla_elderly:B", r1, "probabilistic"),
            ("dep_disability:C", c, "new_person"),
            ("cdd_bmn_member:D", c, "new_person"),
            ("cdd_bmn_member:E", c, "new_person"),
        ],
        "record_id string, anchor_record_id string, match_method string",
    )
    assert_df_equality(result, expected, ignore_row_order=True, ignore_nullable=True)


@pytest.mark.slow  # two link runs (33 s): in make test-slow, so CI, not in the fast suite
def test_person_ids_stable_on_rerun_and_new_delivery(spark, make_records):
    first = _assign(spark, make_records).select("record_id", "person_id")
    again = _assign(spark, make_records).select("record_id", "person_id")
    assert_df_equality(first, again, ignore_row_order=True)
    # a new delivery: a second registry person and a record joining the new-person cluster
    grown = _assign(
        spark,
        make_records,
        extra=[record("dopa_registry", "R2", pid="1100100000011", first_name="z"), record("mof_welfare", "Z", first_name="x")],
        extra_pairs=[("cdd_bmn_member:E", "mof_welfare:Z", "cdd_bmn_member", "mof_welfare", 0.99, 8.0, False)],
    ).select("record_id", "person_id")
    kept = grown.join(first.select("record_id"), on="record_id", how="left_semi")
    assert_df_equality(kept, first, ignore_row_order=True)
    expected_id = spark.range(1).select(person_id_of(F.lit("dopa_registry:R1")).alias("p")).first()["p"]
    assert first.filter("record_id = 'dla_elderly:B'").first()["person_id"] == expected_id


def test_a_record_paired_with_a_pid_linked_record_takes_its_person(spark, make_records):
    """F pairs only with A (linked to R1 by its ID): F inherits R1's anchor, with F's pair probability."""
    result = (
        _assign(
            spark,
            make_records,
            extra=[record("dla_elderly", "F", first_name="y")],
            extra_pairs=[("dla_elderly:F", "mof_welfare:A", "dla_elderly", "mof_welfare", 0.98, 7.0, False)],
        )
        .filter("record_id = 'dla_elderly:F'")
        .select("record_id", "source", "anchor_record_id", "match_method", "match_probability")
    )
    expected = spark.createDataFrame(
        [("dla_elderly:F", "dla_elderly", "dopa_registry:R1", "probabilistic", 0.98)],
        "record_id string, source string, anchor_record_id string, match_method string, match_probability double",
    )
    assert_df_equality(result, expected, ignore_nullable=True)


def test_golden_record_registry_first_else_agreement(spark, make_records):
    """A registry person takes the registry's values; a person without one takes what most records say."""
    from transforms.linkage.golden import golden_persons

    r1 = "dopa_registry:R1"
    records = make_records([
        record("dopa_registry", "R1", pid="3300100123456", first_name="somchai", village_code="30010101"),
        record("mof_welfare", "A", pid="3300100123456", first_name="somchay", village_code="99999999"),
        record("dep_disability", "C", first_name="malee", last_name="srisuk", _delivery="2018-06-30"),
        record("cdd_bmn_member", "D", first_name="malee", last_name="srisuk", _delivery="2018-06-30"),
        record("cdd_bmn_member", "E", first_name="malii", last_name="srisuk", village_code=None, subdistrict_code=None, _delivery="2018-09-30"),
    ])  # fmt: skip
    c = "cdd_bmn_member:D"
    xref = spark.createDataFrame(
        [(r1, "dopa_registry", r1, "pid"), ("mof_welfare:A", "mof_welfare", r1, "pid"),
         ("dep_disability:C", "dep_disability", c, "new_person"), ("cdd_bmn_member:D", "cdd_bmn_member", c, "new_person"),
         ("cdd_bmn_member:E", "cdd_bmn_member", c, "new_person")],
        "record_id string, source string, anchor string, match_method string",
    ).select("record_id", "source", person_id_of(F.col("anchor")).alias("person_id"), "match_method")  # fmt: skip
    sources = ["dopa_registry", "cdd_bmn_member", "dep_disability", "mof_welfare"]
    actual = golden_persons(xref, records, "dopa_registry", sources).select(
        "person_id", "pid", "first_name", "last_name", "village_code", "record_count", "sources"
    )

    def pid_of(anchor):
        return spark.range(1).select(person_id_of(F.lit(anchor))).first()[0]

    expected = spark.createDataFrame(
        [(pid_of(r1), "3300100123456", "somchai", "jaidee", "30010101", 2, ["dopa_registry", "mof_welfare"]),
         (pid_of(c), None, "malee", "srisuk", "30010101", 3, ["cdd_bmn_member", "dep_disability"])],
        "person_id string, pid string, first_name string, last_name string, village_code string, record_count long, sources array<string>",
    )  # fmt: skip
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_a_record_the_data_cannot_place_between_two_registry_candidates_is_reviewed_not_linked(spark, make_records):
    """Twins R1 and T1 in the registry. G scores 24.0 against both: review. H's candidates are 3 apart, over the
    margin of 1: it links to the better. K gives R1's ID but T1's name (pairs 26.0 by its other fields to T1, 18.0
    to R1 with the ID): the ID says one twin, the rest the other, so review. L gives R1's ID and R1 is also its best
    candidate: it links. B, with one candidate, links as before."""
    twin = record("dopa_registry", "T1", pid="3300100123464", first_name="y")
    extra = [twin, *[record("mof_welfare", k, first_name="z") for k in "GHKL"]]
    pairs = [
        ("mof_welfare:G", "dopa_registry:R1", "mof_welfare", "dopa_registry", 1.0, 24.0, False),
        ("dopa_registry:T1", "mof_welfare:G", "dopa_registry", "mof_welfare", 1.0, 24.0, False),
        ("mof_welfare:H", "dopa_registry:R1", "mof_welfare", "dopa_registry", 1.0, 21.0, False),
        ("mof_welfare:H", "dopa_registry:T1", "mof_welfare", "dopa_registry", 1.0, 24.0, False),
        ("mof_welfare:K", "dopa_registry:R1", "mof_welfare", "dopa_registry", 1.0, 18.0, True),
        ("mof_welfare:K", "dopa_registry:T1", "mof_welfare", "dopa_registry", 1.0, 26.0, False),
        ("mof_welfare:L", "dopa_registry:R1", "mof_welfare", "dopa_registry", 1.0, 26.0, True),
        ("mof_welfare:L", "dopa_registry:T1", "mof_welfare", "dopa_registry", 1.0, 18.0, False),
    ]
    result = (
        _assign(spark, make_records, extra, pairs, review_margin=1.0)
        .filter(F.col("record_id").isin("mof_welfare:G", "mof_welfare:H", "mof_welfare:K", "mof_welfare:L", "dla_elderly:B"))
        .select("record_id", "anchor_record_id", "match_method", "match_weight")
    )
    expected = spark.createDataFrame(
        [
            ("mof_welfare:G", "mof_welfare:G", "review", 24.0),
            ("mof_welfare:H", "dopa_registry:T1", "probabilistic", 24.0),
            ("mof_welfare:K", "mof_welfare:K", "review", 26.0),
            ("mof_welfare:L", "dopa_registry:R1", "probabilistic", 26.0),
            ("dla_elderly:B", "dopa_registry:R1", "probabilistic", 9.0),
        ],
        "record_id string, anchor_record_id string, match_method string, match_weight double",
    )
    assert_df_equality(result, expected, ignore_row_order=True, ignore_nullable=True)


def test_review_rows_hold_both_candidates_with_their_waterfalls(spark, make_records):
    from transforms.linkage.assign import spine_choice

    waterfall = [("first_name", 0, "else", -19.9)]
    accepted = spark.createDataFrame(
        [
            ("mof_welfare:G", "dopa_registry:R1", "mof_welfare", "dopa_registry", 1.0, 24.0, False, waterfall),
            ("dopa_registry:T1", "mof_welfare:G", "dopa_registry", "mof_welfare", 1.0, 23.5, False, waterfall),
            ("dla_elderly:B", "dopa_registry:R1", "dla_elderly", "dopa_registry", 0.99, 9.0, False, waterfall),
        ],
        SCORED_PAIRS,
    )
    scored = spark.createDataFrame([("mof_welfare:G", "mof_welfare"), ("dla_elderly:B", "dla_elderly")], "record_id string, source string")
    choice = spine_choice(accepted, scored, "dopa_registry", review_margin=1.0)
    got = review_rows(choice.candidates, choice.ambiguous)
    expected = spark.createDataFrame(
        [
            ("mof_welfare:G", "mof_welfare", 1, "dopa_registry:R1", 1.0, 24.0, False, waterfall),
            ("mof_welfare:G", "mof_welfare", 2, "dopa_registry:T1", 1.0, 23.5, False, waterfall),
        ],
        "record_id string, source string, candidate_rank int, candidate_record_id string, match_probability double, match_weight double, "
        "same_pid boolean, " + WATERFALL,
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)


def test_an_id_naming_a_candidate_of_another_birth_date_is_a_wrong_id_not_a_conflict(spark):
    """G carries the ID of R2, a household member born another year: its other fields name R1, which links.
    H carries the ID of its twin T2 (same birth date): the data cannot choose, so H is reviewed. K's own ID
    and birth date name S1, and a sibling's first name on it names S2 within the margin: S1 is settled.
    Without id_agrees_on, G, H and K are all reviewed."""
    from transforms.linkage.assign import spine_choice

    agree, differ = [("birth_date", 1, "exact day", 13.4)], [("birth_date", 0, "else", -5.8)]
    accepted = spark.createDataFrame(
        [
            ("mof_welfare:G", "dopa_registry:R1", "mof_welfare", "dopa_registry", 1.0, 38.0, False, agree),
            ("mof_welfare:G", "dopa_registry:R2", "mof_welfare", "dopa_registry", 0.99, 12.0, True, differ),
            ("mof_welfare:H", "dopa_registry:T1", "mof_welfare", "dopa_registry", 1.0, 51.0, False, agree),
            ("mof_welfare:H", "dopa_registry:T2", "mof_welfare", "dopa_registry", 1.0, 38.0, True, agree),
            ("mof_welfare:K", "dopa_registry:S1", "mof_welfare", "dopa_registry", 1.0, 29.0, True, agree),
            ("mof_welfare:K", "dopa_registry:S2", "mof_welfare", "dopa_registry", 1.0, 25.4, False, differ),
        ],
        SCORED_PAIRS,
    )
    scored = spark.createDataFrame([(f"mof_welfare:{k}", "mof_welfare") for k in "GHK"], "record_id string, source string")
    candidates = spine_choice(accepted, scored, "dopa_registry").candidates

    def reviewed(agrees_on):
        return sorted(r.record_id for r in ambiguous_records(candidates, 8.0, agrees_on).collect())

    assert reviewed("birth_date") == ["mof_welfare:H"]
    assert reviewed(None) == ["mof_welfare:G", "mof_welfare:H", "mof_welfare:K"]


def test_a_registry_record_a_household_member_holds_by_id_is_no_candidate_for_another_member(spark):
    """Twins R1 and T1 share a birth date. Survey member 01 (T1's own ID and name) was placed on T1 by the ID
    pass. Member 02 carries R1's ID but T1's first name (the sibling's name written by mistake): alone, its
    two candidates would send it to review; T1 is held by member 01 of its household, so it links to R1.
    Member 03 of another household gives the same fields: nothing of its household holds T1, so it is reviewed.
    A record of no household (mof_welfare:W) keeps both candidates too."""
    agree = [("birth_date", 1, "exact day", 13.4)]
    pairs = [
        (f"{rid}", f"dopa_registry:{spine}", src, "dopa_registry", 1.0, weight, same_pid, agree)
        for rid, src in (
            ("cdd_bmn_member:H1-02", "cdd_bmn_member"),
            ("cdd_bmn_member:H2-03", "cdd_bmn_member"),
            ("mof_welfare:W", "mof_welfare"),
        )
        for spine, weight, same_pid in (("R1", 30.0, True), ("T1", 36.0, False))
    ]
    accepted = spark.createDataFrame(pairs, SCORED_PAIRS)
    scored = spark.createDataFrame(
        [("cdd_bmn_member:H1-02", "cdd_bmn_member"), ("cdd_bmn_member:H2-03", "cdd_bmn_member"), ("mof_welfare:W", "mof_welfare")],
        "record_id string, source string",
    )
    by_pid = spark.createDataFrame(
        [("cdd_bmn_member:H1-01", "cdd_bmn_member", "dopa_registry:T1", "H1")],
        "record_id string, source string, spine_record_id string, household string",
    )
    held = held_by_id(by_pid, "household")
    groups = spark.createDataFrame(
        [("cdd_bmn_member:H1-02", "H1"), ("cdd_bmn_member:H2-03", "H2"), ("mof_welfare:W", None)], "record_id string, group string"
    )
    choice = spine_choice(accepted, scored, "dopa_registry", 8.0, "birth_date", groups=groups, held=held)
    spine = spark.createDataFrame(
        [("dopa_registry:R1", "dopa_registry"), ("dopa_registry:T1", "dopa_registry")], "record_id string, source string"
    )
    result = (
        assign_persons(spine, by_pid, scored, choice)
        .filter(F.col("source") != "dopa_registry")
        .select("record_id", "anchor_record_id", "match_method")
    )
    expected = spark.createDataFrame(
        [
            ("cdd_bmn_member:H1-01", "dopa_registry:T1", "pid"),
            ("cdd_bmn_member:H1-02", "dopa_registry:R1", "probabilistic"),
            ("cdd_bmn_member:H2-03", "cdd_bmn_member:H2-03", "review"),
            ("mof_welfare:W", "mof_welfare:W", "review"),
        ],
        "record_id string, anchor_record_id string, match_method string",
    )
    assert_df_equality(result, expected, ignore_row_order=True, ignore_nullable=True)


def test_an_id_that_alone_agrees_on_the_birth_date_outweighs_a_better_candidate(spark):
    """M's own ID and birth date name S1; a sibling's first name and house on it name S2 better by more than the
    margin (S2 born another day): only S1 agrees on the birth date, so M links to S1. H carries its twin T2's
    ID (T1 and T2 share the birth date): both agree, the data cannot choose, H is reviewed. G carries R2's ID,
    a member born another year, and its other fields name R1: the ID is wrong, R1 links."""
    agree, differ = [("birth_date", 1, "exact day", 14.1)], [("birth_date", 6, "same year", -2.6)]
    accepted = spark.createDataFrame(
        [
            ("mof_welfare:M", "dopa_registry:S1", "mof_welfare", "dopa_registry", 0.999, 10.9, True, agree),
            ("mof_welfare:M", "dopa_registry:S2", "mof_welfare", "dopa_registry", 1.0, 20.2, False, differ),
            ("mof_welfare:H", "dopa_registry:T1", "mof_welfare", "dopa_registry", 1.0, 51.0, False, agree),
            ("mof_welfare:H", "dopa_registry:T2", "mof_welfare", "dopa_registry", 1.0, 38.0, True, agree),
            ("mof_welfare:G", "dopa_registry:R1", "mof_welfare", "dopa_registry", 1.0, 38.0, False, agree),
            ("mof_welfare:G", "dopa_registry:R2", "mof_welfare", "dopa_registry", 0.99, 12.0, True, differ),
        ],
        SCORED_PAIRS,
    )
    scored = spark.createDataFrame([(f"mof_welfare:{k}", "mof_welfare") for k in "MHG"], "record_id string, source string")
    spine = spark.createDataFrame(
        [(f"dopa_registry:{k}", "dopa_registry") for k in ("S1", "S2", "T1", "T2", "R1", "R2")], "record_id string, source string"
    )
    by_pid = spark.createDataFrame([], "record_id string, source string, spine_record_id string")
    choice = spine_choice(accepted, scored, "dopa_registry", 8.0, "birth_date")
    result = assign_persons(spine, by_pid, scored, choice).filter(F.col("source") != "dopa_registry")
    expected = spark.createDataFrame(
        [
            ("mof_welfare:M", "dopa_registry:S1", "probabilistic", 10.9),
            ("mof_welfare:H", "mof_welfare:H", "review", 51.0),
            ("mof_welfare:G", "dopa_registry:R1", "probabilistic", 38.0),
        ],
        "record_id string, anchor_record_id string, match_method string, match_weight double",
    )
    assert_df_equality(
        result.select("record_id", "anchor_record_id", "match_method", "match_weight"),
        expected,
        ignore_row_order=True,
        ignore_nullable=True,
    )


def test_an_id_naming_a_twin_of_the_other_sex_is_a_wrong_id_not_a_conflict(spark):
    """H and F carry a twin's ID (both candidates share the birth date) and their own first name. F's twin T2 is
    of the other sex, and F's sex is its own: F's other fields name T1 on two counts against the ID's one, so
    F links to T1. H's twin S2 has H's sex (or H's sex is unknown to the comparison: weight 0): reviewed as before.
    M's own ID and birth date name R1, the only candidate agreeing on the birth date, but R1 is of the other sex:
    its ID no longer settles M, whose better candidate R2 is within the margin: reviewed."""

    def waterfall(birth_date, sex):
        return [("birth_date", 1, "exact day" if birth_date > 0 else "else", birth_date), ("sex", 1, "sex", sex)]

    accepted = spark.createDataFrame(
        [
            ("mof_welfare:F", "dopa_registry:T1", "mof_welfare", "dopa_registry", 1.0, 44.1, False, waterfall(14.1, 1.0)),
            ("mof_welfare:F", "dopa_registry:T2", "mof_welfare", "dopa_registry", 1.0, 23.4, True, waterfall(14.1, -6.0)),
            ("mof_welfare:H", "dopa_registry:S1", "mof_welfare", "dopa_registry", 1.0, 44.1, False, waterfall(14.1, 0.0)),
            ("mof_welfare:H", "dopa_registry:S2", "mof_welfare", "dopa_registry", 1.0, 30.4, True, waterfall(14.1, 0.0)),
            ("mof_welfare:M", "dopa_registry:R1", "mof_welfare", "dopa_registry", 1.0, 20.0, True, waterfall(14.1, -6.0)),
            ("mof_welfare:M", "dopa_registry:R2", "mof_welfare", "dopa_registry", 1.0, 24.0, False, waterfall(-4.1, 1.0)),
        ],
        SCORED_PAIRS,
    )
    scored = spark.createDataFrame([(f"mof_welfare:{k}", "mof_welfare") for k in "FHM"], "record_id string, source string")
    spine = spark.createDataFrame(
        [(f"dopa_registry:{k}", "dopa_registry") for k in ("T1", "T2", "S1", "S2", "R1", "R2")], "record_id string, source string"
    )
    by_pid = spark.createDataFrame([], "record_id string, source string, spine_record_id string")
    choice = spine_choice(accepted, scored, "dopa_registry", 8.0, "birth_date", id_refuted_by=["sex"])
    result = assign_persons(spine, by_pid, scored, choice).filter(F.col("source") != "dopa_registry")
    expected = spark.createDataFrame(
        [
            ("mof_welfare:F", "dopa_registry:T1", "probabilistic"),
            ("mof_welfare:H", "mof_welfare:H", "review"),
            ("mof_welfare:M", "mof_welfare:M", "review"),
        ],
        "record_id string, anchor_record_id string, match_method string",
    )
    assert_df_equality(
        result.select("record_id", "anchor_record_id", "match_method"), expected, ignore_row_order=True, ignore_nullable=True
    )
    without = spine_choice(accepted, scored, "dopa_registry", 8.0, "birth_date")
    assert sorted(r.record_id for r in without.ambiguous.collect()) == ["mof_welfare:F", "mof_welfare:H"]  # M: its ID settles it
