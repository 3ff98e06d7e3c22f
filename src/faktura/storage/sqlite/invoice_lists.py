"""The invoice lists: a page and its count, read through indexes, search index or positions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from faktura.ports import OVERDUE, InvoiceQuery, ListResult
from faktura.status import DocumentKind
from faktura.storage import codec
from faktura.storage.query import OVERDUE_STATUSES
from faktura.storage.sqlite.list_keys import list_key_band, list_key_day_end, list_key_day_of
from faktura.storage.sqlite.lists import _contains, _fragment, _page
from faktura.storage.sqlite.statements import Statements
from faktura.summary import InvoiceSummary

# Trigrams: shorter search text cannot use the search index.
_MIN_INDEXED_SEARCH = 3

Row = tuple[Any, ...]


def _fts_phrase(text: str) -> str:
    """``text`` as one FTS5 string: nothing in it is query syntax."""
    return '"' + text.replace('"', '""') + '"'


def _storable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


# A list is one or more "arms", each an index range read in list order: every filter
# combination has an index ending in that order (migrations, version 2), and a filter
# on several statuses ("overdue") or on all kinds is one arm per status and kind, which
# SQLite merges in order (MERGE (UNION ALL)) instead of sorting. The inner query steps
# over the offset in the indexes alone (row_id is in every index); only the page's rows
# are then read from the table, and put in order by Python (a page, not a sort in SQL).
_ARM = "SELECT row_id, issue_date, id FROM invoices WHERE {where}"
_ORDERED = " ORDER BY issue_date DESC, id DESC LIMIT ? OFFSET ?"
_PAGE_OF_INVOICES = (
    "SELECT id, summary, issue_date FROM invoices WHERE row_id IN (SELECT row_id FROM ({arms}))"
)
# The bounded count of a search or "overdue": at most ``InvoiceQuery.count_limit`` rows.
_COUNT_MATCHES = "SELECT count(*) FROM ({arms} LIMIT ?)"
_COUNT_ARM = "SELECT 1 FROM invoices WHERE {where}"
# A search with a status or customer filter: the matches of the company's range of the
# search index (list_keys.list_key_band), each row then filtered and the rest sorted.
_IN_MATCHES = (
    "list_key IN (SELECT rowid FROM invoices_fts WHERE invoices_fts MATCH ? "
    "AND rowid BETWEEN ? AND ?)"
)
# A search without those filters reads the search index alone, in its rowid order, which
# is list order by day (list_keys.list_key_band): the first matches of the company and
# kind, then (LIMIT ?) a bounded count of them; then the page's rows by list key.
_MATCH_KEYS = (
    "SELECT rowid FROM invoices_fts WHERE invoices_fts MATCH ? AND rowid BETWEEN ? AND ? "
    "ORDER BY rowid LIMIT ?"
)
_COUNT_KEYS = (
    "SELECT count(*) FROM (SELECT 1 FROM invoices_fts WHERE invoices_fts MATCH ? "
    "AND rowid BETWEEN ? AND ? LIMIT ?)"
)
_BY_KEYS = "SELECT list_key, id, summary FROM invoices WHERE list_key IN ({keys})"
# Keys bound to one statement at most (SQLite's limit is 32,766 in every supported version).
_KEYS_PER_STATEMENT = 500
# The exact totals of every other list: a sum over one row per status (version 6).
_KEPT_COUNT = "SELECT coalesce(sum(n), 0) FROM {table} WHERE company_id = ? AND kind IN ({kinds})"
# An unfiltered list of one kind: positions (migrations, version 3) give any page
# through the index, however deep.
_LAST_POSITION = "SELECT max(list_pos) FROM invoices WHERE company_id = ? AND kind = ?"
_PAGE_BY_POSITION = (
    "SELECT id, summary FROM invoices WHERE company_id = ? AND kind = ? "
    "AND list_pos BETWEEN ? AND ? ORDER BY list_pos DESC"
)

_Arm = tuple[str, list[object]]


def _invoice_arms(company_id: str, query: InvoiceQuery, code: int | None) -> list[_Arm] | None:
    """The WHERE clauses (and parameters) of ``query``, one per index range read (see
    ``_ARM``): together they are ``faktura.storage.query.matches``. None when nothing
    can match. ``code`` is the company's (``company_codes``), for a search."""
    kinds: list[str | None] = [query.kind.value] if query.kind is not None else [None]
    if query.kind is None and (query.status is not None or query.customer_id is not None):
        kinds = [kind.value for kind in DocumentKind]  # no index leaves the kind out
    statuses: list[str | None] = [None]
    due: list[str] = []
    if query.status == OVERDUE:
        if query.today is None:
            return None
        # Invoice.is_overdue: due before today and owed (a payable status, and the owed
        # column the store writes with every document). The unary + keeps SQLite on the
        # status index in list order (an index with the due date would find the rows,
        # then sort them all); the due date, early in the row, is compared first.
        statuses = [status.value for status in OVERDUE_STATUSES]
        due = ["+due_date < ? AND owed = 1", query.today.isoformat()]
    elif query.status is not None:
        statuses = [str(query.status)]
    needle = query.search.lower() if query.search else None
    if needle is not None and not _storable(needle):
        return None  # no stored text can hold it
    indexed = needle is not None and len(needle) >= _MIN_INDEXED_SEARCH
    if indexed and code is None:
        return None  # a company without a code has no documents
    arms: list[_Arm] = []
    for kind in kinds:
        search: list[object] = []
        if needle is not None and code is not None and indexed:
            # the matches of the company's (and kind's) range of the search index only
            search = [_IN_MATCHES, _fts_phrase(needle), *list_key_band(code, kind)]
        elif needle is not None:  # only for callers of the store itself: Billing refuses it
            search = [_contains("search"), _fragment(needle)]
        for status in statuses:
            where: list[str] = ["company_id = ?"]
            params: list[object] = [company_id]
            for column, value in (
                ("kind", kind),
                ("status", status),
                ("customer_id", query.customer_id),
            ):
                if value is not None:
                    where.append(f"{column} = ?")
                    params.append(value)
            for condition in (due, search):
                if condition:
                    where.append(str(condition[0]))
                    params.extend(condition[1:])
            arms.append((" AND ".join(where), params))
    return arms


