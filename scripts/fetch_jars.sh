#!/usr/bin/env bash
# Fetch the Delta jars with Maven into a local folder, for machines where Spark's Ivy resolution
# cannot reach Maven Central. The session factory uses the folder (jars.local_dir) when it holds them.
set -euo pipefail
dest="${1:-$HOME/.cache/tpmap-lakehouse/jars}"
artifact="${DELTA_ARTIFACT:-io.delta:delta-spark_4.2_2.13:4.4.0}"
mkdir -p "$dest"
mvn -q dependency:get -Dartifact="$artifact"
mvn -q dependency:copy -Dartifact="$artifact" -DoutputDirectory="$dest"
mvn -q dependency:copy -Dartifact="io.delta:delta-storage:${artifact##*:}" -DoutputDirectory="$dest"
ls "$dest"
