"""The invoice repository's reads and writes of one document (lists: ``invoice_lists``)."""

from __future__ import annotations

from typing import Any, LiteralString, NoReturn

import attrs

from faktura.errors import ConflictError, NotFoundError
from faktura.invoice import Invoice
from faktura.ports import InvoiceQuery, ListResult
from faktura.storage import sql as shared
from faktura.storage.codec import dumps, dumps_header, dumps_lines, loads_invoice
from faktura.storage.postgres import invoice_lists
from faktura.storage.postgres.statements import Statements, shared_statement
from faktura.storage.query import search_text
from faktura.summary import InvoiceSummary


def _invoice_values(invoice: Invoice) -> tuple[Any, ...]:
    return (
        invoice.kind.value,
        invoice.status.value,
        invoice.customer_id,
        invoice.issue_date,
        invoice.due_date,
        invoice.is_owed,
        invoice.number,
        invoice.description,
        invoice.version,
        search_text(invoice),
        dumps_header(invoice),
        dumps(InvoiceSummary.of(invoice)),
    )


@attrs.frozen
class _Invoices:
    uow: Statements

    def get(self, company_id: str, invoice_id: str, *, for_update: bool = False) -> Invoice:
        # READ COMMITTED: FOR UPDATE waits for a concurrent writer and reads what it wrote
        lock: LiteralString = " FOR UPDATE" if for_update and not self.uow.readonly else ""
        row = self.uow.run(
            "SELECT doc, lines::text FROM invoices WHERE company_id = %s AND id = %s" + lock,
            (company_id, invoice_id),
            action="read an invoice",
        ).fetchone()
        if row is None:
            raise NotFoundError("invoice", invoice_id)
        invoice = loads_invoice(row[0], row[1], invoice_id)
        self.uow._lines[company_id, invoice_id] = invoice.line_source
        return invoice

    def add(self, invoice: Invoice) -> None:
        if self.uow.readonly and self._version(invoice.company_id, invoice.id) is not None:
            raise ConflictError(f"invoice {invoice.id!r} exists")
        self.uow.check_writable()
        # ON CONFLICT keeps the transaction usable: a duplicate is an answer, not a failure
        added = self.uow.run(
            "INSERT INTO invoices (company_id, id, kind, status, customer_id, issue_date,"
            " due_date, owed, number, description, version, search, doc, summary, lines)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb,"
            " %s::jsonb) ON CONFLICT DO NOTHING",
            (invoice.company_id, invoice.id, *_invoice_values(invoice), dumps_lines(invoice)),
            action="add an invoice",
        ).rowcount
        if added:
            self.uow._lines[invoice.company_id, invoice.id] = invoice.line_source
            return
        if self._version(invoice.company_id, invoice.id) is not None:
            raise ConflictError(f"invoice {invoice.id!r} exists")
        raise ConflictError(f"number {invoice.number!r} is taken")

    def update(self, invoice: Invoice, expected_version: int) -> None:
        if self.uow.readonly:
            self._refuse_update(invoice, expected_version)
        key = (invoice.company_id, invoice.id)
        # lines as stored are left out of the row's new version (their TOAST is kept)
        lines_changed = self.uow._lines.get(key) is not invoice.line_source
        lines: LiteralString = ", lines = %s::jsonb" if lines_changed else ""
        updated = self.uow.run(
            "UPDATE invoices SET kind = %s, status = %s, customer_id = %s, issue_date = %s,"
            " due_date = %s, owed = %s, number = %s, description = %s, version = %s,"
            " search = %s,"
            " doc = %s::jsonb, summary = %s::jsonb" + lines + " WHERE company_id = %s"
            " AND id = %s AND version = %s",
            (
                *_invoice_values(invoice),
                *([dumps_lines(invoice)] if lines_changed else []),
                *key,
                expected_version,
            ),
            action=f"update invoice {invoice.id!r}",
        ).rowcount
        if not updated:
            self._refuse_update(invoice, expected_version)
        self.uow._lines[key] = invoice.line_source

    def _refuse_update(self, invoice: Invoice, expected_version: int) -> NoReturn:
        """Why ``invoice`` cannot be written, in the memory store's order of checks."""
        stored = self._version(invoice.company_id, invoice.id)
        if stored is None:
            raise NotFoundError("invoice", invoice.id)
        if stored == expected_version:
            self.uow.check_writable()
        raise ConflictError(
            f"invoice {invoice.id!r} changed meanwhile "
            f"(version {stored}, expected {expected_version})"
        )

    def _version(self, company_id: str, invoice_id: str) -> int | None:
        row = self.uow.run(
            shared_statement(shared.INVOICE_VERSION),
            {"company_id": company_id, "id": invoice_id},
            action="read an invoice",
        ).fetchone()
        return int(row[0]) if row is not None else None

    def list(self, company_id: str, query: InvoiceQuery) -> ListResult[InvoiceSummary]:
        return invoice_lists.list_invoices(self.uow, company_id, query)
