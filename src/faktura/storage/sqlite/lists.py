"""What the list statements share: a LIKE search for a fragment, a page's LIMIT and OFFSET."""

from __future__ import annotations

from faktura.storage.query import escape_like


def _contains(column: str) -> str:
    return f"{column} LIKE ? ESCAPE '\\'"


def _fragment(needle: str) -> str:
    return f"%{escape_like(needle)}%"


def _page(page: int, limit: int) -> tuple[int, int]:
    return limit, (page - 1) * limit
