"""generate never deletes what it did not write: it marks its deliveries, refuses a landing zone holding
others (unless --force, and then writes beside them), and replaces only its own earlier deliveries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jobs import deliveries, generate
from jobs.config import PROJECT_ROOT, ConfigError
from jobs.runs import JobRun

SETTINGS = generate.load_settings()
DELIVERY = SETTINGS.delivery


def _foreign(landing: Path, source: str = "mof_welfare", delivery: str = "2020-01-31", name: str = "agency.csv") -> Path:
    folder = landing / source / delivery
    folder.mkdir(parents=True)
    (folder / name).write_bytes(b"application_no,pid\nA1,1100100000013\n")
    return folder


def _own(landing: Path, source: str, delivery: str, files: tuple[str, ...] = ("f-00000.csv",)) -> Path:
    folder = landing / source / delivery
    folder.mkdir(parents=True)
    for name in files:
        (folder / name).write_text("old\n")
    (folder / deliveries.MARKER).write_text(json.dumps({"written_by": deliveries.WRITER, "run_id": "earlier", "files": list(files)}))
    return folder


def _targets(landing: Path, sources: tuple[str, ...] | None = None) -> list[Path]:
    return generate.delivery_targets(landing, SETTINGS, list(sources or generate.generated_sources()))


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_foreign_delivery_is_refused_naming_the_folder(tmp_path):
    folder = _foreign(tmp_path)
    with pytest.raises(ConfigError, match=f"did not write: {folder}; .*--force"):
        deliveries.check_landing(tmp_path, False, _targets(tmp_path))
    assert _snapshot(folder) == {"agency.csv": b"application_no,pid\nA1,1100100000013\n"}


def test_loose_file_in_a_source_folder_is_a_foreign_delivery(tmp_path):
    (tmp_path / "dla_elderly").mkdir()
    (tmp_path / "dla_elderly" / "payments.csv").write_text("x\n")
    with pytest.raises(ConfigError, match="dla_elderly/payments.csv"):
        deliveries.check_landing(tmp_path, False, _targets(tmp_path))


def test_own_delivery_with_a_file_its_marker_does_not_list_is_foreign(tmp_path):
    folder = _own(tmp_path, "mof_welfare", DELIVERY)
    (folder / "added-by-hand.csv").write_text("x\n")
    assert deliveries.foreign_deliveries(tmp_path) == [folder]
    with pytest.raises(ConfigError, match="refuses even with --force"):
        deliveries.check_landing(tmp_path, True, _targets(tmp_path))


def test_own_deliveries_and_ignored_names_pass(tmp_path):
    _own(tmp_path, "mof_welfare", DELIVERY)
    _own(tmp_path, "dopa_registry", "2017-12-31")
    (tmp_path / "_generate_tmp_abc").mkdir()  # a crashed run's scratch: ingest skips it too
    (tmp_path / "mof_welfare" / ".DS_Store").write_text("")
    (tmp_path / "README.txt").write_text("not a source folder\n")
    assert deliveries.check_landing(tmp_path, False, _targets(tmp_path)) == []
    assert deliveries.check_landing(tmp_path / "missing", False, _targets(tmp_path / "missing")) == []


def test_force_writes_beside_foreign_deliveries_but_never_into_one(tmp_path):
    beside = _foreign(tmp_path, delivery="2020-01-31")
    assert deliveries.check_landing(tmp_path, True, _targets(tmp_path)) == [beside]
    _foreign(tmp_path, delivery=DELIVERY)
    with pytest.raises(ConfigError, match=f"mof_welfare/{DELIVERY} was not written by generate"):
        deliveries.check_landing(tmp_path, True, _targets(tmp_path))
    assert deliveries.check_landing(tmp_path, True, _targets(tmp_path, ["dopa_registry"])) == sorted(
        [beside, tmp_path / "mof_welfare" / DELIVERY]
    )


def test_publishing_replaces_own_earlier_deliveries_only(tmp_path):
    landing = tmp_path / "landing"
    same_name = _own(landing, "mof_welfare", DELIVERY, ("mof_welfare-00000.csv", "mof_welfare-00001.csv"))
    other_name = _own(landing, "mof_welfare", "2017-12-31")
    foreign = _foreign(landing, delivery="2020-01-31")
    before = _snapshot(foreign)
    staged = tmp_path / "staged"
    (staged / DELIVERY).mkdir(parents=True)
    (staged / DELIVERY / "mof_welfare-00000.csv").write_text("new\n")
    (staged / DELIVERY / deliveries.MARKER).write_text(json.dumps({"written_by": deliveries.WRITER, "files": ["mof_welfare-00000.csv"]}))
    deliveries.publish_deliveries(staged, landing / "mof_welfare", 2561)
    assert sorted(p.name for p in (landing / "mof_welfare").iterdir()) == [DELIVERY, "2020-01-31"]
    assert not other_name.exists()
    assert sorted(p.name for p in same_name.iterdir()) == [deliveries.MARKER, "mof_welfare-00000.csv"]
    assert (same_name / "mof_welfare-00000.csv").read_text() == "new\n"
    assert _snapshot(foreign) == before


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TPMAP_ROOT": str(root), "TPMAP_ENV": "local"}
    env.pop("TPMAP_LANDING", None)
    return subprocess.run([sys.executable, "-m", "jobs", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", [("generate",), ("run-all", "--to", "generate")])
def test_command_line_exits_2_with_one_line_before_spark_starts(tmp_path, command):
    folder = _foreign(tmp_path / "landing")
    before = _snapshot(folder)
    result = _cli(tmp_path, *command)
    assert result.returncode == 2, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(folder) in lines[0], lines
    assert _snapshot(folder) == before
    assert not (tmp_path / "metastore_db").exists()  # refused before any Spark session


@pytest.fixture(scope="module")
def forced_run(spark, reference_tables, tmp_path_factory):
    """generate --force --source dep_disability on a landing zone with foreign deliveries and its own earlier ones."""
    root = tmp_path_factory.mktemp("forced")
    landing = root / "landing"
    foreign = [_foreign(landing, "dep_disability", "2019-01-01", "cards.jsonl"), _foreign(landing, "mof_welfare", "2020-01-31")]
    before = {f: _snapshot(f) for f in foreign}
    own_same = _own(landing, "dep_disability", DELIVERY, ("dep_disability-00000.jsonl", "dep_disability-00001.jsonl"))
    own_other = _own(landing, "dep_disability", "2017-12-31")
    from jobs.config import load_config

    config = load_config("local")
    config = config.model_copy(update={"paths": config.paths.model_copy(update={"landing": str(landing), "truth": str(root / "truth")})})
    args = generate.Options(scale=0.001, seed=7, source=["dep_disability"], force=True)
    job_run = JobRun("generate", vars(args))
    generate.run(spark, config, args, job_run)
    return {"landing": landing, "foreign": foreign, "before": before, "own_same": own_same, "own_other": own_other, "run": job_run}


def test_force_keeps_foreign_deliveries_byte_for_byte(forced_run):
    for folder in forced_run["foreign"]:
        assert _snapshot(folder) == forced_run["before"][folder]


def test_own_earlier_deliveries_are_replaced_and_the_new_one_is_marked(forced_run):
    assert not forced_run["own_other"].exists()
    folder = forced_run["own_same"]
    marker = json.loads((folder / deliveries.MARKER).read_text())
    assert marker["run_id"] == forced_run["run"].run_id
    assert (marker["seed"], marker["scale"], marker["source"], marker["delivery"]) == (7, 0.001, "dep_disability", DELIVERY)
    assert (
        sorted(p.name for p in folder.iterdir())
        == sorted([deliveries.MARKER, *marker["files"]])
        == [deliveries.MARKER, "dep_disability-00000.jsonl"]
    )
    assert (folder / "dep_disability-00000.jsonl").stat().st_size > 10_000
    assert sorted(p.name for p in (forced_run["landing"] / "dep_disability").iterdir()) == sorted(["2019-01-01", DELIVERY])
    assert sorted(p.name for p in forced_run["landing"].iterdir()) == ["dep_disability", "mof_welfare"]  # no scratch left


def test_a_later_round_is_published_beside_the_earlier_rounds(tmp_path):
    """generate --round 2562 replaces its own 2562 delivery only: the 2561 one (marker without a round, as
    written before rounds existed) stays for ingest to have read and for a rebuild."""
    landing = tmp_path / "landing"
    first = _own(landing, "mof_welfare", DELIVERY)
    later = SETTINGS.for_round(1).delivery
    earlier_2562 = _own(landing, "mof_welfare", later, ("old-00000.csv",))
    marker = json.loads((earlier_2562 / deliveries.MARKER).read_text())
    (earlier_2562 / deliveries.MARKER).write_text(json.dumps({**marker, "round": 2562}))
    staged = tmp_path / "staged"
    (staged / later).mkdir(parents=True)
    (staged / later / "mof_welfare-00000.csv").write_text("2562\n")
    (staged / later / deliveries.MARKER).write_text(
        json.dumps({"written_by": deliveries.WRITER, "round": 2562, "files": ["mof_welfare-00000.csv"]})
    )
    deliveries.publish_deliveries(staged, landing / "mof_welfare", 2562)
    assert sorted(p.name for p in (landing / "mof_welfare").iterdir()) == [DELIVERY, later]
    assert _snapshot(first) == {deliveries.MARKER: (first / deliveries.MARKER).read_bytes(), "f-00000.csv": b"old\n"}
    assert sorted(p.name for p in (landing / "mof_welfare" / later).iterdir()) == [deliveries.MARKER, "mof_welfare-00000.csv"]
    assert deliveries.delivery_round(first) == 2561 and deliveries.delivery_round(landing / "mof_welfare" / later) == 2562
