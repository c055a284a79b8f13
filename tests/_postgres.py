"""A throwaway PostgreSQL 15 server for the tests of database storages.

Each pytest(-xdist) process that asks for it starts its own server, on its
own data directory and free port: nothing is shared between processes, so
nothing needs locking, and a crashed process leaves no state another reads.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

BIN = Path("/usr/lib/postgresql/15/bin")
DATABASE = "skrnn"
TIMEOUT_S = 120


class ServerError(RuntimeError):
    """The server did not start; the message holds the command output and the server log."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """``start()`` initialises and starts a server; ``url`` reaches its database."""

    def __init__(self):
        # PostgreSQL refuses to run as root: then every server command runs as
        # the postgres user, which must own the folder it writes.
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.root = Path(tempfile.mkdtemp(prefix="skrnn-pg-"))
        if self._as:
            shutil.chown(self.root, "postgres")
        self.data, self.sockets, self.log = self.root / "data", self.root / "run", self.root / "log"
        self.port = None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, *cmd):
        done = subprocess.run(
            [*self._as, *map(str, cmd)], cwd=self.root, capture_output=True, text=True,
            timeout=TIMEOUT_S,
        )
        if done.returncode != 0:
            log = self.log.read_text() if self.log.exists() else "(no server log)"
            raise ServerError(
                f"{' '.join(map(str, cmd))} exited with {done.returncode}\n"
                f"{done.stdout}{done.stderr}\n--- server log {self.log} ---\n{log}"
            )

    def start(self) -> PostgresServer:
        if not (BIN / "initdb").exists():
            raise ServerError(f"{BIN / 'initdb'} is missing: apt-get install postgresql")
        self._run("mkdir", "-p", self.sockets)
        # trust: only this machine's loopback and the private socket reach it
        self._run(BIN / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust",
                  "--no-sync", "-E", "UTF8")
        for attempt in range(3):
            # Another program may take the free port before the server binds it: retry.
            self.port = _free_port()
            try:
                # -l: the server's output goes to a file; a pipe inherited by
                # the server would keep capture_output waiting forever.
                self._run(BIN / "pg_ctl", "start", "-w", "-t", TIMEOUT_S, "-D", self.data,
                          "-l", self.log,
                          "-o", f"-h 127.0.0.1 -p {self.port} -k {self.sockets} -c fsync=off")
                break
            except ServerError as exc:
                if attempt == 2 or "could not bind" not in str(exc):
                    raise
        self._run(BIN / "createdb", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres",
                  DATABASE)
        return self

    def stop(self):
        if (self.data / "postmaster.pid").exists():
            subprocess.run([*self._as, str(BIN / "pg_ctl"), "stop", "-m", "fast", "-w",
                            "-D", str(self.data)], cwd=self.root, capture_output=True,
                           timeout=TIMEOUT_S)
        shutil.rmtree(self.root, ignore_errors=True)
