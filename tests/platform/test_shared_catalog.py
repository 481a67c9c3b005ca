"""A catalog for more than one process: a job runs while the official Thrift server answers queries on the
same catalog, served by scripts/metastore.sh (Derby's network server)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest
from thrift_tools import PASSWORD, ROOT, SCRIPTS, add_user, beeline, free_port, numbers, run

pytestmark = pytest.mark.slow  # a metastore server, a Thrift server and a job: about 3 minutes


@pytest.fixture()
def served(tmp_path):
    env = {**os.environ, "TPMAP_ROOT": str(tmp_path), "TPMAP_ENV": "local"}
    env.pop("TPMAP_CATALOG_URL", None)
    port = str(free_port())
    started = run(["bash", str(SCRIPTS / "metastore.sh"), "start", "--port", port], env, timeout=120)
    assert started.returncode == 0, started.stdout + started.stderr
    env["TPMAP_CATALOG_URL"] = re.search(r"catalog url: (\S+)", started.stdout).group(1)
    yield env
    run(["bash", str(SCRIPTS / "metastore.sh"), "stop", "--port", port], env)


def test_a_job_runs_while_the_thrift_server_answers_on_the_same_catalog(served):
    env = served
    add_user(env, "somchai", "official")
    port = str(free_port())
    started = run(["bash", str(SCRIPTS / "thrift.sh"), "start", "--role", "official", "--port", port], env, timeout=300)
    try:
        assert started.returncode == 0, started.stdout + started.stderr[-2000:]
        job = subprocess.Popen(
            [sys.executable, "-m", "jobs", "reference"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        seen_running = []
        while job.poll() is None:
            answer = beeline(port, "somchai", PASSWORD, "SELECT count(*), count_if(status = 'running') FROM ops.job_runs", env)
            if answer.returncode == 0 and job.poll() is None:
                seen_running.append(numbers(answer.stdout)[1])
            time.sleep(1)
        output = job.stdout.read()
        assert job.returncode == 0, output[-3000:]
        assert 1 in seen_running, f"no answer saw the job running: {seen_running}"
        after = beeline(port, "somchai", PASSWORD, "SELECT count(*), count(DISTINCT province_code) FROM ref.province", env)
        assert numbers(after.stdout) == (77, 77), after.stdout + after.stderr[-2000:]
    finally:
        run(["bash", str(SCRIPTS / "thrift.sh"), "stop", "--role", "official"], env)
