"""A throwaway PostgreSQL cluster for tests: initdb in a temporary directory, a free port on
127.0.0.1, everything removed on exit.

Hosts reuse it to run faktura's store contract suite against a real server::

    with PostgresCluster() as cluster:
        url = cluster.create_database("billing_test")
        ...  # postgresql://postgres@127.0.0.1:<port>/billing_test

It needs PostgreSQL's server binaries (``initdb``, ``pg_ctl``, ``postgres``): on PATH, or
where Debian and Ubuntu's ``postgresql`` package puts them, /usr/lib/postgresql/<N>/bin.
initdb and postgres refuse to run as root, so as root the cluster runs as the ``postgres``
system user (which that package creates). ``create_database`` needs psycopg
(``pip install 'faktura[postgres]'``); starting and stopping do not.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from faktura.errors import ConfigurationError, StorageError, ValidationError

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresCluster", "find_pg_bin"]

SERVER_BINARIES = ("initdb", "pg_ctl", "postgres")
DEBIAN_ROOT = Path("/usr/lib/postgresql")
HOST = "127.0.0.1"
SUPERUSER = "postgres"
# The unprivileged system user the server runs as when we are root.
SYSTEM_USER = "postgres"
INSTALL_HINT = (
    "install PostgreSQL's server binaries (Debian/Ubuntu: `apt-get install postgresql`, "
    "macOS: `brew install postgresql`) or put their directory on PATH"
)
_DATABASE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
# A Unix socket path is limited to 107 bytes; leave room for "/.s.PGSQL.65535".
_MAX_SOCKET_DIR = 90


def find_pg_bin() -> Path | None:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``, or None if there is none.

    PATH comes first (a symlink such as /usr/local/bin/initdb is followed to its real
    directory), then /usr/lib/postgresql/<N>/bin, newest version first.
    """
    for candidate in _bin_candidates():
        if all(_is_executable(candidate / name) for name in SERVER_BINARIES):
            return candidate
    return None


def _bin_candidates() -> Iterator[Path]:
    on_path = shutil.which("initdb")
    if on_path is not None:
        yield Path(on_path).resolve().parent
        yield Path(on_path).parent
    try:
        versions = [p for p in DEBIAN_ROOT.iterdir() if _version(p.name) is not None]
    except OSError:
        return
    for version in sorted(versions, key=lambda p: _version(p.name) or (), reverse=True):
        yield version / "bin"


def _version(name: str) -> tuple[int, ...] | None:
    """(9, 6) for "9.6", (15,) for "15"; None for anything that is not a version."""
    if not re.fullmatch(r"\d+(\.\d+)*", name):
        return None
    return tuple(int(part) for part in name.split("."))


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


