"""A throw-away PostgreSQL cluster for the tests, or an existing server named by a URL.

The cluster is Debian's PostgreSQL (``/usr/lib/postgresql/<major>/bin``, installed by
``make test`` when missing): ``initdb`` into a temporary folder, the socket in the same folder,
listening on 127.0.0.1 on a free port, stopped with ``pg_ctl -m fast stop`` and removed at the
end. PostgreSQL refuses to run as root, so as root the cluster belongs to the ``postgres``
system user and every command runs through ``runuser -u postgres --``.

Durability is switched off (``fsync``, ``synchronous_commit``, ``full_page_writes``): the data
are thrown away, and each test gets a brand-new database in a few tens of milliseconds.

Also used by ``make hub`` (deploy/try_hub.py) and ``bench_store.py --postgres``.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

__all__ = [
    "PostgresServer",
    "find_bin_dir",
    "free_port",
    "throwaway_cluster",
]

PG_ROOT = Path("/usr/lib/postgresql")
SYSTEM_USER = "postgres"
START_TIMEOUT_S = 60
_FAST_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "64MB",
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find_bin_dir() -> Path:
    """The bin folder of the newest installed PostgreSQL (``$WORKBOOK_PG_BIN`` wins)."""
    if os.environ.get("WORKBOOK_PG_BIN"):
        return Path(os.environ["WORKBOOK_PG_BIN"])
    majors = sorted(
        (p for p in PG_ROOT.glob("*") if (p / "bin" / "initdb").exists()),
        key=lambda p: int(p.name) if p.name.isdigit() else 0,
    )
    if not majors:
        raise RuntimeError(
            f"No PostgreSQL server under {PG_ROOT}: `make test` installs Debian's postgresql "
            "(or set WORKBOOK_TEST_POSTGRES to a database URL on an existing server)"
        )
    return majors[-1] / "bin"


class PostgresServer:
    """A server the tests may create databases on, reached through ``admin_url``.

    Parameters
    ----------
    admin_url : str or URL
        A URL whose role may CREATE and DROP databases (the cluster's superuser here, or the
        one given by ``WORKBOOK_TEST_POSTGRES``).
    """

    _names = itertools.count(1)

    def __init__(self, admin_url: str | URL) -> None:
        self.admin_url = make_url(admin_url)
        self._engine = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self._created: list[str] = []

    def url_for(self, database: str) -> str:
        """The SQLAlchemy URL (password included) of one database on this server."""
        return self.admin_url.set(database=database).render_as_string(hide_password=False)

    def new_database(self, prefix: str = "workbook_test") -> str:
        """Create an empty database and return its URL."""
        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        with self._engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE template0')
        self._created.append(name)
        return self.url_for(name)

    def drop_database(self, url: str) -> None:
        """Drop a database made by :meth:`new_database`, closing whoever is still connected."""
        name = make_url(url).database
        if name not in self._created:
            raise ValueError(f"{name} was not made by this server object")
        with self._engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._created.remove(name)

    def close(self) -> None:
        """Drop every database still left and close the admin connections."""
        for name in list(self._created):
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                self.drop_database(self.url_for(name))
        self._engine.dispose()


def _as_owner(owner: str | None, command: list[str]) -> list[str]:
    return command if owner is None else ["runuser", "-u", owner, "--", *command]


@contextlib.contextmanager
def throwaway_cluster(base: Path | None = None) -> Iterator[PostgresServer]:
    """Start a private PostgreSQL cluster on 127.0.0.1; stop it and remove its folder after."""
    bin_dir = find_bin_dir()
    owner = SYSTEM_USER if os.geteuid() == 0 else None
    # Not under pytest's own temp folder: that is private to root and the server must reach it.
    folder = Path(tempfile.mkdtemp(prefix="workbook-pg-", dir=base))
    if owner is not None:
        entry = pwd.getpwnam(owner)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    data, log = folder / "data", folder / "server.log"
    port = free_port()
    run = {"check": True, "capture_output": True, "text": True}
    try:
        subprocess.run(
            _as_owner(
                owner,
                [
                    *(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"),
                    *("-E", "UTF8", "--locale=C.UTF-8", "--no-sync"),
                ],
            ),
            **run,
        )
        options = " ".join(f"-c {key}={value}" for key, value in _FAST_SETTINGS.items())
        options += f" -p {port} -k {folder}"
        subprocess.run(
            _as_owner(
                owner,
                [
                    *(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options),
                    *("-w", "-t", str(START_TIMEOUT_S), "start"),
                ],
            ),
            **run,
        )
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        server_log = log.read_text() if log.exists() else ""
        raise RuntimeError(
            f"PostgreSQL did not start: {exc.cmd}\n{exc.stdout}\n{exc.stderr}\n{server_log}"
        ) from None
    server = PostgresServer(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres")
    try:
        yield server
    finally:
        server.close()
        stopped = subprocess.run(
            _as_owner(owner, [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
            capture_output=True,
            check=False,
        )
        if stopped.returncode != 0:  # pg_ctl could not stop it: end it by its own PID
            pid_file = data / "postmaster.pid"
            if pid_file.exists():
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid_file.read_text().split()[0]), signal.SIGQUIT)
        shutil.rmtree(folder, ignore_errors=True)
