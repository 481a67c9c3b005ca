#!/usr/bin/env bash
# The spark-sql shell, for analysts (published tables only) or officials (the whole catalog).
#
#   scripts/sql.sh [--role analyst] -e "SELECT ..."     analyst (default): public.* and ref.* only
#   scripts/sql.sh --role official                      interactive shell on bronze, silver, gold, public, ops, ref
#   scripts/sql.sh -f query.sql                         run a file
#
# The analyst role gets its own throw-away catalog with the disclosure-controlled public.* tables and the
# published ref.* data, and no SQL on file paths; it may run while jobs run. The official role opens the
# project's catalog: the embedded Derby metastore admits one Spark process at a time, so it is refused
# (exit 2, naming the holder) while a job, notebook or the official Thrift server has it. Any other spark-sql option is passed on. The
# environment is $TPMAP_ENV (default local); the catalog, Delta and jar settings come from
# `python -m jobs.spark_conf` (the same ones the jobs use).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${TPMAP_PYTHON:-$ROOT/.venv/bin/python}"
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
    sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
fi
ROLE=analyst
if [[ "${1:-}" == "--role" ]]; then ROLE="${2:-}"; shift 2; fi
[[ "$ROLE" == analyst || "$ROLE" == official ]] || { echo "sql.sh: --role is analyst or official" >&2; exit 2; }
[[ -x "$PYTHON" ]] || { echo "sql.sh: no Python at $PYTHON (run 'make setup' or set TPMAP_PYTHON)" >&2; exit 2; }
SPARK_HOME="$("$PYTHON" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')"
export SPARK_HOME
MASTER="${SPARK_MASTER:-local[2]}"
# spark-sql's Hive CLI writes derby.log and a scratch folder into the working directory: keep them out of the repo.
SCRATCH="${TPMAP_SQL_SCRATCH:-${TMPDIR:-/tmp}/tpmap-sql-$(id -u)}"
mkdir -p "$SCRATCH"
INIT=()
if [[ "$ROLE" == analyst ]]; then
    STATE="$(mktemp -d "$SCRATCH/analyst-XXXXXX")"
    trap 'rm -rf "$STATE"' EXIT
    mapfile -t FLAGS < <("$PYTHON" "$ROOT/scripts/thrift_setup.py" --role analyst --state "$STATE" --tool sql)
    INIT=(-i "$STATE/register.sql")
else
    # The project's catalog: refused at once, naming the holder, while a job or server has it.
    source "$ROOT/scripts/catalog_lock.sh"
    LOCK="$("$PYTHON" -m jobs.spark_conf --env "${TPMAP_ENV:-local}" --catalog-lock)"
    [[ -z "$LOCK" ]] || hold_catalog "$LOCK" sql.sh  # none for a shared catalog (scripts/metastore.sh)
    mapfile -t FLAGS < <("$PYTHON" -m jobs.spark_conf --env "${TPMAP_ENV:-local}" --tool sql --master "$MASTER")
fi
[[ ${#FLAGS[@]} -gt 0 ]] || { echo "sql.sh: could not derive the Spark settings (see the error above)" >&2; exit 2; }
cd "$SCRATCH"
# No secret in the SQL shell's environment (SQL can read environment variables through java_method).
env -u TPMAP_PSEUDONYM_SECRET "$SPARK_HOME/bin/spark-sql" --master "$MASTER" "${FLAGS[@]}" \
    --conf "spark.sql.cli.print.header=true" --hiveconf "hive.exec.scratchdir=$SCRATCH/hive" "${INIT[@]}" "$@"