class PostgresCluster:
    """A private PostgreSQL server for tests; use it as a context manager.

    ``fsync`` stays on by default so commits behave as in production; ``fsync=False`` (also
    turning off full-page writes and synchronous commit) is for runs that only want speed.
    Raises ``ConfigurationError`` when the binaries are missing or, as root, there is no
    ``postgres`` user to run them as; ``StorageError`` when initdb or the server fail.
    """

    def __init__(
        self,
        *,
        bin_dir: Path | None = None,
        fsync: bool = True,
        max_connections: int = 100,
        startup_timeout: float = 60.0,
    ) -> None:
        self.fsync = fsync
        self.max_connections = max_connections
        self.startup_timeout = startup_timeout
        self._bin_dir = bin_dir
        self._directory: Path | None = None
        self._port: int | None = None
        self._owner: _User | None = None
        self._running = False

    # -- what a test needs ------------------------------------------------------------

    @property
    def bin_dir(self) -> Path:
        """The directory of the binaries in use (found by ``find_pg_bin`` unless given)."""
        if self._bin_dir is None:
            found = find_pg_bin()
            if found is None:
                raise ConfigurationError(
                    "PostgreSQL's server binaries (initdb, pg_ctl, postgres) were found "
                    f"neither on PATH nor under {DEBIAN_ROOT}/*/bin; {INSTALL_HINT}"
                )
            self._bin_dir = found
        return self._bin_dir

    @property
    def directory(self) -> Path:
        """The temporary directory holding the data directory, the log and the socket."""
        if self._directory is None:
            raise ConfigurationError("the PostgreSQL cluster has not been started")
        return self._directory

    @property
    def data_dir(self) -> Path:
        """The cluster's data directory (PGDATA), inside ``directory``."""
        return self.directory / "data"

    @property
    def log_file(self) -> Path:
        return self.directory / "postgres.log"

    @property
    def host(self) -> str:
        return HOST

    @property
    def port(self) -> int:
        if self._port is None or not self._running:
            raise ConfigurationError("the PostgreSQL cluster is not running")
        return self._port

    @property
    def user(self) -> str:
        """The superuser's name (trust authentication: no password)."""
        return SUPERUSER

    @property
    def url(self) -> str:
        """The URL of the ``postgres`` maintenance database."""
        return self.database_url("postgres")

    def database_url(self, name: str) -> str:
        """The URL of database ``name`` of this cluster (which need not exist yet)."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{name}"

    def create_database(self, name: str) -> str:
        """Create database ``name`` and return its URL.

        Raises ``ValidationError`` for a name that is not a plain identifier,
        ``ConfigurationError`` without psycopg, ``StorageError`` if the server refuses.
        """
        identifier = _checked(name)
        _require_psycopg()
        from psycopg import sql

        with self._connect() as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(identifier)))
        return self.database_url(name)

    def drop_database(self, name: str) -> None:
        """Drop database ``name`` if it exists, disconnecting whoever is still connected.

        Raises like ``create_database``.
        """
        identifier = _checked(name)
        _require_psycopg()
        from psycopg import sql

        with self._connect() as connection:
            # WITH (FORCE) exists since PostgreSQL 13
            force = sql.SQL(" WITH (FORCE)" if connection.info.server_version >= 130000 else "")
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {}{}").format(sql.Identifier(identifier), force)
            )

    # -- life cycle -------------------------------------------------------------------

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """initdb, then start the server and wait until it accepts connections."""
        if self._directory is not None:
            raise ConfigurationError("the PostgreSQL cluster has already been started")
        bin_dir = self.bin_dir
        missing = [name for name in SERVER_BINARIES if not _is_executable(bin_dir / name)]
        if missing:
            raise ConfigurationError(f"{', '.join(missing)} not found in {bin_dir}; {INSTALL_HINT}")
        self._owner = _server_user()
        self._directory = _make_directory(self._owner)
        try:
            self._initdb()
            self._start_server()
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the server at once (``pg_ctl stop -m immediate``) and remove its directory."""
        directory = self._directory
        if directory is None:
            return
        try:
            if (self.data_dir / "postmaster.pid").exists():
                stopped = self._pg_ctl("stop", "-m", "immediate", "-w", "-t", "30")
                if stopped.returncode != 0:
                    self._kill_postmaster()
        finally:
            self._running = False
            self._directory = None
            shutil.rmtree(directory)

    # -- the steps ------------------------------------------------------------------

    def _initdb(self) -> None:
        command: list[str | Path] = [self.bin_dir / "initdb", "-D", self.data_dir]
        command += ["--username", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C"]
        if not self.fsync:
            command.append("--no-sync")
        self._run(command, what="initdb")
        settings = {
            "listen_addresses": _quoted(HOST),
            "unix_socket_directories": _quoted(str(self.directory)),
            "max_connections": str(self.max_connections),
            # small and quick to allocate on a 2-core CI machine
            "shared_buffers": "'32MB'",
            "fsync": "on" if self.fsync else "off",
        }
        if not self.fsync:
            settings.update(full_page_writes="off", synchronous_commit="off")
        # appended: later lines win over initdb's defaults; the file keeps its owner
        with (self.data_dir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# faktura.testing.postgres\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def _start_server(self) -> None:
        # The free port may be taken between our probe and postgres' bind: try again.
        for attempt in range(3):
            self._port = _free_port()
            logged = self.log_file.stat().st_size if self.log_file.exists() else 0
            timeout = str(max(1, round(self.startup_timeout)))
            started = self._pg_ctl(
                "start", "-l", self.log_file, "-w", "-t", timeout, "-o", f"-p {self._port}"
            )
            if started.returncode == 0:
                self._running = True
                return
            log = self._log_since(logged)
            if (self.data_dir / "postmaster.pid").exists():
                self._pg_ctl("stop", "-m", "immediate")
            if "could not bind" not in log or attempt == 2:
                raise StorageError(
                    f"PostgreSQL did not start (pg_ctl exit {started.returncode}):\n"
                    f"{started.stdout}{started.stderr}{log}"
                )

    def _wait_until_ready(self) -> None:
        """pg_ctl -w waits for the postmaster; also see that TCP connections get through."""
        deadline = time.monotonic() + self.startup_timeout
        while not self._accepts_connections():
            if time.monotonic() > deadline:
                raise StorageError(
                    f"PostgreSQL on {HOST}:{self.port} did not accept connections within "
                    f"{self.startup_timeout:g}s:\n{self._log_since(0)}"
                )
            time.sleep(0.05)

    def _accepts_connections(self) -> bool:
        pg_isready = self.bin_dir / "pg_isready"
        if not _is_executable(pg_isready):
            return _accepts_tcp(self.port)
        where = ["-h", HOST, "-p", str(self.port), "-U", SUPERUSER]
        probe = subprocess.run(
            [pg_isready, "-q", "-t", "2", *where],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env=_child_env(),
            check=False,
        )
        return probe.returncode == 0

    @contextlib.contextmanager
    def _connect(self) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
        """An autocommit connection to the maintenance database; driver errors translated."""
        import psycopg

        try:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as connection:
                yield connection
        except psycopg.Error as exc:
            raise StorageError(f"PostgreSQL on {HOST}:{self.port}: {exc}") from exc

    def _kill_postmaster(self) -> None:
        """pg_ctl could not stop it: kill the postmaster named in postmaster.pid, if that
        process is still ours (its command line names our data directory; Linux only)."""
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
            command_line = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if os.fsencode(self.data_dir) in command_line:
                os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError, IndexError):
            pass  # gone already, never written, or not ours to judge

    def _log_since(self, offset: int) -> str:
        try:
            with self.log_file.open("rb") as log:
                log.seek(offset)
                return log.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def _pg_ctl(self, action: str, *options: str | Path) -> subprocess.CompletedProcess[str]:
        command = [self.bin_dir / "pg_ctl", "-D", self.data_dir, *options, action]
        return self._run(command, check=False)

    def _run(
        self,
        command: Sequence[str | Path],
        *,
        what: str = "",
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        argv = [str(part) for part in command]
        done = subprocess.run(
            _as_user(self._owner, argv),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            # the server user may not be allowed into the caller's working directory
            cwd=self.directory,
            env=_child_env(),
            check=False,
        )
        if check and done.returncode != 0:
            raise StorageError(
                f"{what or argv[0]} failed (exit {done.returncode}): {shlex.join(argv)}\n"
                f"{done.stdout}{done.stderr}"
            )
        return done


class _User:
    """The unprivileged system user the server runs as while we are root."""

    def __init__(self, name: str, uid: int, gid: int) -> None:
        self.name = name
        self.uid = uid
        self.gid = gid


def _server_user() -> _User | None:
    """None when we may run initdb and postgres ourselves (we are not root)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    import pwd  # POSIX only

    try:
        entry = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        raise ConfigurationError(
            "running as root: initdb and postgres refuse to run as root and there is no "
            f"{SYSTEM_USER!r} system user to run them as; create one "
            f"(`useradd --system {SYSTEM_USER}`; Debian's postgresql package does) "
            "or run the tests as an ordinary user"
        ) from None
    return _User(SYSTEM_USER, entry.pw_uid, entry.pw_gid)


def _as_user(owner: _User | None, argv: list[str]) -> list[str]:
    if owner is None:
        return argv
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin", "/usr/bin"])
    runuser = shutil.which("runuser", path=search)
    if runuser is not None:
        return [runuser, "-u", owner.name, "--", *argv]
    su = shutil.which("su", path=search)
    if su is not None:
        return [su, owner.name, "-s", "/bin/sh", "-c", shlex.join(argv)]
    raise ConfigurationError(
        f"running as root: neither runuser nor su found to run PostgreSQL as {owner.name!r}"
    )


def _make_directory(owner: _User | None) -> Path:
    """A fresh 0700 directory; as root, owned by the server user in a place it can reach."""
    base = Path(tempfile.gettempdir())
    if len(str(base)) > _MAX_SOCKET_DIR - 20 or (owner is not None and not _traversable(base)):
        base = Path("/tmp")  # world-traversable, and short enough for a socket path
    directory = Path(tempfile.mkdtemp(prefix="faktura-pg-", dir=base))
    if owner is not None:
        os.chown(directory, owner.uid, owner.gid)
    return directory


def _traversable(path: Path) -> bool:
    """Whether every directory down to ``path`` lets others through (o+x)."""
    resolved = path.resolve()
    return all(p.stat().st_mode & 0o001 for p in [resolved, *resolved.parents])


def _child_env() -> dict[str, str]:
    # PG* variables of the caller (PGDATA, PGPORT, PGHOST ...) must not steer our cluster.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(LC_ALL="C", LANG="C")
    return env


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _accepts_tcp(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


def _quoted(value: str) -> str:
    """A postgresql.conf string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def _require_psycopg() -> None:
    if importlib.util.find_spec("psycopg") is None:
        raise ConfigurationError(
            "creating databases needs psycopg: pip install 'faktura[postgres]'"
        )


def _checked(name: str) -> str:
    if not _DATABASE_NAME.fullmatch(name):
        raise ValidationError(
            "a database name here is a plain identifier of at most 63 characters "
            "(letters, digits, underscores; not starting with a digit)",
            field="name",
        )
    return name
