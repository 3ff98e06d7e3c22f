"""The shared statements (``faktura.storage.sql``) as psycopg runs them."""

from __future__ import annotations

from typing import LiteralString

from faktura.storage.sql import postgres_style


def shared_statement(statement: str) -> LiteralString:
    """A statement faktura wrote (in ``faktura.storage.sql``), only turned into psycopg's
    parameter style: no value is ever formatted into it."""
    return postgres_style(statement)
