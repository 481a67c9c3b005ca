#!/usr/bin/env bash
# Build what scripts/submit.sh ships to the executors.
#
#   scripts/build_archives.sh            build/tpmap_lakehouse.zip   the project code (jobs, transforms, udfs) for --py-files
#   scripts/build_archives.sh --venv     also build/tpmap-venv.tar.gz: a packed virtual environment with the
#                                        project and its Python dependencies for --archives (built with
#                                        venv-pack from a fresh, non-editable venv; needs PyPI or a pip cache)
#
# Executors then run  --py-files build/tpmap_lakehouse.zip
#                     --archives build/tpmap-venv.tar.gz#environment  (python: ./environment/bin/python)
# A packed venv is needed only where the workers do not have this project's Python environment;
# on this machine's standalone cluster the workers use .venv/bin/python directly.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${TPMAP_PYTHON:-$ROOT/.venv/bin/python}"
BUILD="$ROOT/build"
WITH_VENV=0
case "${1:-}" in
    "") ;;
    --venv) WITH_VENV=1 ;;
    -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build_archives.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
esac
[[ -x "$PYTHON" ]] || { echo "build_archives.sh: no Python at $PYTHON (run 'make setup' or set TPMAP_PYTHON)" >&2; exit 2; }
mkdir -p "$BUILD"

# The code zip: packages only, no tests, caches or data.
rm -f "$BUILD/tpmap_lakehouse.zip"
(cd "$ROOT" && "$PYTHON" - <<'PY'
import zipfile
from pathlib import Path

with zipfile.ZipFile("build/tpmap_lakehouse.zip", "w", zipfile.ZIP_DEFLATED) as archive:
    for package in ("jobs", "transforms", "udfs"):
        for path in sorted(Path(package).rglob("*.py")):
            archive.write(path)
print(f"build/tpmap_lakehouse.zip: {len(archive.namelist())} files")
PY
)

if [[ $WITH_VENV -eq 1 ]]; then
    PACK_VENV="$BUILD/pack-venv"
    rm -rf "$PACK_VENV" "$BUILD/tpmap-venv.tar.gz"
    "$PYTHON" -m venv "$PACK_VENV"
    # A regular (not editable) install: venv-pack refuses environments with editable packages.
    "$PACK_VENV/bin/pip" install --quiet "$ROOT" venv-pack
    "$PACK_VENV/bin/venv-pack" --quiet -p "$PACK_VENV" -o "$BUILD/tpmap-venv.tar.gz"
    echo "build/tpmap-venv.tar.gz: $(du -h "$BUILD/tpmap-venv.tar.gz" | cut -f1)"
fi
