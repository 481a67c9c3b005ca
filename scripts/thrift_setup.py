#!/usr/bin/env python
"""Prepare a Thrift server (or an analyst spark-sql) for one role and print its spark-submit flags.

    scripts/thrift_setup.py --role analyst --state DIR [--run-as USER] [--tool thrift|sql]

Both roles log in with a user name and password (HiveServer2 CUSTOM authentication against the role's
user file, scripts/thrift_users.py). What a role can read:

- official: the project's catalog (bronze, silver, gold, public, ops, ref), as the jobs see it.
- analyst: its own small catalog (a Derby metastore in DIR) holding only public.* and ref.*, registered
  over the shared folders of the warehouse; SQL on file paths (`delta.\\`/path\\``) is off. With --run-as
  (the default when started by root: nobody) the server runs as a user who cannot read the private
  folders at all, so no statement (CREATE TABLE ... LOCATION, say) reaches bronze, silver or gold.

Writes DIR/register.sql (the analyst catalog's tables), compiles the authenticator into DIR/auth, copies
the jars into DIR/jars when the server runs as another user, and prints one flag a line.
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jobs.config import load_config
from jobs.spark import LOG_CONFIG, local_jars
from jobs.spark_conf import flags
from jobs.tables import SHARED_DATABASES, secure_lakehouse

AUTH_SOURCE = Path(__file__).resolve().parent / "thrift_auth" / "PasswordFileAuthenticator.java"
AUTH_CLASS = "tpmap.PasswordFileAuthenticator"


def pyspark_jars() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent / "jars"


def compile_authenticator(state: Path) -> Path:
    """DIR/auth with the compiled class (javac from the JDK; Janino, shipped with Spark, without one)."""
    out = state / "auth"
    if (out / "tpmap" / "PasswordFileAuthenticator.class").is_file() and (
        out / "tpmap" / "PasswordFileAuthenticator.class"
    ).stat().st_mtime >= AUTH_SOURCE.stat().st_mtime:
        return out
    out.mkdir(parents=True, exist_ok=True)
    classpath = f"{pyspark_jars()}/*"
    javac = shutil.which("javac")
    if javac:
        command = [javac, "-cp", classpath, "-d", str(out), str(AUTH_SOURCE)]
    else:
        command = ["java", "-cp", classpath, "org.codehaus.janino.Compiler", "-d", str(out), "-classpath", classpath, str(AUTH_SOURCE)]
    subprocess.run(command, check=True, capture_output=True)
    return out


def register_sql(warehouse: Path) -> str:
    """CREATE statements for every Delta table of the shared databases, over their folders."""
    lines = []
    for database in SHARED_DATABASES:
        folder = warehouse / f"{database}.db"
        lines.append(f"CREATE DATABASE IF NOT EXISTS {database} LOCATION '{folder}';")
        if folder.is_dir():
            for table in sorted(p for p in folder.iterdir() if (p / "_delta_log").is_dir()):
                lines.append(f"CREATE TABLE IF NOT EXISTS {database}.{table.name} USING delta LOCATION '{table}';")
    return "\n".join(lines) + "\n"


def _replace(words: list[str], key: str, value: str) -> list[str]:
    """Set --conf key=value, replacing an earlier one."""
    out, skip = [], False
    for i, word in enumerate(words):
        if skip:
            skip = False
            continue
        if word == "--conf" and i + 1 < len(words) and words[i + 1].startswith(f"{key}="):
            skip = True
            continue
        out.append(word)
    return out + ["--conf", f"{key}={value}"]


def _own_jars(words: list[str], config, state: Path) -> list[str]:
    """For a server running as another user: the jars copied into DIR/jars (it cannot read ~/.cache)."""
    target = state / "jars"
    target.mkdir(parents=True, exist_ok=True)
    found = local_jars(config) or [str(p) for p in (Path(config.jars.ivy_cache).expanduser() / "jars").glob("*.jar")]
    copied = []
    for jar in found:
        shutil.copy2(jar, target / Path(jar).name)
        copied.append(str(target / Path(jar).name))
    out, skip = [], 0
    for i, word in enumerate(words):
        if skip:
            skip -= 1
            continue
        if word == "--packages":
            skip = 1
            continue
        if word == "--conf" and words[i + 1].startswith("spark.jars.ivy="):
            skip = 1
            continue
        if word == "--jars":
            copied += words[i + 1].split(",")
            skip = 1
            continue
        out.append(word)
    delta = ":".join(j for j in copied if "delta-spark" in j or "delta-storage" in j)
    out = _replace(out, "spark.driver.extraClassPath", delta)
    return ["--jars", ",".join(copied)] + out


def role_flags(role: str, state: Path, tool: str, run_as: str | None) -> list[str]:
    config = load_config(os.environ.get("TPMAP_ENV", "local"))
    words = flags(config, "thrift" if tool == "thrift" else "sql", "local[2]")
    warehouse = Path(config.paths.resolved("warehouse"))
    if role == "analyst":
        secure_lakehouse(config)  # private folders closed, public and ref readable by the server's user
        state.mkdir(parents=True, exist_ok=True)
        (state / "register.sql").write_text(register_sql(warehouse), encoding="utf-8")
        words = _replace(
            words, "spark.hadoop.javax.jdo.option.ConnectionURL", f"jdbc:derby:;databaseName={state / 'metastore_db'};create=true"
        )
        java_options = f"-Dderby.system.home={state}" + (
            f" -Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}" if LOG_CONFIG.is_file() else ""
        )
        words = _replace(words, "spark.driver.extraJavaOptions", java_options)
        words = _replace(words, "spark.sql.runSQLOnFiles", "false")
        words = _replace(words, "spark.driver.memory", "2g")
        if run_as:
            words = _own_jars(words, config, state)
    if tool == "thrift":
        auth = compile_authenticator(state)
        classpath = next((w.split("=", 1)[1] for w in words if w.startswith("spark.driver.extraClassPath=")), "")
        words = _replace(words, "spark.driver.extraClassPath", ":".join(p for p in (classpath, str(auth)) if p))
        words += [
            "--hiveconf",
            "hive.server2.authentication=CUSTOM",
            "--hiveconf",
            f"hive.server2.custom.authentication.class={AUTH_CLASS}",
        ]
    if run_as:
        user = pwd.getpwnam(run_as)
        for root, dirs, files in os.walk(state):
            for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
                os.chown(name, user.pw_uid, user.pw_gid)
    return words


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--role", choices=("analyst", "official"), required=True)
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--tool", choices=("thrift", "sql"), default="thrift")
    parser.add_argument("--run-as", default=None, help="OS user the analyst server runs as (its folder is handed to it)")
    args = parser.parse_args(argv)
    print("\n".join(role_flags(args.role, args.state, args.tool, args.run_as)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
