#!/usr/bin/env bash
# Spark's Thrift JDBC/ODBC server for BI tools and beeline, one server per role, with a password login.
#
#   scripts/thrift.sh add-user NAME --role analyst     add (or change) a user; asks for the password (or reads stdin)
#   scripts/thrift.sh start [--role analyst|official] [--port N] [--run-as USER]
#   scripts/thrift.sh stop [--role R]  |  status [--role R]
#
# analyst (default): serves only public.* (disclosure-controlled figures) and ref.* from its own small
#   catalog; SQL on file paths is off; started by root it runs as `nobody` (--run-as), who cannot read the
#   private folders at all. It may run while jobs run. Port 10000 by default.
# official: the project's whole catalog (bronze, silver, gold, ...), for officials who must reach
#   households. It holds the embedded Derby metastore: jobs are refused (exit 2) until it stops. Port 10001 by default.
# Connect:  .venv/lib/python3.11/site-packages/pyspark/bin/beeline -u jdbc:hive2://127.0.0.1:10000 -n NAME -p PASSWORD \
#               -e "SELECT * FROM public.area_indicators WHERE level = 'province' LIMIT 5"
# Users are in <state>/thrift-users/<role> as PBKDF2 hashes (scripts/thrift_users.py); pid and log files in
# <state>/thrift-<role>/; <state> is the folder holding the metastore (lakehouse/).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${TPMAP_PYTHON:-$ROOT/.venv/bin/python}"
ENV_NAME="${TPMAP_ENV:-local}"
CLASS=org.apache.spark.sql.hive.thriftserver.HiveThriftServer2

usage() { sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

command="${1:-}"
[[ -n "$command" ]] || { usage >&2; exit 2; }
shift
ROLE=analyst PORT="" RUN_AS="${TPMAP_THRIFT_RUN_AS-}" RUN_AS_SET="${TPMAP_THRIFT_RUN_AS+x}" NAME=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --role) ROLE="$2"; shift 2 ;;
        --port) PORT="$2"; shift 2 ;;
        --run-as) RUN_AS="$2"; RUN_AS_SET=x; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "thrift.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
        *) NAME="$1"; shift ;;
    esac
done
[[ "$ROLE" == analyst || "$ROLE" == official ]] || { echo "thrift.sh: --role is analyst or official" >&2; exit 2; }
[[ -x "$PYTHON" ]] || { echo "thrift.sh: no Python at $PYTHON (run 'make setup' or set TPMAP_PYTHON)" >&2; exit 2; }
BASE="$("$PYTHON" -m jobs.spark_conf --env "$ENV_NAME" --state-dir)"
USERS="$BASE/thrift-users/$ROLE"

if [[ "$command" == add-user ]]; then
    # From a terminal it asks for the password; otherwise it reads it from the first line of stdin.
    exec "$PYTHON" "$ROOT/scripts/thrift_users.py" add "$NAME" --role "$ROLE" --state "$BASE" $([[ -t 0 ]] || echo --password-stdin)
fi

SPARK_HOME="$("$PYTHON" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')"
STATE="$BASE/thrift-$ROLE"
[[ -n "$PORT" ]] || PORT=$([[ "$ROLE" == analyst ]] && echo 10000 || echo 10001)
# Started by root, the analyst server runs as nobody unless told otherwise (--run-as "" keeps root).
if [[ "$ROLE" == analyst && -z "$RUN_AS_SET" && "$(id -u)" == 0 ]]; then RUN_AS=nobody; fi
[[ "$ROLE" == official ]] && RUN_AS=""
export SPARK_HOME SPARK_PID_DIR="$STATE" SPARK_LOG_DIR="$STATE" SPARK_IDENT_STRING="tpmap-$ROLE"
PID_FILE="$STATE/spark-tpmap-$ROLE-$CLASS-1.pid"