def _kept_count(company_id: str, query: InvoiceQuery) -> tuple[str, list[object]]:
    """The statement (and parameters) of an exact total kept by the store (version 6)."""
    kinds = [query.kind.value] if query.kind is not None else [kind.value for kind in DocumentKind]
    table = "invoice_counts"
    params: list[object] = [company_id, *kinds]
    where = ""
    if query.customer_id is not None:
        table = "invoice_customer_counts"
        where += " AND customer_id = ?"
        params.append(query.customer_id)
    if query.status is not None:
        where += " AND status = ?"
        params.append(str(query.status))
    sql = _KEPT_COUNT.format(table=table, kinds=", ".join("?" * len(kinds))) + where
    return sql, params


def _union(template: str, arms: list[_Arm]) -> tuple[str, list[object]]:
    return (
        " UNION ALL ".join(template.format(where=where) for where, _ in arms),
        [param for _, params in arms for param in params],
    )


def list_invoices(
    uow: Statements,
    company_id: str,
    query: InvoiceQuery,
    company_code: Callable[[str], int | None],
) -> ListResult[InvoiceSummary]:
    """``_Invoices.list``: the page of ``query`` and its count, read in ``uow``;
    ``company_code`` answers the company's code (``company_codes``, None when there is no
    such company), asked only for a search."""
    if query.kind is not None and not (query.status or query.customer_id or query.search):
        return _list_by_position(uow, company_id, query.kind.value, query)
    code = None
    if query.search:
        needle = query.search.lower()
        if len(needle) >= _MIN_INDEXED_SEARCH and _storable(needle):
            code = company_code(company_id)
            if code is not None and query.status is None and query.customer_id is None:
                return _search(uow, code, _fts_phrase(needle), query)
    arms = _invoice_arms(company_id, query, code)
    if arms is None:
        return ListResult((), 0)
    if query.counted:
        sql, params = _union(_COUNT_ARM, arms)
        row = uow._row(_COUNT_MATCHES.format(arms=sql), [*params, query.count_limit])
    else:
        row = uow._row(*_kept_count(company_id, query))
    count = int(row[0]) if row else 0
    if count <= query.offset:
        return ListResult.bounded((), count, query)
    sql, params = _union(_ARM, arms)
    rows = uow._rows(
        _PAGE_OF_INVOICES.format(arms=sql + _ORDERED),
        [*params, *_page(query.page, query.limit)],
    )
    rows.sort(key=lambda row: (row[2], row[0]), reverse=True)
    return ListResult.bounded(_summaries([row[:2] for row in rows]), count, query)


