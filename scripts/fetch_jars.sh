#!/usr/bin/env bash
# Fetch the Delta jars with Maven into a local folder, for machines where Spark's Ivy resolution
# cannot reach Maven Central. The session factory uses the folder (jars.local_dir) when it holds them.
set -euo pipefail
dest="${1:-$HOME/.cache/tpmap-lakehouse/jars}"
# The coordinate matching the installed delta-spark, unless DELTA_ARTIFACT names another.
artifact="${DELTA_ARTIFACT:-$("$(dirname "$0")/../.venv/bin/python" -c 'from jobs.spark import delta_package; print(delta_package())')}"
mkdir -p "$dest"
mvn -q dependency:get -Dartifact="$artifact"
mvn -q dependency:copy -Dartifact="$artifact" -DoutputDirectory="$dest"
mvn -q dependency:copy -Dartifact="io.delta:delta-storage:${artifact##*:}" -DoutputDirectory="$dest"
ls "$dest"
