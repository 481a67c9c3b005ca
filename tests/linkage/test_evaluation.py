from chispa import assert_df_equality

from transforms.linkage.evaluation import cluster_quality, error_kind_quality, labelled_pairs, lookalike_quality, pairwise_quality

XREF = "record_id string, source string, person_id string, match_method string"
TRUTH = "record_id string, person_id string"


def _data(spark):
    xref = spark.createDataFrame(
        [
            ("a", "dopa_registry", "P1", "pid"),
            ("b", "mof_welfare", "P1", "probabilistic"),
            ("c", "dla_elderly", "P2", "new_person"),
            ("d", "mof_welfare", "P2", "new_person"),
        ],
        XREF,
    )
    truth = spark.createDataFrame([("a", "1"), ("b", "1"), ("c", "1"), ("d", "2")], TRUTH)
    return xref, truth


def test_pairwise_precision_recall_f1(spark):
    xref, truth = _data(spark)
    result = pairwise_quality(labelled_pairs(xref, truth)).filter("scope = 'overall' OR scope_value = 'dla_elderly'")
    # predicted pairs ab, cd; true pairs ab, ac, bc; one true positive
    p, r = 0.5, 1 / 3
    expected = spark.createDataFrame(
        [
            ("overall", "all", "predicted_pairs", 2.0),
            ("overall", "all", "true_pairs", 3.0),
            ("overall", "all", "true_positives", 1.0),
            ("overall", "all", "precision", p),
            ("overall", "all", "recall", r),
            ("overall", "all", "f1", 2 * p * r / (p + r)),
            # pairs touching dla_elderly: cd predicted (false), ac and bc true (missed)
            ("source", "dla_elderly", "predicted_pairs", 1.0),
            ("source", "dla_elderly", "true_pairs", 2.0),
            ("source", "dla_elderly", "true_positives", 0.0),
            ("source", "dla_elderly", "precision", 0.0),
            ("source", "dla_elderly", "recall", 0.0),
            ("source", "dla_elderly", "f1", None),
        ],
        "scope string, scope_value string, metric string, value double",
    )
    assert_df_equality(result, expected, ignore_row_order=True, ignore_nullable=True, allow_nan_equality=True)


def test_split_and_merged_clusters(spark):
    xref, truth = _data(spark)
    values = {r.metric: r.value for r in cluster_quality(xref, truth).collect()}
    assert values == {"persons_split": 1.0, "clusters_merging_persons": 1.0}


def test_lookalike_pairs_merged_per_kind(spark):
    """Twins 1 and 2 merged (records a and c in one predicted person); twins 3 and 4 kept apart; the namesakes
    5 and 6 kept apart; the junior 7 of 8 has no record of 8, so the pair is not at risk and not counted."""
    xref = spark.createDataFrame(
        [
            ("a", "dopa_registry", "P1", "pid"),
            ("b", "dopa_registry", "P2", "pid"),
            ("c", "mof_welfare", "P1", "probabilistic"),
            ("d", "dopa_registry", "P3", "pid"),
            ("e", "dopa_registry", "P4", "pid"),
            ("f", "dopa_registry", "P5", "pid"),
            ("g", "mof_welfare", "P6", "new_person"),
            ("h", "dopa_registry", "P7", "pid"),
        ],
        XREF,
    )
    truth = spark.createDataFrame([("a", "1"), ("b", "2"), ("c", "2"), ("d", "3"), ("e", "4"), ("f", "5"), ("g", "6"), ("h", "7")], TRUTH)
    lookalikes = spark.createDataFrame(
        [(1, None, None), (2, 1, "twin"), (4, 3, "twin"), (6, 5, "namesake"), (7, 8, "junior")],
        "person_id long, lookalike_of long, lookalike_kind string",
    )
    expected = spark.createDataFrame(
        [
            ("lookalike", "twin", "pairs", 2.0),
            ("lookalike", "twin", "merged_pairs", 1.0),
            ("lookalike", "namesake", "pairs", 1.0),
            ("lookalike", "namesake", "merged_pairs", 0.0),
        ],
        "scope string, scope_value string, metric string, value double",
    )
    assert_df_equality(lookalike_quality(xref, truth, lookalikes), expected, ignore_row_order=True, ignore_nullable=True)


def test_recall_per_error_kind(spark):
    """Person 1 has records a, b, c: a and b together (P1), c alone (P2), so c missed its person. Person 2's
    only record d cannot reach anyone and is not counted. Person 3's e and f were placed together."""
    xref = spark.createDataFrame(
        [
            ("a", "dopa_registry", "P1", "pid"),
            ("b", "mof_welfare", "P1", "probabilistic"),
            ("c", "dla_elderly", "P2", "new_person"),
            ("d", "mof_welfare", "P3", "new_person"),
            ("e", "dopa_registry", "P4", "pid"),
            ("f", "cdd_bmn_member", "P4", "probabilistic"),
        ],
        XREF,
    )
    truth = spark.createDataFrame([("a", "1"), ("b", "1"), ("c", "1"), ("d", "2"), ("e", "3"), ("f", "3")], TRUTH)
    errors = spark.createDataFrame(
        [("b", "swapped_names"), ("c", "swapped_names"), ("c", "two_digit_year"), ("d", "thai_digits"), ("f", "thai_digits")],
        "record_id string, error_kind string",
    )
    expected = spark.createDataFrame(
        [
            ("error_kind", "swapped_names", "records", 2.0),
            ("error_kind", "swapped_names", "recall", 0.5),
            ("error_kind", "two_digit_year", "records", 1.0),
            ("error_kind", "two_digit_year", "recall", 0.0),
            ("error_kind", "thai_digits", "records", 1.0),
            ("error_kind", "thai_digits", "recall", 1.0),
        ],
        "scope string, scope_value string, metric string, value double",
    )
    assert_df_equality(error_kind_quality(xref, truth, errors), expected, ignore_row_order=True, ignore_nullable=True)
