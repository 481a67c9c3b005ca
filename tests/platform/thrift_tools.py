"""Helpers shared by the platform tests: free ports, commands from the checkout, Thrift users and beeline,
Chromium screenshots."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
PASSWORD = "a-long-test-password"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(command: list[str], env: dict, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT)


def screenshot(page: Path, shot: Path, env: dict) -> bool:
    """A headless Chromium screenshot of an HTML file, as a reader sees it; False where Chromium is absent."""
    chromium = shutil.which("chromium")
    if not chromium:
        return False
    # A closed network: without the background-networking flags Chromium keeps retrying connections.
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking"]
    flags += ["--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={shot.parent / 'chromium-profile'}"]
    run([chromium, *flags, f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri()], env, timeout=120)
    return True


def numbers(text: str) -> tuple[int, int]:
    """The last line holding two numbers, as integers (tools print 12 or 12.0 or 12,345)."""
    rows = [re.findall(r"\d+(?:\.\d+)?", line.replace(",", " ")) for line in text.splitlines()]
    pair = [r for r in rows if len(r) == 2][-1]
    return int(float(pair[0])), int(float(pair[1]))


def beeline(port: str, user: str, password: str, query: str, env: dict) -> subprocess.CompletedProcess:
    tool = Path(os.path.dirname(__import__("pyspark").__file__)) / "bin" / "beeline"
    return run([str(tool), "-u", f"jdbc:hive2://127.0.0.1:{port}", "-n", user, "-p", password, "--silent=true",
                "--outputformat=csv2", "-e", query], env)  # fmt: skip


def add_user(env: dict, name: str, role: str) -> None:
    added = subprocess.run(["bash", str(SCRIPTS / "thrift.sh"), "add-user", name, "--role", role], input=PASSWORD + "\n",
                           capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)  # fmt: skip
    assert added.returncode == 0, added.stderr
