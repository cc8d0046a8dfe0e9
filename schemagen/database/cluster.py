"""A throwaway PostgreSQL cluster for `validate --live` and the test suite.

The cluster lives in a fresh temp dir, listens only on a unix socket inside it and is deleted on stop.
Without server binaries it falls back to the embedded server of the optional `pgserver` package.
"""

from __future__ import annotations

import atexit
import importlib
import importlib.util
import os
import pwd
import re
import shutil
import socket
import stat
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from schemagen.database.queries import composed, query

__all__ = [
    "DEBIAN_SERVER_ROOT",
    "TEMP_PREFIX",
    "ConnectionFailed",
    "DatabaseError",
    "ServerUnavailable",
    "ThrowawayCluster",
    "connect",
    "create_database",
    "drop_database",
    "find_server_bin",
    "first_line",
]

SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres")
DEBIAN_SERVER_ROOT = Path("/usr/lib/postgresql")
TEMP_PREFIX = "schemagen-pg-"
SUPERUSER = "postgres"
# The server refuses to run as root, so root hands it to this account.
UNPRIVILEGED_USER = "nobody"
NO_SERVER_MESSAGE = (
    "no PostgreSQL server binaries found (initdb): install the Debian package `postgresql`, "
    "put its bin directory on PATH, or `pip install 'schemagen[embedded]'`"
)
# A durable cluster is pointless for data that is thrown away; these make initdb-and-go fast.
SERVER_SETTINGS = {
    "fsync": "off",
    "full_page_writes": "off",
    "synchronous_commit": "off",
}
START_TIMEOUT_SECONDS = 60
CONNECT_TIMEOUT_SECONDS = 10
LOG_TAIL_LINES = 20
# sun_path holds 108 bytes; leave room for "/schemagen-pg-XXXXXXXX/.s.PGSQL.NNNNN".
MAX_TEMP_ROOT_LENGTH = 60


class DatabaseError(Exception):
    """A database problem: `message` is one line; `detail` optionally carries more (e.g. a log tail)."""

    def __init__(self, message: str, detail: str | None = None) -> None:
        self.message = "; ".join(part.strip() for part in message.splitlines() if part.strip())
        self.detail = detail
        super().__init__(self.message)

    def __str__(self) -> str:
        if not self.detail:
            return self.message
        return self.message + "\n" + "\n".join("    " + line for line in self.detail.splitlines())


class ServerUnavailable(DatabaseError):
    """No way to run a PostgreSQL server on this machine."""


class ConnectionFailed(DatabaseError):
    """A server could not be reached or refused the connection."""


def first_line(exc: BaseException) -> str:
    """The first non-empty line of an exception's message (psycopg appends hints on further lines)."""
    for line in str(exc).splitlines():
        if line.strip():
            return line.strip()
    return type(exc).__name__


