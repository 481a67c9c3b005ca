"""scripts/submit.sh: help, clear errors with distinct exit codes, and the spark-submit command it builds."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUBMIT = ROOT / "scripts" / "submit.sh"


def _submit(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SUBMIT), *args], capture_output=True, text=True, timeout=120, env=env)


def test_help_explains_every_option():
    result = _submit("--help")
    assert result.returncode == 0
    for option in (
        "--master",
        "--env",
        "--driver-memory",
        "--executor-memory",
        "--executor-cores",
        "--py-files",
        "--venv-archive",
        "--python",
        "--conf",
        "--dry-run",
    ):
        assert option in result.stdout


def test_missing_archive_is_a_clear_error(tmp_path):
    result = _submit("--py-files", str(tmp_path / "nope.zip"), "reference")
    assert result.returncode == 2
    assert "does not exist" in result.stderr and "build_archives.sh" in result.stderr


def test_missing_packed_environment_is_a_clear_error(tmp_path):
    code = tmp_path / "code.zip"
    code.write_bytes(b"")
    result = _submit("--py-files", str(code), "--venv-archive", str(tmp_path / "env.tar.gz"), "reference")
    assert result.returncode == 2 and "build_archives.sh --venv" in result.stderr


def test_unreachable_master_is_a_clear_error(tmp_path):
    code = tmp_path / "code.zip"
    code.write_bytes(b"")
    result = _submit("--master", "spark://127.0.0.1:1", "--py-files", str(code), "reference")
    assert result.returncode == 3
    assert "not reachable" in result.stderr


def test_dry_run_ships_code_python_jars_and_the_driver_entry(tmp_path):
    code = tmp_path / "code.zip"
    code.write_bytes(b"")
    env_archive = tmp_path / "env.tar.gz"
    env_archive.write_bytes(b"")
    result = _submit(
        "--master",
        "local[2]",
        "--py-files",
        str(code),
        "--venv-archive",
        str(env_archive),
        "--driver-memory",
        "1g",
        "--dry-run",
        "run-all",
        "--to",
        "reference",
    )
    assert result.returncode == 0, result.stderr
    command = result.stdout
    assert f"--py-files {code}" in command
    assert f"--archives {env_archive}\\#environment" in command or f"--archives {env_archive}#environment" in command
    assert "spark.pyspark.python=./environment/bin/python" in command
    assert "--driver-memory 1g" in command
    assert "scala-udf-similarity" in command
    assert command.rstrip().endswith("scripts/submit_main.py run-all --to reference")
