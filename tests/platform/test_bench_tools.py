"""The benchmark harness's event-log readings and the lakehouse comparison's checksum, on hand-made input."""

from __future__ import annotations

import json

import duckdb

from scripts.bench import executor_placement, shuffle_bytes, with_exponents
from scripts.compare_lakehouses import compare, table_summary


def _executor(app: str, executor: str, worker_port: int) -> dict:
    return {
        "Event": "SparkListenerExecutorAdded",
        "App ID": app,
        "Executor ID": executor,
        "Executor Info": {
            "Host": "127.0.0.1",
            "Total Cores": 1,
            "Log Urls": {"stdout": f"http://127.0.0.1:{worker_port}/logPage/?appId={app}&executorId={executor}&logType=stdout"},
        },
    }


def test_executors_and_the_workers_they_ran_on(tmp_path):
    events = [
        _executor("app-1", "0", 40001),
        _executor("app-1", "1", 40002),
        _executor("app-1", "2", 40001),
        {
            "Event": "SparkListenerTaskEnd",
            "Task Metrics": {
                "Shuffle Write Metrics": {"Shuffle Bytes Written": 10},
                "Shuffle Read Metrics": {"Remote Bytes Read": 3, "Local Bytes Read": 4},
            },
        },
    ]
    (tmp_path / "app-1").write_text("\n".join(json.dumps(e) for e in events) + "\n", encoding="utf-8")
    assert executor_placement(tmp_path) == (3, 2)
    assert shuffle_bytes(tmp_path) == (10, 7)


def test_scaling_exponent_between_consecutive_scales():
    rows = [
        {"stage": "link", "scale": 0.01, "seconds": 100.0, "status": "succeeded"},
        {"stage": "link", "scale": 0.1, "seconds": 1000.0, "status": "succeeded"},
        {"stage": "link", "scale": 1.0, "seconds": 3162.3, "status": "succeeded"},
    ]
    assert [r.get("exponent") for r in with_exponents(rows)] == [None, 1.0, 0.5]


def test_checksum_ignores_row_order_run_ids_and_float_noise_but_not_values():
    con = duckdb.connect()
    con.sql(
        "CREATE TABLE a AS SELECT * FROM (VALUES ('10', 0.1::DOUBLE + 0.2::DOUBLE, 3, 'r1'), ('11', 2.5::DOUBLE, 4, 'r1')) t(area, rate, n, run_id)"
    )
    con.sql("CREATE TABLE b AS SELECT * FROM (VALUES ('11', 2.5::DOUBLE, 4, 'r2'), ('10', 0.3::DOUBLE, 3, 'r2')) t(area, rate, n, run_id)")
    con.sql("CREATE TABLE c AS SELECT * FROM (VALUES ('11', 2.5::DOUBLE, 5, 'r2'), ('10', 0.3::DOUBLE, 3, 'r2')) t(area, rate, n, run_id)")
    a, b, c = (table_summary(con, t, checksum=True) for t in "abc")
    assert a == b and a[0] == c[0] == 2 and a[1] != c[1]
    assert [same for *_, same in compare({"gold.x": a, "gold.y": a}, {"gold.x": b, "gold.y": c})] == [True, False]
    assert table_summary(con, "a", checksum=False) == (2, None)
    con.sql("CREATE TABLE d AS SELECT * FROM (VALUES ('nan'::DOUBLE), ('inf'::DOUBLE), (NULL::DOUBLE), (0::DOUBLE)) t(rate)")
    assert table_summary(con, "d", checksum=True)[0] == 4  # no error on values without a logarithm
