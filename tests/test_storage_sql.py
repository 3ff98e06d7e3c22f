"""The parameter style of the shared SQL (faktura.storage.sql): a statement written with
``:name`` parameters, as sqlite3 takes it, becomes psycopg's ``%(name)s`` style."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from faktura.storage.sql import postgres_style

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True)


def test_named_parameters_become_psycopgs() -> None:
    assert postgres_style("SELECT doc FROM t WHERE a = :a AND b_2 = :b_2") == (
        "SELECT doc FROM t WHERE a = %(a)s AND b_2 = %(b_2)s"
    )


def test_casts_and_percent_signs_are_kept() -> None:
    assert postgres_style("SELECT :doc::jsonb, 'a%b' FROM t") == (
        "SELECT %(doc)s::jsonb, 'a%%b' FROM t"
    )


@given(st.lists(names, min_size=1, max_size=5))
def test_every_parameter_is_translated_once(params: list[str]) -> None:
    sql = "SELECT 1 WHERE " + " AND ".join(f"c{i} = :{name}" for i, name in enumerate(params))
    translated = postgres_style(sql)
    assert ":" not in translated
    for i, name in enumerate(params):
        assert f"c{i} = %({name})s" in translated
