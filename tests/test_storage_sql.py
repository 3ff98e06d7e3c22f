"""The parameter style of the shared SQL (faktura.storage.sql): a statement written with
``:name`` parameters, as sqlite3 takes it, becomes psycopg's ``%(name)s`` style; and the
statements the databases' own repositories share are the ones each ran before."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura.storage import sql
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


#: The statements of the databases' own repositories written once in faktura.storage.sql,
#: each beside the text both databases ran before (positional parameters: ``?`` on SQLite,
#: ``%s`` on PostgreSQL): the shared text must be the same statement, only named.
SHARED_STATEMENTS = [
    (sql.COMPANY, "SELECT doc FROM companies WHERE id = ?"),
    (sql.COMPANIES, "SELECT id, doc FROM companies ORDER BY id"),
    (sql.CUSTOMER, "SELECT doc FROM customers WHERE company_id = ? AND id = ?"),
    (sql.INVOICE_VERSION, "SELECT version FROM invoices WHERE company_id = ? AND id = ?"),
    (
        sql.LAST_NUMBER,
        "SELECT last_seq FROM counters WHERE company_id = ? AND series = ? AND period = ?",
    ),
    (
        sql.SET_LAST_NUMBER,
        "INSERT INTO counters (company_id, series, period, last_seq) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (company_id, series, period) DO UPDATE SET last_seq = excluded.last_seq",
    ),
]


@pytest.mark.parametrize(("shared", "positional"), SHARED_STATEMENTS)
def test_a_shared_statement_is_the_one_both_databases_ran(shared: str, positional: str) -> None:
    assert re.sub(r":\w+", "?", shared) == positional
    assert re.sub(r"%\(\w+\)s", "%s", postgres_style(shared)) == positional.replace("?", "%s")


@pytest.mark.parametrize(("shared", "positional"), SHARED_STATEMENTS)
def test_a_shared_statement_names_each_parameter_once(shared: str, positional: str) -> None:
    names = re.findall(r":(\w+)", shared)
    assert len(names) == len(set(names)) == positional.count("?")
    assert re.findall(r"%\((\w+)\)s", postgres_style(shared)) == names
