"""The invoice lists: a page and its count, each filter an index range read in list order."""

from __future__ import annotations

import heapq
import itertools
from typing import Any, LiteralString

from faktura.ports import OVERDUE, InvoiceQuery, ListResult
from faktura.status import DocumentKind
from faktura.storage.codec import load
from faktura.storage.postgres.lists import _count, _like_fragment
from faktura.storage.postgres.statements import Statements
from faktura.storage.query import OVERDUE_STATUSES
from faktura.summary import InvoiceSummary


def invoice_arms(
    company_id: str, query: InvoiceQuery
) -> list[tuple[LiteralString, list[Any]]] | None:
    """The WHERE clauses (and parameters) of ``query`` over the invoices table, one per
    kind and status it lists: each an index range in list order (``_Invoices.list``
    reads them one by one and merges them; PostgreSQL would sort a UNION ALL of them);
    together the SQL form of ``query.matches``. None when nothing can match."""
    kinds = [query.kind] if query.kind is not None else list(DocumentKind)
    statuses: list[str | None] = [None]
    due: tuple[LiteralString, Any] | None = None
    if query.status == OVERDUE:
        if query.today is None:
            return None
        # Invoice.is_overdue: owed (a payable status, and the owed column the store
        # writes with every document) and due before today
        statuses = [s.value for s in OVERDUE_STATUSES]
        due = (" AND owed AND due_date < %s", query.today)
    elif query.status is not None:
        statuses = [str(query.status)]
    search: tuple[LiteralString, Any] | None = None
    if query.search:
        pattern = _like_fragment(query.search.lower())
        if pattern is None:
            return None
        search = (" AND search LIKE %s", pattern)
    arms: list[tuple[LiteralString, list[Any]]] = []
    for kind in kinds:
        for status in statuses:
            where: LiteralString = "company_id = %s AND kind = %s"
            params: list[Any] = [company_id, kind.value]
            if status is not None:
                where += " AND status = %s"
                params.append(status)
            if query.customer_id is not None:
                where += " AND customer_id = %s"
                params.append(query.customer_id)
            for condition in (due, search):
                if condition is not None:
                    where += condition[0]
                    params.append(condition[1])
            arms.append((where, params))
    return arms


def _union(
    template: LiteralString, arms: list[tuple[LiteralString, list[Any]]]
) -> tuple[LiteralString, list[Any]]:
    sql: LiteralString = ""
    params: list[Any] = []
    for where, arm_params in arms:
        sql += (" UNION ALL " if sql else "") + template + where
        params += arm_params
    return sql, params


def _kept_count(company_id: str, query: InvoiceQuery) -> tuple[LiteralString, list[Any]]:
    """The statement (and parameters) of an exact total kept by the trigger (version 4)."""
    kinds = [query.kind.value] if query.kind is not None else [k.value for k in DocumentKind]
    sql: LiteralString = "SELECT coalesce(sum(n), 0) FROM invoice_counts"
    where: LiteralString = " WHERE company_id = %s AND kind = ANY(%s)"
    params: list[Any] = [company_id, kinds]
    if query.customer_id is not None:
        sql = "SELECT coalesce(sum(n), 0) FROM invoice_customer_counts"
        where += " AND customer_id = %s"
        params.append(query.customer_id)
    if query.status is not None:
        where += " AND status = %s"
        params.append(str(query.status))
    return sql + where, params


def list_invoices(
    uow: Statements, company_id: str, query: InvoiceQuery
) -> ListResult[InvoiceSummary]:
    """``_Invoices.list``: the page of ``query`` and its count, read in ``uow``."""
    arms = invoice_arms(company_id, query)
    if arms is None:
        return ListResult((), 0)
    if query.counted:
        # a search or "overdue": counted, up to the bound (ports.ListResult)
        sql, params = _union("SELECT 1 FROM invoices WHERE ", arms)
        cursor = uow.run(
            "SELECT count(*) FROM (" + sql + " LIMIT %s) AS matches",
            [*params, query.count_limit],
            action="count invoices",
        )
    else:
        cursor = uow.run(*_kept_count(company_id, query), action="count invoices")
    count = _count(cursor)
    if count <= query.offset:
        return ListResult.bounded((), count, query)
    # Each arm is read in list order through its index; several arms (overdue, all
    # kinds) are merged here: PostgreSQL sorts a UNION ALL of them instead of merging.
    single = len(arms) == 1
    reads = []
    for where, params in arms:
        reads.append(
            uow.run(
                "SELECT id, summary, issue_date FROM invoices WHERE "
                + where
                + " ORDER BY issue_date DESC, id DESC LIMIT %s OFFSET %s",
                [
                    *params,
                    query.limit if single else query.offset + query.limit,
                    query.offset if single else 0,
                ],
                action="list invoices",
            ).fetchall()
        )
    merged = heapq.merge(*reads, key=lambda row: (row[2], row[0]), reverse=True)
    rows = list(itertools.islice(merged, 0 if single else query.offset, None))
    rows = rows[: query.limit]
    # one row that cannot be read fails the page, naming it
    summaries = tuple(load(doc, InvoiceSummary, key) for key, doc, _ in rows)
    return ListResult.bounded(summaries, count, query)
