"""The list key: a document's rowid in the search index, in list order; giving every one its own."""

from __future__ import annotations

import sqlite3
from datetime import date

from faktura.errors import ConfigurationError

# -- Version 8: the search index in list order ---------------------------------------------
#
# A document's ``list_key`` is the rowid the search index (``invoices_fts``) knows it by,
# made so that the index's own rowid order is list order: company, kind, then issue date
# newest first, then a slot within the day (newest document first):
#
#     code (20 bits) | kind (2) | day, newest first (22) | slot (19)
#
# ``code`` is the company's number in ``company_codes``; the day is 2**22 minus the
# date's ordinal (any date Python has); the slot counts down from 2**19 - 1 as documents
# of that company, kind and day are written. One company's matches of one kind are then a
# rowid range of the index, read in list order and stopped after the page and the count
# bound, however many documents the store and its other companies hold.
LIST_KEY_SLOT_BITS = 19
LIST_KEY_DAY_BITS = 22
LIST_KEY_KIND_BITS = 2
LIST_KEY_CODE_BITS = 20
_DAY_SHIFT = LIST_KEY_SLOT_BITS
_KIND_SHIFT = _DAY_SHIFT + LIST_KEY_DAY_BITS
_CODE_SHIFT = _KIND_SHIFT + LIST_KEY_KIND_BITS
_TOP_SLOT = (1 << LIST_KEY_SLOT_BITS) - 1
_DAYS = 1 << LIST_KEY_DAY_BITS
#: The kinds' numbers in list keys; never renumbered (a new kind takes the next one).
LIST_KEY_KINDS = {"invoice": 0, "credit_note": 1}
#: The largest company code (``company_codes``).
MAX_COMPANY_CODE = (1 << LIST_KEY_CODE_BITS) - 1


def list_key_band(code: int, kind: str | None) -> tuple[int, int]:
    """The first and last list key of a company's documents of one kind (of every kind:
    None)."""
    if kind is None:
        return code << _CODE_SHIFT, (code + 1 << _CODE_SHIFT) - 1
    low = code << _CODE_SHIFT | LIST_KEY_KINDS[kind] << _KIND_SHIFT
    return low, low | (1 << _KIND_SHIFT) - 1


def list_key_day(code: int, kind: str, day: date) -> tuple[int, int]:
    """The first and last list key of a company's documents of one kind and issue date."""
    low = list_key_band(code, kind)[0] | (_DAYS - day.toordinal()) << _DAY_SHIFT
    return low, low | _TOP_SLOT


def list_key_day_of(key: int) -> int:
    """The day part of a list key: smaller is newer (the same for every company)."""
    return key >> _DAY_SHIFT & _DAYS - 1


def list_key_day_end(key: int) -> int:
    """The last list key of the company, kind and day of ``key``."""
    return key | _TOP_SLOT


def list_key(lowest: int | None, day: tuple[int, int]) -> int | None:
    """The key of a document added to ``day`` (``list_key_day``) whose lowest key so far
    is ``lowest``: the slot below it, the top slot of an empty day; None when the day's
    slots are all taken."""
    if lowest is None:
        return day[1]
    if lowest <= day[0]:
        return None
    return lowest - 1


def _key_expression() -> str:
    """The list key of each invoices row ``i`` (with company code ``c.code``) in SQL, slots
    given by id (the largest id of a day first, as list order has it)."""
    kinds = " ".join(f"WHEN '{kind}' THEN {n}" for kind, n in LIST_KEY_KINDS.items())
    # SQLite gives << and | the same precedence: every term is parenthesized.
    return (
        f"(c.code << {_CODE_SHIFT}) | ((CASE i.kind {kinds} END) << {_KIND_SHIFT})"
        # julianday('0001-01-01') is 1721425.5, the date whose ordinal is 1
        f" | (({_DAYS} - CAST(julianday(i.issue_date) - 1721424.5 AS INTEGER)) << {_DAY_SHIFT})"
        f" | ({_TOP_SLOT + 1} - row_number() OVER ("
        "PARTITION BY i.company_id, i.kind, i.issue_date ORDER BY i.id))"
    )


def index_search(conn: sqlite3.Connection) -> None:
    """Give every company its code and every document its list key, then rebuild the
    search index from them: after the migration that adds them, or after documents were
    loaded with the triggers dropped (a bulk load)."""
    conn.execute(
        "INSERT INTO company_codes (company_id, code) "
        "SELECT id, (SELECT coalesce(max(code), 0) FROM company_codes) "
        "+ row_number() OVER (ORDER BY id) FROM companies "
        "WHERE id NOT IN (SELECT company_id FROM company_codes)"
    )
    (code,) = conn.execute("SELECT coalesce(max(code), 0) FROM company_codes").fetchone()
    (per_day,) = conn.execute(
        "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM invoices "
        "GROUP BY company_id, kind, issue_date)"
    ).fetchone()
    if code > MAX_COMPANY_CODE or per_day > _TOP_SLOT + 1:
        raise ConfigurationError(
            f"the search index holds up to {MAX_COMPANY_CODE} companies and "
            f"{_TOP_SLOT + 1} documents of one kind per company and day"
        )
    conn.execute("UPDATE invoices SET list_key = NULL WHERE list_key IS NOT NULL")
    conn.execute(
        f"""UPDATE invoices SET list_key = keyed.key FROM (
            SELECT i.row_id, {_key_expression()} AS key
            FROM invoices AS i JOIN company_codes AS c ON c.company_id = i.company_id
        ) AS keyed WHERE invoices.row_id = keyed.row_id"""
    )
    conn.execute("INSERT INTO invoices_fts (invoices_fts) VALUES ('rebuild')")
