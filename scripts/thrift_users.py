#!/usr/bin/env python
"""Users of the Thrift server, per role: one file per role with PBKDF2-SHA256 hashes (never passwords).

    scripts/thrift_users.py add NAME --role analyst        # asks for the password (or --password-stdin)
    scripts/thrift_users.py remove NAME --role official
    scripts/thrift_users.py list --role analyst

The files are <state>/thrift-users/<role> (state = the folder holding the metastore, as for
scripts/thrift.sh), readable by their owner only; the server checks logins against them
(scripts/thrift_auth/PasswordFileAuthenticator.java).
"""

from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import os
import re
import secrets
import sys
from pathlib import Path

ROLES = ("analyst", "official")
ITERATIONS = 210_000
NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def password_hash(password: str, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"pbkdf2_sha256${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def users_file(state: Path, role: str) -> Path:
    return state / "thrift-users" / role


def read_users(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    return dict(line.split(":", 1) for line in path.read_text(encoding="utf-8").splitlines() if ":" in line)


def write_users(path: Path, users: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.writelines(f"{name}:{value}\n" for name, value in sorted(users.items()))
    path.chmod(0o600)


def default_state() -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from jobs.config import load_config

    return Path(load_config(os.environ.get("TPMAP_ENV", "local")).paths.resolved("metastore")).parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("add", "remove", "list"))
    parser.add_argument("name", nargs="?")
    parser.add_argument("--role", choices=ROLES, required=True)
    parser.add_argument("--password-stdin", action="store_true", help="read the password from the first line of standard input")
    parser.add_argument("--state", type=Path, default=None, help="state folder (default: beside the environment's metastore)")
    args = parser.parse_args(argv)
    path = users_file(args.state or default_state(), args.role)
    users = read_users(path)
    if args.action == "list":
        print("\n".join(sorted(users)))
        return 0
    if not args.name or not NAME.match(args.name):
        print("thrift_users: a user name of letters, digits, _ . - is needed", file=sys.stderr)
        return 2
    if args.action == "remove":
        users.pop(args.name, None)
    else:
        password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass(f"password for {args.name}: ")
        if len(password) < 12:
            print("thrift_users: use a password of at least 12 characters", file=sys.stderr)
            return 2
        users[args.name] = password_hash(password)
    write_users(path, users)
    print(f"thrift_users: {args.action} {args.name} ({args.role}) in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