running() { [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }
# The server and its catalog set-up run without any secret in their environment, as RUN_AS if given.
as_server() {
    if [[ -n "$RUN_AS" ]]; then
        setpriv --reuid="$RUN_AS" --regid="$(id -g "$RUN_AS")" --clear-groups env -u TPMAP_PSEUDONYM_SECRET HOME="$STATE" "$@"
    else
        env -u TPMAP_PSEUDONYM_SECRET "$@"
    fi
}

case "$command" in
    start)
        if running; then echo "thrift.sh: $ROLE server already running (pid $(cat "$PID_FILE"))"; exit 0; fi
        if listening; then echo "thrift.sh: port $PORT is taken by another process" >&2; exit 1; fi
        [[ -s "$USERS" ]] || { echo "thrift.sh: no $ROLE users yet: add one with scripts/thrift.sh add-user NAME --role $ROLE" >&2; exit 2; }
        mkdir -p "$STATE"
        LOCK=""
        if [[ "$ROLE" == official ]]; then
            # The project's catalog: the server keeps its lock (inherited) until it stops; none when shared.
            source "$ROOT/scripts/catalog_lock.sh"
            LOCK="$("$PYTHON" -m jobs.spark_conf --env "$ENV_NAME" --catalog-lock)"
            [[ -z "$LOCK" ]] || hold_catalog "$LOCK" "thrift.sh official server"
        fi
        install -m 600 "$USERS" "$STATE/users"
        mapfile -t FLAGS < <("$PYTHON" "$ROOT/scripts/thrift_setup.py" --role "$ROLE" --state "$STATE" --tool thrift ${RUN_AS:+--run-as "$RUN_AS"})
        [[ ${#FLAGS[@]} -gt 0 ]] || { echo "thrift.sh: could not derive the Spark settings" >&2; exit 2; }
        cd "$STATE"  # the Hive server writes derby.log and scratch files into its working directory
        if [[ "$ROLE" == analyst ]]; then
            mapfile -t SQL_FLAGS < <("$PYTHON" "$ROOT/scripts/thrift_setup.py" --role analyst --state "$STATE" --tool sql ${RUN_AS:+--run-as "$RUN_AS"})
            # Registered by this user (the metastore briefly creates a placeholder folder beside each table),
            # then the catalog is handed to the server's user.
            env -u TPMAP_PSEUDONYM_SECRET "$SPARK_HOME/bin/spark-sql" --master "local[1]" "${SQL_FLAGS[@]}" \
                --hiveconf "hive.exec.scratchdir=$STATE/scratch" -f "$STATE/register.sql" >"$STATE/register.log" 2>&1 \
                || { echo "thrift.sh: could not register the public tables; see $STATE/register.log" >&2; exit 1; }
            [[ -z "$RUN_AS" ]] || chown -R "$RUN_AS:$(id -gn "$RUN_AS")" "$STATE"
        fi
        as_server TPMAP_THRIFT_USERS="$STATE/users" "$SPARK_HOME/sbin/spark-daemon.sh" submit "$CLASS" 1 --name "tpmap-thrift-$ROLE" \
            --master "local[2]" "${FLAGS[@]}" \
            --hiveconf "hive.server2.thrift.bind.host=127.0.0.1" --hiveconf "hive.server2.thrift.port=$PORT" \
            --hiveconf "hive.exec.scratchdir=$STATE/scratch" >/dev/null
        for _ in $(seq 1 180); do
            if listening; then
                [[ -z "$LOCK" ]] || name_holder "$LOCK" "thrift.sh official server" "$(cat "$PID_FILE")"
                echo "thrift.sh: $ROLE server listening on jdbc:hive2://127.0.0.1:$PORT (pid $(cat "$PID_FILE"))${RUN_AS:+ as $RUN_AS}"; exit 0; fi
            if ! running; then break; fi
            sleep 1
        done
        echo "thrift.sh: the server did not start; last lines of its log:" >&2
        tail -n 20 "$STATE"/spark-tpmap-"$ROLE"-*"$CLASS"*.out >&2 || true
        exit 1
        ;;
    stop)
        if ! running; then echo "thrift.sh: $ROLE server not running"; exit 0; fi
        "$SPARK_HOME/sbin/spark-daemon.sh" stop "$CLASS" 1
        ;;
    status)
        if running; then echo "thrift.sh: $ROLE server running (pid $(cat "$PID_FILE"))"; else echo "thrift.sh: $ROLE server not running"; exit 3; fi
        ;;
    *) usage >&2; exit 2 ;;
esac
