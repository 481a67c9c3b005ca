# Sourced by sql.sh and thrift.sh: the lakehouse catalog's lock (jobs/catalog_lock.py), taken with flock(1).
# hold_catalog LOCK NAME: hold LOCK on descriptor 9 for this shell and the processes it starts (a Spark
# server started in the background keeps it until it stops), or exit 2 with one line naming the holder.
hold_catalog() {
    local lock="$1" name="$2"
    mkdir -p "$(dirname "$lock")"
    exec 9<>"$lock"
    if ! flock -n 9; then
        echo "$name: $("$PYTHON" -m jobs.catalog_lock "$lock")" >&2
        exit 2
    fi
    name_holder "$lock" "$name" $$
}

# name_holder LOCK NAME PID: what a refused process is told about the holder.
name_holder() {
    printf '{"holder": "%s", "pid": %d, "host": "%s", "since": "%s"}' \
        "$2" "$3" "$(uname -n)" "$(date -u +%Y-%m-%dT%H:%M:%S+00:00)" >"$1"
}
