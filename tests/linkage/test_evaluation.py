from chispa import assert_df_equality

from transforms.linkage.evaluation import cluster_quality, labelled_pairs, pairwise_quality

XREF = "record_id string, source string, person_id string, match_method string"
TRUTH = "record_id string, person_id string"


def _data(spark):
    xref = spark.createDataFrame(
        [("a", "dopa_registry", "P1", "pid"), ("b", "mof_welfare", "P1", "probabilistic"),
         ("c", "dla_elderly", "P2", "new_person"), ("d", "mof_welfare", "P2", "new_person")], XREF,
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
            ("overall", "all", "predicted_pairs", 2.0), ("overall", "all", "true_pairs", 3.0),
            ("overall", "all", "true_positives", 1.0), ("overall", "all", "precision", p),
            ("overall", "all", "recall", r), ("overall", "all", "f1", 2 * p * r / (p + r)),
            # pairs touching dla_elderly: cd predicted (false), ac and bc true (missed)
            ("source", "dla_elderly", "predicted_pairs", 1.0), ("source", "dla_elderly", "true_pairs", 2.0),
            ("source", "dla_elderly", "true_positives", 0.0), ("source", "dla_elderly", "precision", 0.0),
            ("source", "dla_elderly", "recall", 0.0), ("source", "dla_elderly", "f1", None),
        ],
        "scope string, scope_value string, metric string, value double",
    )
    assert_df_equality(result, expected, ignore_row_order=True, ignore_nullable=True, allow_nan_equality=True)


def test_split_and_merged_clusters(spark):
    xref, truth = _data(spark)
    values = {r.metric: r.value for r in cluster_quality(xref, truth).collect()}
    assert values == {"persons_split": 1.0, "clusters_merging_persons": 1.0}
