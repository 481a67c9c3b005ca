#!/usr/bin/env bash
# A Spark standalone cluster on this machine: one master and N workers on 127.0.0.1, started from the
# Spark distribution inside the installed pyspark package (.venv/.../pyspark/bin, sbin).
#
#   scripts/cluster.sh start [options]     start master + workers, wait until every worker registered
#   scripts/cluster.sh stop  [--port N]    stop the workers and the master started for that port
#   scripts/cluster.sh status [--port N]   list the daemons that run
#
# Options:
#   --port N            master port (default 7077); the master URL is spark://127.0.0.1:N
#   --workers N         number of workers (default 2)
#   --worker-cores N    cores each worker offers (default 1)
#   --worker-memory M   memory each worker offers to executors (default 1g)
#
# Pid files, logs and executor work folders go to $TPMAP_CLUSTER_DIR (default /tmp/tpmap-cluster-<port>).
# Then: SPARK_MASTER=spark://127.0.0.1:7077 scripts/submit.sh run-all
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${TPMAP_PYTHON:-$ROOT/.venv/bin/python}"
MASTER_CLASS=org.apache.spark.deploy.master.Master
WORKER_CLASS=org.apache.spark.deploy.worker.Worker

usage() { sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

command="${1:-}"
[[ -n "$command" ]] || { usage >&2; exit 2; }
shift
PORT=7077 WORKERS=2 CORES=1 MEMORY=1g
while [[ $# -gt 0 ]]; do
    case "$1" in
        --port) PORT="$2"; shift 2 ;;
        --workers) WORKERS="$2"; shift 2 ;;
        --worker-cores) CORES="$2"; shift 2 ;;
        --worker-memory) MEMORY="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "cluster.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
done
[[ -x "$PYTHON" ]] || { echo "cluster.sh: no Python at $PYTHON (run 'make setup' or set TPMAP_PYTHON)" >&2; exit 2; }
SPARK_HOME="$("$PYTHON" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')"
STATE="${TPMAP_CLUSTER_DIR:-/tmp/tpmap-cluster-$PORT}"
export SPARK_HOME SPARK_PID_DIR="$STATE" SPARK_LOG_DIR="$STATE/logs" SPARK_IDENT_STRING="tpmap-$PORT"
export SPARK_LOCAL_IP=127.0.0.1 SPARK_DAEMON_MEMORY="${SPARK_DAEMON_MEMORY:-512m}"
unset SPARK_NO_DAEMONIZE  # spark-daemon.sh runs in the foreground when it is set at all
DAEMON="$SPARK_HOME/sbin/spark-daemon.sh"
URL="spark://127.0.0.1:$PORT"

pid_file() { echo "$STATE/spark-$SPARK_IDENT_STRING-$1-$2.pid"; }
alive() { local f; f="$(pid_file "$1" "$2")"; [[ -f "$f" ]] && kill -0 "$(cat "$f")" 2>/dev/null; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }
registered() { grep -l "Successfully registered with master" "$SPARK_LOG_DIR"/*"$WORKER_CLASS"*.out 2>/dev/null | wc -l; }
worker_numbers() { ls "$STATE"/spark-"$SPARK_IDENT_STRING"-"$WORKER_CLASS"-*.pid 2>/dev/null | sed 's/.*-\([0-9]*\)\.pid$/\1/'; }

start() {
    if alive "$MASTER_CLASS" 1; then echo "cluster.sh: a master already runs for port $PORT ($URL)" >&2; exit 1; fi
    if listening; then echo "cluster.sh: port $PORT is taken by another process" >&2; exit 1; fi
    rm -rf "$STATE"; mkdir -p "$STATE/logs" "$STATE/work"
    "$DAEMON" start "$MASTER_CLASS" 1 --host 127.0.0.1 --port "$PORT" --webui-port 0 >/dev/null 2>&1
    for _ in $(seq 1 60); do listening && break; sleep 1; done
    listening || { echo "cluster.sh: the master did not start; see $SPARK_LOG_DIR" >&2; tail -n 20 "$SPARK_LOG_DIR"/*.out >&2; exit 1; }
    for n in $(seq 1 "$WORKERS"); do
        "$DAEMON" start "$WORKER_CLASS" "$n" --host 127.0.0.1 --cores "$CORES" --memory "$MEMORY" \
            --webui-port 0 --work-dir "$STATE/work/$n" "$URL" >/dev/null 2>&1
    done
    for _ in $(seq 1 90); do
        if [[ "$(registered)" -ge "$WORKERS" ]]; then
            echo "cluster.sh: master $URL with $WORKERS workers ($CORES core, $MEMORY each); logs in $SPARK_LOG_DIR"
            return 0
        fi
        sleep 1
    done
    echo "cluster.sh: only $(registered) of $WORKERS workers registered; see $SPARK_LOG_DIR" >&2
    exit 1
}

stop() {
    local n
    for n in $(worker_numbers); do "$DAEMON" stop "$WORKER_CLASS" "$n" >/dev/null || true; done
    "$DAEMON" stop "$MASTER_CLASS" 1 >/dev/null || true
    echo "cluster.sh: stopped $URL"
}

status() {
    local n up=1
    if alive "$MASTER_CLASS" 1; then echo "master $URL: running"; else echo "master $URL: not running"; up=0; fi
    for n in $(worker_numbers); do
        if alive "$WORKER_CLASS" "$n"; then echo "worker $n: running"; else echo "worker $n: not running"; fi
    done
    [[ $up -eq 1 ]] || exit 3
}

case "$command" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) usage >&2; exit 2 ;;
esac
