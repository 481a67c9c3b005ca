#!/usr/bin/env python
"""Benchmark: Splink 5's clustering on Spark (what transforms/linkage/clustering.py uses) against the min-label
propagation it replaced (kept below as `propagation_components`, the peer).

    .venv/bin/python scripts/bench_clustering.py                      # 10k, 100k, 1M nodes
    .venv/bin/python scripts/bench_clustering.py --sizes 10000 --splink-lineage parquet

Synthetic graphs (seeded): many small components (sizes 1..6, like persons with a few records, each a random
spanning tree plus some extra pairs) plus a few long chains (20, 20, 20, 50, 50 nodes). Node ids are strings
("R" + zero-padded number) handed out in a shuffled order, so the smallest id of a component sits anywhere in
it. The expected partition (smallest member id per node) is known from the generator; both results are
checked against it after each run, by the smallest member of each label group (so a different labelling
would still count as the same partition).

Splink: splink.clustering.cluster_pairwise_predictions_at_threshold(nodes, edges, db_api=SparkAPI(...),
node_id_column_name="node", edge_id_column_name_left="node_l", edge_id_column_name_right="node_r",
threshold_match_probability=None), timed up to a count of its output (as_spark_dataframe()). One Splink run
per break_lineage_method given (default: "parquet", Splink's default outside Databricks, which writes every
intermediate table under the checkpoint dir and never removes them; and "checkpoint"). "persist" is selectable
but does not cut the lineage: each round's plan holds the previous ones (several times over), and on the
300-node warm-up graph the driver (4g) ran out of heap building a plan string.

A warm-up on a tiny graph runs both first (JVM, code paths), and a probe runs both on one 60-node chain whose
ids ascend along it (the worst case for min-label propagation: 59 hops from the smallest id to the far end).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from transforms.linkage.clustering import connected_components

CHAINS = (20, 20, 20, 50, 50)
SMALL_SIZES = np.array([1, 2, 3, 4, 5, 6])
SMALL_WEIGHTS = np.array([0.35, 0.25, 0.15, 0.10, 0.08, 0.07])
EXTRA_EDGE_P = 0.3  # chance of each non-tree pair inside a small component being an edge too


class _IterationCounter(logging.Handler):
    """Counts Splink's 'Completed iteration' log lines (its connected-components rounds)."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.n = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("Completed iteration"):
            self.n += 1


def _rounds_needed(members: list[int], adjacency: dict[int, list[int]]) -> int:
    """Hops from the smallest member to the farthest one (min-label propagation needs that many changing rounds)."""
    start = min(members)
    seen = {start: 0}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in adjacency.get(v, ()):
                if w not in seen:
                    seen[w] = seen[v] + 1
                    nxt.append(w)
        frontier = nxt
    return max(seen.values())


