"""What the list statements share: a LIKE search for a fragment, a count read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from faktura.storage.query import escape_like

if TYPE_CHECKING:
    import psycopg

    Cursor = psycopg.Cursor[tuple[Any, ...]]


def _like_fragment(text: str) -> str | None:
    """A LIKE pattern finding ``text`` (already lower-cased) literally anywhere; None when
    no stored text can hold it (PostgreSQL text holds neither NUL nor lone surrogates)."""
    if "\x00" in text:
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return f"%{escape_like(text)}%"


def _count(cursor: Cursor) -> int:
    row = cursor.fetchone()
    return int(row[0]) if row is not None else 0
