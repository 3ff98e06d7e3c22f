"""The throwaway PostgreSQL cluster of faktura.testing.postgres and the tests' fixtures."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import psycopg
import pytest

import faktura.testing.postgres as pg
from faktura.errors import ConfigurationError, ValidationError
from faktura.testing.postgres import PostgresCluster, find_pg_bin

pytest_plugins = ["pg_fixture"]


def test_find_pg_bin_finds_the_binaries_the_cluster_runs(pg_cluster: PostgresCluster) -> None:
    found = find_pg_bin()
    assert found == pg_cluster.bin_dir
    for name in ("initdb", "pg_ctl", "postgres"):
        assert os.access(found / name, os.X_OK), name


def test_the_cluster_accepts_connections_as_configured(pg_cluster: PostgresCluster) -> None:
    assert re.fullmatch(r"postgresql://postgres@127\.0\.0\.1:\d+/postgres", pg_cluster.url)
    with psycopg.connect(pg_cluster.url) as connection:
        settings = {
            name: connection.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
            for name in (
                "listen_addresses",
                "fsync",
                "max_connections",
                "server_encoding",
                "lc_collate",
                "unix_socket_directories",
            )
        }
        assert connection.execute("SELECT current_user").fetchone() == ("postgres",)
    assert settings["listen_addresses"] == "127.0.0.1"
    assert settings["fsync"] == "on"
    assert int(settings["max_connections"]) >= 50
    assert settings["server_encoding"] == "UTF8"
    assert settings["lc_collate"] == "C"
    assert settings["unix_socket_directories"] == str(pg_cluster.directory)


def test_databases_are_isolated(pg_cluster: PostgresCluster) -> None:
    first = pg_cluster.create_database("isolated_first")
    second = pg_cluster.create_database("isolated_second")
    try:
        assert first.endswith("/isolated_first")
        with psycopg.connect(first) as connection:
            connection.execute("CREATE TABLE invoice (id int)")
            connection.execute("INSERT INTO invoice VALUES (1)")
        with psycopg.connect(second) as connection:
            assert connection.execute("SELECT to_regclass('invoice')").fetchone() == (None,)
        with psycopg.connect(first) as connection:
            assert connection.execute("SELECT count(*) FROM invoice").fetchone() == (1,)
    finally:
        pg_cluster.drop_database("isolated_first")
        pg_cluster.drop_database("isolated_second")
    with psycopg.connect(pg_cluster.url) as connection:
        names = connection.execute("SELECT datname FROM pg_database").fetchall()
    assert ("isolated_first",) not in names


def test_drop_database_disconnects_whoever_is_still_connected(
    pg_cluster: PostgresCluster,
) -> None:
    url = pg_cluster.create_database("still_in_use")
    with psycopg.connect(url) as connection:
        pg_cluster.drop_database("still_in_use")
        with pytest.raises(psycopg.OperationalError):
            connection.execute("SELECT 1")


def test_pg_url_is_a_fresh_database_of_its_own(pg_url: str, pg_cluster: PostgresCluster) -> None:
    name = pg_url.rsplit("/", 1)[1]
    assert name.startswith("t_test_pg_url_is_a_fresh_database")
    assert pg_url == pg_cluster.database_url(name)
    with psycopg.connect(pg_url) as connection:
        assert connection.execute("SELECT current_database()").fetchone() == (name,)
        tables = connection.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone()
    assert tables == (0,)


def test_stop_removes_the_directory_and_the_server(pg_cluster: PostgresCluster) -> None:
    # a cluster of its own (pg_cluster only says PostgreSQL is usable here), as a host uses it
    with PostgresCluster(bin_dir=pg_cluster.bin_dir, fsync=False, max_connections=60) as cluster:
        directory = cluster.directory
        port = cluster.port
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
        if os.geteuid() == 0:  # the server runs as the unprivileged `postgres` user
            import pwd

            assert directory.stat().st_uid == pwd.getpwnam("postgres").pw_uid
        with psycopg.connect(cluster.url) as connection:
            assert connection.execute("SHOW fsync").fetchone() == ("off",)
            assert connection.execute("SHOW max_connections").fetchone() == ("60",)
    assert not directory.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", connect_timeout=2)
    with pytest.raises(ConfigurationError, match="not running"):
        _ = cluster.url
    cluster.stop()  # a second stop does nothing


def test_missing_binaries_are_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"initdb, pg_ctl, postgres not found.*apt-get"):
        PostgresCluster(bin_dir=tmp_path).start()


def test_find_pg_bin_is_none_without_binaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(pg, "DEBIAN_ROOT", tmp_path / "nowhere")
    assert find_pg_bin() is None
    with pytest.raises(ConfigurationError, match="neither on PATH nor under"):
        PostgresCluster().start()


def _fake_bin(directory: Path, names: tuple[str, ...] = ("initdb", "pg_ctl", "postgres")) -> Path:
    directory.mkdir(parents=True)
    for name in names:
        (directory / name).write_text("#!/bin/sh\n", encoding="utf-8")
        (directory / name).chmod(0o755)
    return directory


def test_find_pg_bin_prefers_path_then_the_newest_debian_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "lib"
    _fake_bin(root / "9.6" / "bin")
    _fake_bin(root / "16" / "bin")
    _fake_bin(root / "10" / "bin")
    _fake_bin(root / "17" / "bin", names=("initdb", "pg_ctl"))  # incomplete: client only
    (root / "common").mkdir()
    monkeypatch.setattr(pg, "DEBIAN_ROOT", root)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert find_pg_bin() == root / "16" / "bin"

    # a symlink on PATH (like /usr/local/bin/initdb) leads to the real directory
    on_path = tmp_path / "local"
    on_path.mkdir()
    real = _fake_bin(tmp_path / "opt" / "pg" / "bin")
    for name in ("initdb", "pg_ctl", "postgres"):
        (on_path / name).symlink_to(real / name)
    monkeypatch.setenv("PATH", str(on_path))
    assert find_pg_bin() == real.resolve()


@pytest.mark.parametrize("name", ["", "1st", "semi;colon", "Ä", "x" * 64, "with space"])
def test_database_names_are_plain_identifiers(name: str) -> None:
    with pytest.raises(ValidationError, match="plain identifier"):
        PostgresCluster().create_database(name)
