"""The invoice repository's reads and writes of one document, keeping its list key and place."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from faktura.errors import ConflictError, FakturaError, NotFoundError, StorageError
from faktura.invoice import Invoice
from faktura.ports import InvoiceQuery, ListResult
from faktura.storage import codec
from faktura.storage import sql as shared
from faktura.storage.query import search_text
from faktura.storage.sqlite import invoice_lists
from faktura.storage.sqlite.errors import _constraint
from faktura.storage.sqlite.list_keys import list_key, list_key_day
from faktura.storage.sqlite.statements import Statements
from faktura.summary import InvoiceSummary

#: The columns of an invoice row, in the order of ``_invoice_columns``.
_COLUMNS = (
    "kind",
    "status",
    "customer_id",
    "issue_date",
    "due_date",
    "owed",
    "number",
    "description",
    "search",
    "version",
    "doc",
    "summary",
)
#: The columns queries filter on (indexed, feeding the search index, or ``owed``).
_INDEXED = _COLUMNS[: _COLUMNS.index("search") + 1]
_ALWAYS_WRITTEN = ("version", "doc", "summary")
_KIND, _ISSUE_DATE = _COLUMNS.index("kind"), _COLUMNS.index("issue_date")


def _invoice_columns(invoice: Invoice) -> tuple[object, ...]:
    """kind, status, customer_id, issue_date, due_date, owed (``Invoice.is_owed``, 1 or
    0), number, description, search, version, doc (the header: its lines are kept in
    ``invoice_lines``), summary"""
    return (
        invoice.kind.value,
        invoice.status.value,
        invoice.customer_id,
        invoice.issue_date.isoformat(),
        invoice.due_date.isoformat(),
        int(invoice.is_owed),
        invoice.number,
        invoice.description,
        search_text(invoice),
        invoice.version,
        codec.dumps_header(invoice),
        codec.dumps(InvoiceSummary.of(invoice)),
    )


_COMPANY_CODE = "SELECT code FROM company_codes WHERE company_id = ?"
# The newest key so far of a company's documents of one kind and day (slots count down).
_LOWEST_KEY = "SELECT min(list_key) FROM invoices WHERE list_key BETWEEN ? AND ?"
# The position just below a document's place in list order (date, then id). A row value
# comparison, so that it is a range of invoices_by_kind: the same condition spelled with
# OR is a walk over all the company's earlier documents.
_POSITION_BELOW = (
    "SELECT list_pos FROM invoices WHERE company_id = ? AND kind = ? AND list_pos IS NOT NULL "
    "AND (issue_date, id) < (?, ?) "
    "ORDER BY issue_date DESC, id DESC LIMIT 1"
)
_SHIFT_POSITIONS = (
    "UPDATE invoices SET list_pos = list_pos + ? WHERE company_id = ? AND kind = ? AND list_pos > ?"
)


@attrs.frozen
class _Invoices:
    uow: Statements

    def get(self, company_id: str, invoice_id: str, *, for_update: bool = False) -> Invoice:
        # one writer at a time (BEGIN IMMEDIATE): a writer's read is always locked
        row = self.uow._row(
            f"SELECT lines, doc, {', '.join(_INDEXED)}, version FROM invoices "
            "JOIN invoice_lines USING (row_id) WHERE company_id = ? AND id = ?",
            (company_id, invoice_id),
        )
        if row is None:
            raise NotFoundError("invoice", invoice_id)
        invoice = codec.loads_invoice(row[1], row[0], invoice_id)
        self.uow._loaded[company_id, invoice_id] = tuple(row[2:])
        self.uow._lines[company_id, invoice_id] = invoice.line_source
        return invoice

    def _taken(self, invoice: Invoice) -> Callable[[str], FakturaError]:
        def unique(message: str) -> FakturaError:
            if "invoices.number" in message:
                return ConflictError(f"number {invoice.number!r} is taken")
            return ConflictError(f"invoice {invoice.id!r} exists")

        return _constraint(invoice.company_id, unique)

    def add(self, invoice: Invoice) -> None:
        row = self.uow._write_row(
            "INSERT INTO invoices (company_id, id, kind, status, customer_id, issue_date, "
            "due_date, owed, number, description, search, version, doc, summary, list_key) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING row_id",
            (invoice.company_id, invoice.id, *_invoice_columns(invoice), self._key(invoice)),
            on_integrity=self._taken(invoice),
        )
        if row is None:  # pragma: no cover - RETURNING always gives the row
            raise StorageError(f"invoice {invoice.id!r} was not stored")
        self.uow._execute(
            "INSERT INTO invoice_lines (row_id, lines) VALUES (?, ?)",
            (row[0], codec.dumps_lines(invoice)),
        )
        self.uow._lines[invoice.company_id, invoice.id] = invoice.line_source
        self._place(invoice)

    def _code(self, company_id: str) -> int | None:
        """The company's code (``company_codes``); None when there is no such company."""
        row = self.uow._row(_COMPANY_CODE, (company_id,))
        return int(row[0]) if row is not None else None

    def _key(self, invoice: Invoice) -> int | None:
        """The list key (``list_keys.list_key``) of a document written to its
        company, kind and date: the newest of that day. None without such a company
        (writing the row then fails on its foreign key)."""
        code = self._code(invoice.company_id)
        if code is None:
            return None
        day = list_key_day(code, invoice.kind.value, invoice.issue_date)
        row = self.uow._row(_LOWEST_KEY, day)
        key = list_key(row[0] if row is not None else None, day)
        if key is None:
            raise StorageError(
                f"company {invoice.company_id!r} has too many documents of kind "
                f"{invoice.kind.value} dated {invoice.issue_date} for the search index",
                retryable=False,
            )
        return key

    def _place(self, invoice: Invoice) -> None:
        """Give a document without a position its place in list order: documents are
        mostly added newest first, so few positions above it move."""
        key = (invoice.company_id, invoice.kind.value)
        day = invoice.issue_date.isoformat()
        below = self.uow._row(_POSITION_BELOW, (*key, day, invoice.id))
        position = int(below[0]) if below is not None else 0
        self.uow._execute(_SHIFT_POSITIONS, (1, *key, position))
        self.uow._execute(
            "UPDATE invoices SET list_pos = ? WHERE company_id = ? AND id = ?",
            (position + 1, invoice.company_id, invoice.id),
        )

    def _unplace(self, company_id: str, invoice_id: str) -> None:
        """Take a document out of list order (its date is about to change)."""
        row = self.uow._row(
            "SELECT kind, list_pos FROM invoices WHERE company_id = ? AND id = ?",
            (company_id, invoice_id),
        )
        if row is None or row[1] is None:
            return
        self.uow._execute(
            "UPDATE invoices SET list_pos = NULL WHERE company_id = ? AND id = ?",
            (company_id, invoice_id),
        )
        self.uow._execute(_SHIFT_POSITIONS, (-1, company_id, row[0], int(row[1])))

    def update(self, invoice: Invoice, expected_version: int) -> None:
        if self.uow.readonly:
            self.get(invoice.company_id, invoice.id)
        key = (invoice.company_id, invoice.id)
        columns = _invoice_columns(invoice)
        seen = self.uow._loaded.get(key)
        if seen is not None and seen[-1] == expected_version:
            # Only the columns that changed are written: an index whose columns are all
            # left out of the UPDATE is not touched (booking rewrites 2 of 7, not 7).
            names = [n for n, old, new in zip(_INDEXED, seen, columns, strict=False) if old != new]
            moved = seen[_ISSUE_DATE] != columns[_ISSUE_DATE] or seen[_KIND] != columns[_KIND]
        else:
            names = list(_INDEXED)
            moved = (
                self.uow._row(
                    "SELECT 1 FROM invoices WHERE company_id = ? AND id = ? AND version = ? "
                    "AND (issue_date != ? OR kind != ?)",
                    (*key, expected_version, columns[_ISSUE_DATE], columns[_KIND]),
                )
                is not None
            )
        values: dict[str, object] = dict(zip(_COLUMNS, columns, strict=True))
        written = [*names, *_ALWAYS_WRITTEN]
        if moved:
            self._unplace(invoice.company_id, invoice.id)
            values["list_key"] = self._key(invoice)  # a new day or kind: a new key
            written.append("list_key")
        assignments = ", ".join(f"{name} = ?" for name in written)
        changed = self.uow._execute(
            f"UPDATE invoices SET {assignments} WHERE company_id = ? AND id = ? AND version = ?",
            (
                *(values[name] for name in written),
                invoice.company_id,
                invoice.id,
                expected_version,
            ),
            on_integrity=self._taken(invoice),
        )
        if changed:
            if self.uow._lines.get(key) is not invoice.line_source:
                self.uow._execute(
                    "UPDATE invoice_lines SET lines = ? WHERE row_id = "
                    "(SELECT row_id FROM invoices WHERE company_id = ? AND id = ?)",
                    (codec.dumps_lines(invoice), *key),
                )
                self.uow._lines[key] = invoice.line_source
            if moved:
                self._place(invoice)
            self.uow._loaded[key] = (*columns[: len(_INDEXED)], invoice.version)
            return
        row = self.uow._row(
            shared.INVOICE_VERSION, {"company_id": invoice.company_id, "id": invoice.id}
        )
        if row is None:
            raise NotFoundError("invoice", invoice.id)
        raise ConflictError(
            f"invoice {invoice.id!r} changed meanwhile "
            f"(version {row[0]}, expected {expected_version})"
        )

    def list(self, company_id: str, query: InvoiceQuery) -> ListResult[InvoiceSummary]:
        return invoice_lists.list_invoices(self.uow, company_id, query, self._code)
