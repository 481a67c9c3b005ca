#!/usr/bin/env bash
# Spark's Thrift JDBC/ODBC server on the project's catalog, for BI tools and beeline.
#
#   scripts/thrift.sh start [--port N]     start on 127.0.0.1 (default port 10000) and wait until it listens
#   scripts/thrift.sh stop                 stop the server this script started
#   scripts/thrift.sh status               say whether it runs
#
# Connect:  .venv/lib/python3.11/site-packages/pyspark/bin/beeline -u jdbc:hive2://127.0.0.1:10000 \
#               -e "SELECT * FROM gold.v_area_indicators WHERE level = 'province' LIMIT 5"
# The server holds the embedded Derby metastore while it runs: stop it before running jobs,
# scripts/sql.sh or notebooks on the same lakehouse. Environment: $TPMAP_ENV and the TPMAP_* paths.
# Its pid and log files are kept next to the metastore (lakehouse/thrift/).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${TPMAP_PYTHON:-$ROOT/.venv/bin/python}"
ENV_NAME="${TPMAP_ENV:-local}"
CLASS=org.apache.spark.sql.hive.thriftserver.HiveThriftServer2

usage() { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

command="${1:-}"
[[ -n "$command" ]] || { usage >&2; exit 2; }
shift
PORT=10000
while [[ $# -gt 0 ]]; do
    case "$1" in
        --port) PORT="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "thrift.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
done
[[ -x "$PYTHON" ]] || { echo "thrift.sh: no Python at $PYTHON (run 'make setup' or set TPMAP_PYTHON)" >&2; exit 2; }
SPARK_HOME="$("$PYTHON" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')"
STATE="$("$PYTHON" -m jobs.spark_conf --env "$ENV_NAME" --state-dir)/thrift"
export SPARK_HOME SPARK_PID_DIR="$STATE" SPARK_LOG_DIR="$STATE" SPARK_IDENT_STRING="tpmap"
mkdir -p "$STATE"
PID_FILE="$STATE/spark-tpmap-$CLASS-1.pid"

running() { [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

case "$command" in
    start)
        if running; then echo "thrift.sh: already running (pid $(cat "$PID_FILE"))"; exit 0; fi
        if listening; then echo "thrift.sh: port $PORT is taken by another process" >&2; exit 1; fi
        mapfile -t FLAGS < <("$PYTHON" -m jobs.spark_conf --env "$ENV_NAME" --tool thrift --master "local[2]")
        [[ ${#FLAGS[@]} -gt 0 ]] || { echo "thrift.sh: could not derive the Spark settings" >&2; exit 2; }
        cd "$STATE"  # the Hive server writes derby.log and scratch files into its working directory
        "$SPARK_HOME/sbin/spark-daemon.sh" submit "$CLASS" 1 --name "tpmap-thrift" --master "local[2]" "${FLAGS[@]}" \
            --hiveconf "hive.server2.thrift.bind.host=127.0.0.1" --hiveconf "hive.server2.thrift.port=$PORT" \
            --hiveconf "hive.exec.scratchdir=$STATE/scratch" >/dev/null
        for _ in $(seq 1 180); do
            if listening; then echo "thrift.sh: listening on jdbc:hive2://127.0.0.1:$PORT (pid $(cat "$PID_FILE"))"; exit 0; fi
            if ! running; then break; fi
            sleep 1
        done
        echo "thrift.sh: the server did not start; last lines of its log:" >&2
        tail -n 20 "$STATE"/spark-tpmap-*"$CLASS"*.out >&2 || true
        exit 1
        ;;
    stop)
        if ! running; then echo "thrift.sh: not running"; exit 0; fi
        "$SPARK_HOME/sbin/spark-daemon.sh" stop "$CLASS" 1
        ;;
    status)
        if running; then echo "thrift.sh: running (pid $(cat "$PID_FILE"))"; else echo "thrift.sh: not running"; exit 3; fi
        ;;
    *) usage >&2; exit 2 ;;
esac
