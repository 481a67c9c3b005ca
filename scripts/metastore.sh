#!/usr/bin/env bash
# A catalog that jobs, the Thrift server, spark-sql and notebooks use at the same time: the metastore
# database served by Derby's network server (the Derby version Spark ships; its network jars are fetched
# from Maven Central into ~/.cache/tpmap-lakehouse/derby and checked against Maven's SHA-1 sums).
#
#   scripts/metastore.sh start [--port 1527]    start it (listening on 127.0.0.1 only) and print the setting
#   scripts/metastore.sh stop  [--port 1527]
#   scripts/metastore.sh status [--port 1527]   exit 0 when it answers, 3 when not
#
# Then point the environment at it: `catalog: {kind: server, url: <the URL start prints>}` in
# conf/<env>.yaml, or TPMAP_CATALOG_URL=<URL> for one shell. The database lives in <lakehouse>/metastore_server.
# A catalog made by the embedded metastore is not copied: register the tables again (CREATE TABLE ... LOCATION).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${TPMAP_PYTHON:-$ROOT/.venv/bin/python}"
VERSION=10.16.1.1
JARS="${TPMAP_DERBY_JARS:-$HOME/.cache/tpmap-lakehouse/derby}"
MAVEN="${TPMAP_MAVEN_URL:-https://repo1.maven.org/maven2}"
usage() { sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

command="${1:-}"
[[ -n "$command" ]] || { usage >&2; exit 2; }
shift
PORT=1527
while [[ $# -gt 0 ]]; do
    case "$1" in
        --port) PORT="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "metastore.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
done
[[ -x "$PYTHON" ]] || { echo "metastore.sh: no Python at $PYTHON (run 'make setup' or set TPMAP_PYTHON)" >&2; exit 2; }
SPARK_JARS="$("$PYTHON" -c 'import os, pyspark; print(os.path.join(os.path.dirname(pyspark.__file__), "jars"))')"
STATE="$("$PYTHON" -m jobs.spark_conf --env "${TPMAP_ENV:-local}" --state-dir)/metastore_server"

fetch() {  # fetch ARTIFACT: the jar into $JARS, verified
    local name="$1-$VERSION.jar" url="$MAVEN/org/apache/derby/$1/$VERSION/$1-$VERSION.jar"
    [[ -f "$JARS/$name" ]] && return 0
    mkdir -p "$JARS"
    curl -fsSL -o "$JARS/$name.part" "$url" && curl -fsSL -o "$JARS/$name.sha1" "$url.sha1" \
        || { echo "metastore.sh: could not download $url" >&2; rm -f "$JARS/$name.part"; exit 1; }
    if [[ "$(sha1sum "$JARS/$name.part" | cut -d' ' -f1)" != "$(cut -d' ' -f1 <"$JARS/$name.sha1")" ]]; then
        echo "metastore.sh: $name does not match Maven's SHA-1: not used" >&2; rm -f "$JARS/$name.part"; exit 1
    fi
    mv "$JARS/$name.part" "$JARS/$name"
}
control() {  # control ARGS...: Derby's NetworkServerControl on this port
    java -Dderby.system.home="$STATE" \
        -cp "$SPARK_JARS/derby-$VERSION.jar:$SPARK_JARS/derbyshared-$VERSION.jar:$SPARK_JARS/derbytools-$VERSION.jar:$JARS/derbynet-$VERSION.jar" \
        org.apache.derby.drda.NetworkServerControl "$@" -h 127.0.0.1 -p "$PORT"
}
answers() { control ping >/dev/null 2>&1; }
url() { echo "jdbc:derby://127.0.0.1:$PORT/$STATE/metastore_db;create=true"; }

case "$command" in
    start)
        fetch derbynet && fetch derbyclient
        if answers; then echo "metastore.sh: already running on port $PORT; catalog url: $(url)"; exit 0; fi
        mkdir -p "$STATE" && chmod 700 "$STATE"
        nohup bash -c "$(declare -f control); STATE='$STATE' SPARK_JARS='$SPARK_JARS' JARS='$JARS' VERSION='$VERSION' PORT='$PORT' control start" \
            >>"$STATE/server.log" 2>&1 </dev/null &
        for _ in $(seq 1 60); do
            if answers; then echo "metastore.sh: listening on 127.0.0.1:$PORT; catalog url: $(url)"; exit 0; fi
            sleep 0.5
        done
        echo "metastore.sh: the server did not answer; last lines of $STATE/server.log:" >&2
        tail -n 20 "$STATE/server.log" >&2 || true
        exit 1
        ;;
    stop)
        if ! answers; then echo "metastore.sh: not running on port $PORT"; exit 0; fi
        control shutdown >/dev/null && echo "metastore.sh: stopped"
        ;;
    status)
        if answers; then echo "metastore.sh: running on port $PORT; catalog url: $(url)"; else echo "metastore.sh: not running on port $PORT"; exit 3; fi
        ;;
    *) usage >&2; exit 2 ;;
esac