def _search(
    uow: Statements, code: int, match: str, query: InvoiceQuery
) -> ListResult[InvoiceSummary]:
    """A search of one company (``code``) without a status or customer filter, read
    from the search index in list order by day: per kind, the first ``offset + limit
    + 1`` matches (and the rest of the day where the page ends), then, only when
    there are that many, the rest counted up to ``count_limit``. The days the page
    falls on are then read and put in order by id; no other row is read."""
    kinds = [query.kind.value] if query.kind is not None else [k.value for k in DocumentKind]
    end = query.offset + query.limit
    keys: list[int] = []
    count = 0
    for kind in kinds:
        low, high = list_key_band(code, kind)
        found = [int(key) for (key,) in uow._rows(_MATCH_KEYS, (match, low, high, end + 1))]
        keys += found
        if len(found) <= end:
            count += len(found)
            continue
        # counted on from the last key read, up to the bound
        more = (match, found[-1] + 1, high, query.count_limit - len(found))
        (counted,) = uow._row(_COUNT_KEYS, more) or (0,)
        count += len(found) + int(counted)
        if list_key_day_of(found[-1]) == list_key_day_of(found[-2]):
            # the page may end inside that day: all of its matches, to order by id
            rest = (match, found[-1] + 1, list_key_day_end(found[-1]), -1)
            keys += [int(key) for (key,) in uow._rows(_MATCH_KEYS, rest)]
    if count <= query.offset:
        return ListResult.bounded((), count, query)
    days: dict[int, list[int]] = {}
    for key in keys:
        days.setdefault(list_key_day_of(key), []).append(key)
    window: list[int] = []
    before = 0  # matches on days before the window's
    for day in sorted(days):
        if before + len(window) >= end:
            break
        if not window and before + len(days[day]) <= query.offset:
            before += len(days[day])
            continue
        window += days[day]
    rows: list[Row] = []
    for start in range(0, len(window), _KEYS_PER_STATEMENT):
        chunk = window[start : start + _KEYS_PER_STATEMENT]
        rows += uow._rows(_BY_KEYS.format(keys=", ".join("?" * len(chunk))), chunk)
    rows.sort(key=lambda row: row[1], reverse=True)  # id, newest first
    rows.sort(key=lambda row: list_key_day_of(row[0]))  # then by day, newest first
    page = rows[query.offset - before : end - before]
    return ListResult.bounded(_summaries([row[1:] for row in page]), count, query)


def _list_by_position(
    uow: Statements, company_id: str, kind: str, query: InvoiceQuery
) -> ListResult[InvoiceSummary]:
    row = uow._row(_LAST_POSITION, (company_id, kind))
    total = int(row[0]) if row is not None and row[0] is not None else 0
    top = total - query.offset  # positions count from the oldest, pages from the newest
    if top <= 0:
        return ListResult((), total)
    rows = uow._rows(_PAGE_BY_POSITION, (company_id, kind, max(top - query.limit + 1, 1), top))
    return ListResult(_summaries(rows), total)


def _summaries(rows: list[Row]) -> tuple[InvoiceSummary, ...]:
    """The summaries of (id, summary) rows; one that cannot be read fails them all."""
    return codec.load_summaries([doc for _, doc in rows], [key for key, _ in rows])
