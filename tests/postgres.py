"""A throwaway PostgreSQL cluster for the tests that need a real one: Debian's server binaries
(`make test` installs the `postgresql` package when they are missing), a new cluster in a
temporary directory, listening on a Unix socket only, removed at the end."""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.helpers import free_port


def _binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    assert found, (
        "PostgreSQL's server is missing: `make test` installs it (apt-get install postgresql)"
    )
    return Path(found[-1]).parent


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A running cluster; yields a connection URL (user csguide, database postgres)."""
    binaries = _binaries()
    root = Path(tempfile.mkdtemp(prefix="csguide-pg-"))
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    run_as: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root: as Debian's postgres user
        account = pwd.getpwnam("postgres")
        for path in (root, sockets):
            os.chown(path, account.pw_uid, account.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    port = free_port()

    def run(*command: str) -> None:
        subprocess.run([*run_as, *command], check=True, capture_output=True, text=True)

    run(str(binaries / "initdb"), "-D", str(data), "-U", "csguide", "-A", "trust", "-E", "UTF8")
    options = f"-k {sockets} -p {port} -c listen_addresses='' -c fsync=off"
    # The server's log goes to a file: on our pipes it would keep run() waiting for ever.
    log = root / "server.log"
    run(
        str(binaries / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(log),
        "-w",
        "-s",
        "start",
    )
    try:
        yield f"postgresql://csguide@/postgres?host={sockets}&port={port}"
    finally:
        run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-s", "stop")
        shutil.rmtree(root, ignore_errors=True)
