#!/usr/bin/env bash
# The spark-sql shell on the project's catalog: tables by name (gold.v_area_indicators, ref.province, ...).
#
#   scripts/sql.sh                         interactive shell
#   scripts/sql.sh -e "SELECT ..."         run one statement and exit
#   scripts/sql.sh -f query.sql            run a file
#
# Any spark-sql option is passed on. The environment is $TPMAP_ENV (default local) and paths follow
# the usual TPMAP_* overrides. The catalog, Delta and jar settings come from `python -m jobs.spark_conf`
# (the same ones the jobs use). The embedded Derby metastore admits one Spark process at a time: stop
# running jobs, notebooks or the Thrift server on the same lakehouse first.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${TPMAP_PYTHON:-$ROOT/.venv/bin/python}"
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
    sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
fi
[[ -x "$PYTHON" ]] || { echo "sql.sh: no Python at $PYTHON (run 'make setup' or set TPMAP_PYTHON)" >&2; exit 2; }
SPARK_HOME="$("$PYTHON" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')"
export SPARK_HOME
MASTER="${SPARK_MASTER:-local[2]}"
mapfile -t FLAGS < <("$PYTHON" -m jobs.spark_conf --env "${TPMAP_ENV:-local}" --tool sql --master "$MASTER")
[[ ${#FLAGS[@]} -gt 0 ]] || { echo "sql.sh: could not derive the Spark settings (see the error above)" >&2; exit 2; }
# spark-sql's Hive CLI writes derby.log and a scratch folder into the working directory: keep them out of the repo.
SCRATCH="${TPMAP_SQL_SCRATCH:-${TMPDIR:-/tmp}/tpmap-sql-$(id -u)}"
mkdir -p "$SCRATCH"
cd "$SCRATCH"
exec "$SPARK_HOME/bin/spark-sql" --master "$MASTER" "${FLAGS[@]}" \
    --conf "spark.sql.cli.print.header=true" --hiveconf "hive.exec.scratchdir=$SCRATCH/hive" "$@"
