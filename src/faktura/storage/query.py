"""What a list query means, once: the reference semantics every store implements.

The memory store runs these functions; the SQL stores translate the same rules into
SQL, and the contract suite checks that they agree.
"""

from __future__ import annotations

from collections.abc import Iterable

from faktura.invoice import Invoice
from faktura.ports import OVERDUE, InvoiceQuery
from faktura.status import PAYABLE_STATUSES

__all__ = [
    "OVERDUE_STATUSES",
    "escape_like",
    "matches",
    "newest_first",
    "search_text",
]

#: The statuses an overdue document can have: it is owed (``Invoice.is_owed``), so it is
#: in a payable status. Not a second definition: the SQL stores read one index range per
#: status here and keep only the rows whose ``owed`` column (``Invoice.is_owed``, written
#: with every document) is set and whose due date is before today.
OVERDUE_STATUSES = PAYABLE_STATUSES


def search_text(invoice: Invoice) -> str:
    """The text a search looks in: the number and the description, lower-cased."""
    return f"{invoice.number or ''}\n{invoice.description or ''}".lower()


def matches(invoice: Invoice, query: InvoiceQuery) -> bool:
    """True when ``invoice`` belongs on ``query``'s list (company scoping aside)."""
    if query.kind is not None and invoice.kind is not query.kind:
        return False
    if query.customer_id is not None and invoice.customer_id != query.customer_id:
        return False
    if query.status == OVERDUE:
        if query.today is None or not invoice.is_overdue(query.today):
            return False
    elif query.status is not None and invoice.status != query.status:
        return False
    return not query.search or query.search.lower() in search_text(invoice)


def newest_first(invoices: Iterable[Invoice]) -> list[Invoice]:
    """Invoices in list order: date descending, then id descending."""
    return sorted(invoices, key=lambda i: (i.issue_date, i.id), reverse=True)


def escape_like(text: str, escape: str = "\\") -> str:
    """``text`` as a literal LIKE pattern body: %, _ and the escape character escaped."""
    return (
        text.replace(escape, escape + escape).replace("%", escape + "%").replace("_", escape + "_")
    )
