"""Reading what a bank reports about an account: ISO 20022 statements (camt.053) and
debit/credit notifications (camt.054), turned into ``faktura.receivables.BankTransaction``
values for matching against open invoices. Pure: bytes in, values out."""

from __future__ import annotations

from faktura.bank.camt import (
    MAX_BYTES,
    SUPPORTED_VERSIONS,
    CamtStatement,
    Skipped,
    SkipReason,
    read_statement,
)

__all__ = [
    "MAX_BYTES",
    "SUPPORTED_VERSIONS",
    "CamtStatement",
    "SkipReason",
    "Skipped",
    "read_statement",
]