def generate(n: int, seed: int, chains=CHAINS, shuffle: bool = True) -> tuple[list[tuple[int, int]], np.ndarray, np.ndarray, int]:
    """(edges as index pairs, node label per index, truth = min label of its component per index, max rounds needed)."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(n) if shuffle else np.arange(n)
    sizes = list(chains)
    left = n - sum(sizes)
    draw = rng.choice(SMALL_SIZES, size=max(left, 0), p=SMALL_WEIGHTS)  # at least 1 each: always enough
    cum = np.cumsum(draw)
    k = int(np.searchsorted(cum, left)) if left > 0 else -1  # first component reaching the node count
    small = draw[: k + 1].tolist()
    if small:
        small[-1] -= int(cum[k] - left)  # clip the last one to fit exactly
    sizes += small
    assert sum(sizes) == n, (sum(sizes), n)

    edges: list[tuple[int, int]] = []
    truth = np.empty(n, dtype=np.int64)
    max_rounds = 0
    start = 0
    for ci, size in enumerate(sizes):
        idx = list(range(start, start + size))
        start += size
        comp_edges: list[tuple[int, int]] = []
        if ci < len(chains):
            comp_edges = [(idx[i], idx[i + 1]) for i in range(size - 1)]
        elif size > 1:
            order = rng.permutation(idx).tolist()
            tree = {(order[i], order[int(rng.integers(0, i))]) for i in range(1, size)}
            comp_edges = list(tree)
            for i in range(size):
                for j in range(i + 1, size):
                    a, b = idx[i], idx[j]
                    if (a, b) not in tree and (b, a) not in tree and rng.random() < EXTRA_EDGE_P:
                        comp_edges.append((a, b))
        # Edges arrive in either direction, as in the linkage output.
        comp_edges = [(a, b) if rng.random() < 0.5 else (b, a) for a, b in comp_edges]
        edges += comp_edges
        member_labels = labels[idx]
        truth[idx] = member_labels.min()
        if size > 1:
            adjacency: dict[int, list[int]] = {}
            for a, b in comp_edges:
                adjacency.setdefault(int(labels[a]), []).append(int(labels[b]))
                adjacency.setdefault(int(labels[b]), []).append(int(labels[a]))
            max_rounds = max(max_rounds, _rounds_needed([int(x) for x in member_labels], adjacency))
    return edges, labels, truth, max_rounds


def write_graph(root: Path, n: int, seed: int, **kw) -> tuple[int, int]:
    """Writes nodes/edges/truth parquet under root; returns (edge count, rounds needed)."""
    edges, labels, truth, rounds = generate(n, seed, **kw)
    root.mkdir(parents=True, exist_ok=True)
    name = np.vectorize(lambda i: f"R{i:09d}", otypes=[object])
    node_ids = name(labels)
    pq.write_table(pa.table({"node": node_ids}), root / "nodes.parquet")
    pq.write_table(pa.table({"node": node_ids, "truth": name(truth)}), root / "truth.parquet")
    e = np.array(edges, dtype=np.int64).reshape(-1, 2)
    pq.write_table(
        pa.table(
            {
                "node_l": name(labels[e[:, 0]]) if len(e) else np.array([], dtype=object),
                "node_r": name(labels[e[:, 1]]) if len(e) else np.array([], dtype=object),
                "match_probability": np.ones(len(e)),
            }
        ),
        root / "edges.parquet",
    )
    return len(edges), rounds


def canonical(df: DataFrame, label: str) -> DataFrame:
    """node, canon: the smallest member of the node's label group (labelling-independent partition)."""
    mins = df.groupBy(label).agg(F.min("node").alias("canon"))
    return df.join(mins, on=label, how="inner").select("node", "canon")


def mismatches(truth: DataFrame, result: DataFrame, label: str) -> int:
    """Nodes whose group differs from the truth, plus nodes missing / extra / duplicated."""
    c = canonical(result, label)
    joined = truth.join(c, on="node", how="full_outer")
    bad = joined.filter(F.col("truth").isNull() | F.col("canon").isNull() | (F.col("truth") != F.col("canon"))).count()
    dupes = result.count() - result.select("node").distinct().count()
    return bad + dupes


MAX_ITERATIONS = 50


def propagation_components(nodes: DataFrame, edges: DataFrame) -> DataFrame:
    """The min-label propagation transforms/linkage/clustering.py used before Splink's clustering (the peer):
    one round per hop, each a localCheckpoint and an isEmpty."""
    undirected = (
        edges.select(F.col("node_l").alias("src"), F.col("node_r").alias("dst"))
        .unionByName(edges.select(F.col("node_r").alias("src"), F.col("node_l").alias("dst")))
        .distinct()
        .cache()
    )
    labels = nodes.select("node", F.col("node").alias("component")).localCheckpoint()
    for _ in range(MAX_ITERATIONS):
        proposed = (
            undirected.join(labels, on=undirected.src == labels.node, how="inner")
            .groupBy(F.col("dst").alias("node"))
            .agg(F.min("component").alias("proposed"))
        )
        updated = (
            labels.join(proposed, on="node", how="left")
            .select("node", F.least("component", F.coalesce("proposed", "component")).alias("component"))
            .localCheckpoint()
        )
        changed = updated.join(labels.withColumnRenamed("component", "old"), on="node", how="inner").filter(
            F.col("component") != F.col("old")
        )
        labels = updated
        if changed.isEmpty():
            break
    else:
        raise RuntimeError(f"connected components did not converge in {MAX_ITERATIONS} rounds")
    undirected.unpersist()
    return labels


def run_ours(nodes: DataFrame, edges: DataFrame) -> tuple[float, DataFrame | None, str]:
    t0 = time.perf_counter()
    try:
        out = propagation_components(nodes, edges.select("node_l", "node_r"))
        out.count()
    except RuntimeError as e:
        return time.perf_counter() - t0, None, str(e)
    return time.perf_counter() - t0, out, ""


