"""The Thrift server's login: scripts/thrift_users.py writes PBKDF2 hashes that the server's Java
authenticator accepts for the right password only; the analyst catalog registers public and ref only."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
sys.path.insert(0, str(SCRIPTS))
import thrift_setup  # noqa: E402
import thrift_users  # noqa: E402

CHECK = """
public class Check {
    public static void main(String[] a) {
        try { new tpmap.PasswordFileAuthenticator().Authenticate(a[0], a[1]); System.out.println("accepted"); }
        catch (Exception e) { System.out.println("refused: " + e.getMessage()); }
    }
}
"""


@pytest.mark.skipif(shutil.which("javac") is None, reason="needs a JDK (javac)")
def test_the_server_accepts_the_right_password_only(tmp_path):
    state = tmp_path / "state"
    users = thrift_users.users_file(tmp_path, "analyst")
    thrift_users.write_users(users, {"ana": thrift_users.password_hash("correct horse battery", iterations=1000)})
    assert oct(users.stat().st_mode & 0o777) == "0o600" and "correct horse" not in users.read_text()
    auth = thrift_setup.compile_authenticator(state)
    (tmp_path / "Check.java").write_text(CHECK)
    classpath = f"{auth}:{thrift_setup.pyspark_jars()}/*"
    env = {**os.environ, "TPMAP_THRIFT_USERS": str(users)}

    def login(user, password):
        done = subprocess.run(
            ["java", "-cp", classpath, str(tmp_path / "Check.java"), user, password], capture_output=True, text=True, env=env, timeout=120
        )
        return done.stdout.strip()

    assert login("ana", "correct horse battery") == "accepted"
    assert login("ana", "wrong password").startswith("refused")
    assert login("nobody", "correct horse battery").startswith("refused")


def test_password_policy_and_names(tmp_path, monkeypatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert thrift_users.main(["add", "ana", "--role", "analyst", "--state", str(tmp_path), "--password-stdin"]) == 2
    assert thrift_users.main(["add", "bad name", "--role", "analyst", "--state", str(tmp_path)]) == 2
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long enough password\n"))
    assert thrift_users.main(["add", "ana", "--role", "official", "--state", str(tmp_path), "--password-stdin"]) == 0
    assert thrift_users.read_users(thrift_users.users_file(tmp_path, "official")).keys() == {"ana"}


def test_analyst_catalog_registers_only_public_and_ref(tmp_path):
    for table in ("public.db/area_indicators", "ref.db/province", "gold.db/person_welfare", "bronze.db/dopa_registry"):
        (tmp_path / table / "_delta_log").mkdir(parents=True)
    sql = thrift_setup.register_sql(tmp_path)
    assert "public.area_indicators" in sql and "ref.province" in sql
    assert "gold" not in sql and "bronze" not in sql
