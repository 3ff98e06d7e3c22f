"""The former home of faktura's SQLite schema, kept so that its public names stay
importable here: they live in ``faktura.storage.sqlite.schema`` (versions, opening),
``.migrations`` (the steps) and ``.list_keys`` (the search index's order)."""

from faktura.storage.sqlite.list_keys import (
    LIST_KEY_CODE_BITS,
    LIST_KEY_DAY_BITS,
    LIST_KEY_KIND_BITS,
    LIST_KEY_KINDS,
    LIST_KEY_SLOT_BITS,
    MAX_COMPANY_CODE,
    index_search,
    list_key,
    list_key_band,
    list_key_day,
    list_key_day_end,
    list_key_day_of,
)
from faktura.storage.sqlite.migrations import (
    LATEST,
    MIGRATIONS,
    Migration,
    mark_owed,
    recount_invoices,
    search_key,
)
from faktura.storage.sqlite.schema import APPLICATION_ID, prepare

__all__ = [
    "APPLICATION_ID",
    "LATEST",
    "LIST_KEY_CODE_BITS",
    "LIST_KEY_DAY_BITS",
    "LIST_KEY_KINDS",
    "LIST_KEY_KIND_BITS",
    "LIST_KEY_SLOT_BITS",
    "MAX_COMPANY_CODE",
    "MIGRATIONS",
    "Migration",
    "index_search",
    "list_key",
    "list_key_band",
    "list_key_day",
    "list_key_day_end",
    "list_key_day_of",
    "mark_owed",
    "prepare",
    "recount_invoices",
    "search_key",
]