def run_splink(
    spark: SparkSession, nodes: DataFrame, edges: DataFrame, lineage: str, counter: _IterationCounter
) -> tuple[float, DataFrame, int]:
    del spark
    counter.n = 0
    t0 = time.perf_counter()
    out = connected_components(nodes, edges.select("node_l", "node_r"), break_lineage_method=lineage)
    out.count()
    return time.perf_counter() - t0, out, counter.n


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument(
        "--splink-lineage",
        nargs="+",
        default=["parquet", "checkpoint"],
        choices=["parquet", "persist", "checkpoint"],
        help="persist keeps the whole lineage: its plans grow each round (OOM of a 4g driver on the 300-node warm-up graph)",
    )
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--work", default="/tmp/bench_clustering")
    ap.add_argument("--no-probe", action="store_true", help="skip the 60-node ascending chain probe")
    args = ap.parse_args()

    work = Path(args.work)
    ckpt = work / "ckpt"
    shutil.rmtree(ckpt, ignore_errors=True)

    t_gen = time.perf_counter()
    graphs = []
    for n in args.sizes:
        m, rounds = write_graph(work / f"g{n}", n, args.seed + n)
        graphs.append((n, m, rounds))
    write_graph(work / "warmup", 300, args.seed, chains=(10,))
    probe_m, probe_rounds = write_graph(work / "probe", 60, args.seed, chains=(60,), shuffle=False)
    print(f"generated graphs in {time.perf_counter() - t_gen:.1f}s", flush=True)

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.driver.memory", "4g")
        .config("spark.sql.shuffle.partitions", 8)
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(str(ckpt))  # Splink's "parquet" / "checkpoint" lineage breaking needs it

    counter = _IterationCounter()
    cc_logger = logging.getLogger("splink.internals.connected_components")
    cc_logger.setLevel(logging.INFO)
    cc_logger.addHandler(counter)

    def load(name: str):
        root = work / name
        nodes = spark.read.parquet(str(root / "nodes.parquet")).cache()
        edges = spark.read.parquet(str(root / "edges.parquet")).cache()
        truth = spark.read.parquet(str(root / "truth.parquet")).cache()
        nodes.count(), edges.count(), truth.count()
        return nodes, edges, truth

    # Warm-up: both implementations once, plus Splink with a threshold (match_probability column in use).
    nodes, edges, truth = load("warmup")
    t_w = time.perf_counter()
    _, o, _ = run_ours(nodes, edges)
    assert mismatches(truth, o, "component") == 0
    for lineage in args.splink_lineage:
        _, s, _ = run_splink(spark, nodes, edges, lineage, counter)
        assert mismatches(truth, s, "component") == 0
    print(f"warm-up done in {time.perf_counter() - t_w:.1f}s; splink output columns: {s.columns}", flush=True)
    spark.catalog.clearCache()

    if not args.no_probe:
        nodes, edges, truth = load("probe")
        t_o, o, err = run_ours(nodes, edges)
        ours_txt = f"FAILED after {t_o:.1f}s: {err}" if o is None else f"ok in {t_o:.1f}s, mismatches {mismatches(truth, o, 'component')}"
        t_s, s, it = run_splink(spark, nodes, edges, args.splink_lineage[0], counter)
        print(
            f"probe: 60-node chain, ids ascending along it ({probe_rounds} hops; ours MAX_ITERATIONS={MAX_ITERATIONS}): "
            f"ours {ours_txt}; splink({args.splink_lineage[0]}) {t_s:.1f}s in {it} iterations, "
            f"mismatches {mismatches(truth, s, 'component')}",
            flush=True,
        )
        spark.catalog.clearCache()

    cols = (
        ["nodes", "edges", "hops", "s_ours"]
        + [f"s_splink_{x}" for x in args.splink_lineage]
        + ["splink_iters", "same_partition", "ckpt_MB"]
    )
    print(" ".join(f"{c:>16}" for c in cols), flush=True)
    for n, m, rounds in graphs:
        nodes, edges, truth = load(f"g{n}")
        t_o, o, err = run_ours(nodes, edges)
        same = o is not None and mismatches(truth, o, "component") == 0
        if o is None:
            print(f"ours failed on {n}: {err}", flush=True)
        times, iters = [], []
        for lineage in args.splink_lineage:
            before = du(ckpt)
            t_s, s, it = run_splink(spark, nodes, edges, lineage, counter)
            times.append(t_s)
            iters.append(it)
            same = same and mismatches(truth, s, "component") == 0
            if lineage == "parquet":
                ckpt_mb = (du(ckpt) - before) / 1e6
        spark.catalog.clearCache()  # Splink never unpersists its "persist" tables
        row = (
            [n, m, rounds, f"{t_o:.1f}"]
            + [f"{t:.1f}" for t in times]
            + ["/".join(map(str, iters)), "yes" if same else "NO", f"{ckpt_mb:.1f}" if "parquet" in args.splink_lineage else "-"]
        )
        print(" ".join(f"{c:>16}" for c in row), flush=True)

    spark.stop()


if __name__ == "__main__":
    main()
