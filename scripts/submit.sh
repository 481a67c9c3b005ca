#!/usr/bin/env bash
# Submit a TPMAP job (or run-all) to Spark with spark-submit.
#
#   scripts/submit.sh [options] <job> [job options]
#   scripts/submit.sh --master spark://127.0.0.1:7077 run-all --scale 0.001
#
# Options (before the job name):
#   --master URL          local[*] (default: $SPARK_MASTER, else local[*]), spark://host:port, yarn, k8s://https://host:port
#   --env ENV             configuration conf/<env>.yaml (default: $TPMAP_ENV, else local); TPMAP_* path
#                         overrides in the environment apply as usual
#   --driver-memory M     driver heap (default: the config's spark.driver_memory)
#   --executor-memory M   heap per executor (default 1g)
#   --executor-cores N    cores per executor (default 1)
#   --py-files ZIP        project code for the executors (default build/tpmap_lakehouse.zip, made by
#                         scripts/build_archives.sh)
#   --venv-archive TGZ    packed virtual environment for the executors (scripts/build_archives.sh --venv);
#                         shipped with --archives TGZ#environment and used as ./environment/bin/python
#   --python PATH         executors' Python when no --venv-archive is given (default: this project's
#                         .venv/bin/python, right when the workers share this machine's file system)
#   --conf KEY=VALUE      any further Spark setting (repeatable)
#   --dry-run             print the spark-submit command instead of running it
#   -h, --help            this text
#
# The driver runs here (client deploy mode) and opens the configured catalog. Delta comes from the
# config's Maven packages (or its pre-fetched jars folder); Splink's similarity jar is added when
# splink is installed. Exit codes: the job's own; 2 for a bad option, a missing archive or config;
# 3 when the master cannot be reached.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage() { sed -n '2,27p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
fail() { echo "submit.sh: $1" >&2; exit "${2:-2}"; }

MASTER="${SPARK_MASTER:-local[*]}"
ENV_NAME="${TPMAP_ENV:-local}"
PYTHON="${TPMAP_PYTHON:-$ROOT/.venv/bin/python}"
DRIVER_MEMORY="" EXECUTOR_MEMORY=1g EXECUTOR_CORES=1
PY_FILES="$ROOT/build/tpmap_lakehouse.zip" VENV_ARCHIVE="" EXECUTOR_PYTHON="" DRY_RUN=0
EXTRA=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --master) MASTER="${2:?--master needs a value}"; shift 2 ;;
        --env) ENV_NAME="${2:?--env needs a value}"; shift 2 ;;
        --driver-memory) DRIVER_MEMORY="${2:?}"; shift 2 ;;
        --executor-memory) EXECUTOR_MEMORY="${2:?}"; shift 2 ;;
        --executor-cores) EXECUTOR_CORES="${2:?}"; shift 2 ;;
        --py-files) PY_FILES="${2:?}"; shift 2 ;;
        --venv-archive) VENV_ARCHIVE="${2:?}"; shift 2 ;;
        --python) EXECUTOR_PYTHON="${2:?}"; shift 2 ;;
        --conf) EXTRA+=(--conf "${2:?}"); shift 2 ;;
        --dry-run) DRY_RUN=1; shift ;;
        -h|--help) usage; exit 0 ;;
        -*) fail "unknown option $1 (see --help)" ;;
        *) break ;;
    esac
done
[[ $# -gt 0 ]] || { usage >&2; fail "name a job, e.g. run-all (python -m jobs --help lists them)"; }

[[ -x "$PYTHON" ]] || fail "no Python at $PYTHON (run 'make setup' or set TPMAP_PYTHON)"
[[ -f "$PY_FILES" ]] || fail "the code archive $PY_FILES does not exist: build it with scripts/build_archives.sh"
if [[ -n "$VENV_ARCHIVE" ]]; then
    [[ -f "$VENV_ARCHIVE" ]] || fail "the packed environment $VENV_ARCHIVE does not exist: build it with scripts/build_archives.sh --venv"
fi

# Reachability of the master, before anything heavy starts (yarn and k8s resolve theirs themselves).
check_reachable() {
    local host="$1" port="$2"
    timeout 5 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null \
        || fail "the master $MASTER is not reachable ($host:$port refused or timed out); is the cluster up? (scripts/cluster.sh start)" 3
}
case "$MASTER" in
    spark://*)
        for address in $(echo "${MASTER#spark://}" | tr ',' ' '); do
            check_reachable "${address%:*}" "$([[ "$address" == *:* ]] && echo "${address##*:}" || echo 7077)"
        done ;;
    k8s://*)
        address="${MASTER#k8s://}"; address="${address#*://}"; address="${address%%/*}"
        check_reachable "${address%:*}" "$([[ "$address" == *:* ]] && echo "${address##*:}" || echo 443)" ;;
    local|local\[*\]|yarn) ;;
    *) fail "unsupported master $MASTER (use local[*], spark://host:port, yarn or k8s://https://host:port)" ;;
esac

SPARK_HOME="$("$PYTHON" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')"
export SPARK_HOME TPMAP_ENV="$ENV_NAME"
mapfile -t FLAGS < <("$PYTHON" -m jobs.spark_conf --env "$ENV_NAME" --tool submit --master "$MASTER")
[[ ${#FLAGS[@]} -gt 0 ]] || fail "could not derive the Spark settings for environment $ENV_NAME (see above)"
if [[ -z "$DRIVER_MEMORY" ]]; then
    DRIVER_MEMORY="$("$PYTHON" -c "from jobs.config import load_config; print(load_config('$ENV_NAME').spark.driver_memory)")"
fi

PYTHON_FLAGS=(--conf "spark.pyspark.driver.python=$PYTHON")
if [[ -n "$VENV_ARCHIVE" ]]; then
    PYTHON_FLAGS+=(--archives "$VENV_ARCHIVE#environment" --conf "spark.pyspark.python=./environment/bin/python")
else
    PYTHON_FLAGS+=(--conf "spark.pyspark.python=${EXECUTOR_PYTHON:-$PYTHON}")
fi

COMMAND=("$SPARK_HOME/bin/spark-submit" --master "$MASTER" --deploy-mode client --name "tpmap-$1"
    --driver-memory "$DRIVER_MEMORY" --executor-memory "$EXECUTOR_MEMORY" --executor-cores "$EXECUTOR_CORES"
    --py-files "$PY_FILES" "${PYTHON_FLAGS[@]}" "${FLAGS[@]}"
    --conf "spark.executorEnv.TPMAP_ENV=$ENV_NAME" "${EXTRA[@]}"
    "$ROOT/scripts/submit_main.py" "$@")
if [[ $DRY_RUN -eq 1 ]]; then
    printf '%q ' "${COMMAND[@]}"; echo
    exit 0
fi
# spark-submit exits with the Python driver's exit code, i.e. the job's.
exec "${COMMAND[@]}"
