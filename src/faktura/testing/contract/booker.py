"""The child process of the store contract's crash test: books a company's drafts one
after another until it is killed, reporting each committed booking durably.

``python -m faktura.testing.contract.booker OPENER TARGET COMPANY LOG`` opens the store
``StoreLocation(OPENER, TARGET)`` and, after each commit, appends "<id> <number>" to
``LOG`` and fsyncs it. It exits with status 3 when no draft is left.
"""

from __future__ import annotations

import os
import sys

from faktura.ports import InvoiceQuery
from faktura.status import Status
from faktura.testing.contract.booking import book
from faktura.testing.contract.data import StoreLocation

__all__ = ["NO_DRAFTS_LEFT", "main"]

NO_DRAFTS_LEFT = 3


def main(opener: str, target: str, company_id: str, log: str) -> int:
    store = StoreLocation(opener, target).open()
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        while True:
            with store.unit_of_work(readonly=True) as uow:
                query = InvoiceQuery(status=Status.DRAFT, limit=100)
                drafts = [summary.id for summary in uow.invoices.list(company_id, query).items]
            if not drafts:
                return NO_DRAFTS_LEFT
            for invoice_id in sorted(drafts):
                number = book(store, company_id, invoice_id)
                os.write(fd, f"{invoice_id} {number}\n".encode())
                os.fsync(fd)
    finally:
        os.close(fd)
        store.close()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