def connect(dsn: str, *, autocommit: bool = False) -> psycopg.Connection:
    """Open a psycopg connection; any failure becomes `ConnectionFailed` with the cause in one line."""
    try:
        params = conninfo_to_dict(dsn)
        # An unreachable host would otherwise hang for the OS TCP timeout.
        if "connect_timeout" not in params and "PGCONNECT_TIMEOUT" not in os.environ:
            params["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
        return psycopg.connect(make_conninfo("", **params), autocommit=autocommit)
    except psycopg.Error as exc:
        cause = first_line(exc).removeprefix("connection failed: ")
        raise ConnectionFailed(f"cannot connect to PostgreSQL: {cause}") from exc


def create_database(conn: psycopg.Connection, name: str) -> None:
    """Create the empty database `name` (from template0) on conn's server; conn must be in autocommit."""
    try:
        conn.execute(composed("database_create", database=sql.Identifier(name)))
    except psycopg.Error as exc:
        raise DatabaseError(f"cannot create database {name}: {first_line(exc)}") from exc


def drop_database(conn: psycopg.Connection, name: str) -> None:
    """Drop the database `name` if it exists, disconnecting its sessions; conn must be in autocommit."""
    try:
        conn.execute(composed("database_drop", database=sql.Identifier(name)))
    except psycopg.Error as exc:
        raise DatabaseError(f"cannot drop database {name}: {first_line(exc)}") from exc


def _version_key(path: Path) -> tuple[int, ...] | None:
    if not re.fullmatch(r"\d+(\.\d+)*", path.name):
        return None
    return tuple(int(part) for part in path.name.split("."))


def _has_server_programs(directory: Path) -> bool:
    return all(os.access(directory / name, os.X_OK) for name in SERVER_PROGRAMS)


def find_server_bin(search_root: Path = DEBIAN_SERVER_ROOT) -> Path | None:
    """A directory holding initdb, pg_ctl and postgres: from PATH first, else the newest under search_root."""
    candidates: list[Path] = []
    on_path = shutil.which("initdb")
    if on_path:
        # /usr/bin/initdb may be a symlink into the real bin dir that holds pg_ctl and postgres.
        candidates += [Path(on_path).resolve().parent, Path(on_path).parent]
    if search_root.is_dir():
        versions = [(key, child) for child in search_root.iterdir() if (key := _version_key(child))]
        candidates += [child / "bin" for _, child in sorted(versions, reverse=True)]
    return next((directory for directory in candidates if _has_server_programs(directory)), None)


def _traversable_by_others(path: Path) -> bool:
    return all(part.stat().st_mode & stat.S_IXOTH for part in (path, *path.parents))


def _temp_root() -> Path:
    root = Path(tempfile.gettempdir()).resolve()
    # The socket path must stay short, and as root the server's account must be able to reach its dir.
    too_long = len(str(root)) > MAX_TEMP_ROOT_LENGTH
    if too_long or (os.geteuid() == 0 and not _traversable_by_others(root)):
        return Path("/tmp")
    return root


def _pick_port() -> int:
    # Each cluster has its own socket dir, but a currently free TCP port keeps the numbers (and the
    # socket names) distinct across clusters anyway.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _quote_setting(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _server_complaint(log: str) -> str | None:
    # pg_ctl itself only says "Examine the log output."; the reason is the server's last fatal line.
    found = re.findall(r"\b((?:FATAL|PANIC|ERROR):.*)", log)
    return " ".join(found[-1].split()) if found else None


class ThrowawayCluster:
    """A private PostgreSQL cluster in a temp dir; a context manager, or call start() and stop()."""

    def __init__(self, settings: Mapping[str, str] | None = None) -> None:
        """`settings`: server settings beyond the throwaway defaults, as postgresql.conf spells them
        (values quoted where the file needs it, e.g. `{"shared_preload_libraries": "'citus'"}`);
        `{directory}` in a value stands for the cluster's directory, which holds its socket."""
        self._settings = dict(settings or {})
        self._directory: Path | None = None
        self._bin: Path | None = None
        self._account: pwd.struct_passwd | None = None
        self._conninfo: dict[str, Any] = {}
        self._embedded: Any = None  # a pgserver.PostgresServer when running the embedded fallback
        self._version: int | None = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._directory is not None

    @property
    def directory(self) -> Path:
        """The temp dir holding data, socket and log."""
        if self._directory is None:
            raise DatabaseError("the throwaway cluster is not running")
        return self._directory

    @property
    def port(self) -> int:
        return int(self._require_conninfo().get("port") or 5432)

    @property
    def embedded(self) -> bool:
        """True when running pgserver's embedded server rather than system binaries."""
        return self._embedded is not None

    @property
    def log_path(self) -> Path:
        return self.directory / "server.log"

    def start(self) -> Self:
        """Create and start the cluster; raises ServerUnavailable or DatabaseError."""
        if self.running:
            return self
        bin_dir = find_server_bin()
        if bin_dir is None and importlib.util.find_spec("pgserver") is None:
            raise ServerUnavailable(NO_SERVER_MESSAGE)
        self._directory = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=_temp_root()))
        atexit.register(self.stop)
        try:
            if bin_dir is None:
                self._start_embedded()
            else:
                self._start_native(bin_dir)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server at once (nothing here is worth a clean shutdown) and delete the temp dir."""
        if self._directory is None:
            return
        try:
            if self._embedded is not None:
                self._embedded.cleanup()
            elif self._bin is not None and (self._directory / "data" / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self._directory / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self._directory, ignore_errors=True)
            atexit.unregister(self.stop)
            self._directory = None
            self._bin = None
            self._embedded = None
            self._conninfo = {}
            self._version = None

    def dsn(self, dbname: str = "postgres") -> str:
        """A libpq conninfo string for one database of this cluster."""
        return make_conninfo("", **{**self._require_conninfo(), "dbname": dbname})

    @property
    def server_version(self) -> int:
        """The server version as a number, e.g. 150018."""
        if self._version is None:
            with connect(self.dsn(), autocommit=True) as conn:
                row = conn.execute(query("cluster_server_version")).fetchone()
            assert row is not None
            self._version = int(row[0])
        return self._version

    def create_database(self, name: str) -> str:
        """Create an empty database (from template0) and return its dsn."""
        with connect(self.dsn(), autocommit=True) as conn:
            create_database(conn, name)
        return self.dsn(name)

    def drop_database(self, name: str) -> None:
        """Drop a database if it exists, disconnecting its sessions."""
        with connect(self.dsn(), autocommit=True) as conn:
            drop_database(conn, name)

    def _require_conninfo(self) -> dict[str, Any]:
        if not self._conninfo:
            raise DatabaseError("the throwaway cluster is not running")
        return self._conninfo

    def _start_native(self, bin_dir: Path) -> None:
        directory = self.directory
        self._bin = bin_dir
        if os.geteuid() == 0:
            try:
                self._account = pwd.getpwnam(UNPRIVILEGED_USER)
            except KeyError:
                raise DatabaseError(
                    f"running as root, but there is no user `{UNPRIVILEGED_USER}` to run PostgreSQL as"
                ) from None
            os.chown(directory, self._account.pw_uid, self._account.pw_gid)
        data = directory / "data"
        self._run(
            "initdb", "-D", str(data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C",
            "--no-sync",
        )  # fmt: skip
        port = _pick_port()
        settings = {
            "listen_addresses": "''",
            "unix_socket_directories": _quote_setting(str(directory)),
            "port": str(port),
            **SERVER_SETTINGS,
            **{key: value.replace("{directory}", str(directory)) for key, value in self._settings.items()},
        }
        with (data / "postgresql.conf").open("a") as conf:
            conf.write("\n# schemagen throwaway cluster\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        self._run(
            "pg_ctl", "-D", str(data), "-l", str(self.log_path), "-w", "-t", str(START_TIMEOUT_SECONDS),
            "start",
        )  # fmt: skip
        self._conninfo = {"host": str(directory), "port": port, "user": SUPERUSER}

    def _start_embedded(self) -> None:
        pgserver = importlib.import_module("pgserver")  # the optional `schemagen[embedded]` extra
        try:
            self._embedded = pgserver.get_server(self.directory / "data", cleanup_mode="stop")
        except Exception as exc:
            raise DatabaseError(f"the embedded PostgreSQL server did not start: {first_line(exc)}") from exc
        self._conninfo = conninfo_to_dict(self._embedded.get_uri())

    def _run(self, program: str, *args: str) -> None:
        assert self._bin is not None
        account = self._account
        try:
            done = subprocess.run(
                [str(self._bin / program), *args],
                cwd=self.directory,  # the server's account may not be allowed into our cwd
                env={**os.environ, "LC_ALL": "C"},
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                user=account.pw_uid if account else None,
                group=account.pw_gid if account else None,
                extra_groups=[] if account else None,
                timeout=START_TIMEOUT_SECONDS + 30,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise DatabaseError(f"{program} could not run: {first_line(exc)}") from exc
        if done.returncode != 0:
            output = (done.stderr.strip() or done.stdout.strip()).splitlines()
            detail = "\n".join(output[-LOG_TAIL_LINES:])
            log = _tail(self.log_path)
            if log:
                detail += f"\nserver log:\n{log}"
            reason = _server_complaint(log) or (output[-1] if output else f"exit status {done.returncode}")
            raise DatabaseError(f"{program} failed: {reason}", detail=detail)
