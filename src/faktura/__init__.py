"""faktura: an embeddable invoicing core (EN 16931 totals, lifecycle, documents, delivery).

Importing faktura has no side effects: no connections, no environment reads, no clock.
Everything a host needs is a name of this package: the pure core is imported with it,
the service layer, the stores, the channels, the documents and the HTTP adapter on first
use (a module ``__getattr__``), so that ``import faktura`` stays small. A name whose
extra is not installed fails with a ConfigurationError naming it:

>>> from faktura import Billing, MemoryStore, ProductLine, open_store
>>> billing = Billing(open_store("memory://"))
>>> type(billing.store) is MemoryStore
True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from faktura.attachments import Attachment
from faktura.commands import (
    AllowanceChargeInput,
    CompanyChanges,
    CompanyProfile,
    CustomerChanges,
    DraftChanges,
    LineInput,
    NewCustomer,
    NewDraft,
)
from faktura.deliver_to import DeliverTo
from faktura.errors import (
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    DeliveryError,
    DeliveryRejected,
    DeliveryUnavailable,
    FakturaError,
    FieldError,
    InvoiceStateError,
    NotFoundError,
    NumberingError,
    RenderError,
    StorageError,
    ValidationError,
    WireFormatError,
)
from faktura.exchange import AccountingVat, ExchangeRates, FixedRates
from faktura.invoice import CreditTransition, Invoice, Transition
from faktura.items import ItemAttribute, ItemClassification, ItemDetails
from faktura.lines import (
    AllowanceCharge,
    Line,
    LineFacts,
    LineType,
    ProductLine,
    SeparatorLine,
    StoredLines,
    TextLine,
)
from faktura.money import Currency
from faktura.numbering import NumberSeries, Reset
from faktura.parties import Address, BankAccount, Company, Contact, Customer, Department, Payee
from faktura.problems import HttpProblem, http_problem, problem_body
from faktura.records import InvoiceEvent, Payment
from faktura.references import DocumentReferences
from faktura.status import DocumentKind, Status
from faktura.terms import PaymentTerms, TermsKind
from faktura.totals import DocumentTotals, LineAmounts, Totals, VatGroup, compute_totals
from faktura.vat import VatCategory, VatExemption, VatZone

if TYPE_CHECKING:  # the names loaded on first use, as type checkers see them
    from faktura.billing import Billing, InvoiceList
    from faktura.delivery.channel import (
        DeliveryChannel,
        DeliveryType,
        OutgoingDocument,
        ProviderEvent,
        Receipt,
        Recipient,
        RecipientKind,
    )
    from faktura.delivery.einvoice import AccessPoint, EInvoiceChannel
    from faktura.delivery.email import EmailChannel, SmtpSettings
    from faktura.delivery.manual import ManualChannel
    from faktura.delivery.sproom import SproomAccessPoint
    from faktura.documents.pdf import DocumentData, render_pdf
    from faktura.documents.ubl import to_ubl
    from faktura.http import create_app
    from faktura.ports import Clock, Store, SystemClock
    from faktura.storage import open_store
    from faktura.storage.memory import MemoryStore
    from faktura.storage.postgres import PostgresStore
    from faktura.storage.sqlite import SqliteStore

__version__ = "0.1.0"

#: Names loaded on first use: the module each comes from, and the extra it needs.
_LAZY: dict[str, tuple[str, str | None]] = {
    "AccessPoint": ("faktura.delivery.einvoice", None),
    "Billing": ("faktura.billing", None),
    "Clock": ("faktura.ports", None),
    "DeliveryChannel": ("faktura.delivery.channel", None),
    "DeliveryType": ("faktura.delivery.channel", None),
    "DocumentData": ("faktura.documents.pdf", "pdf"),
    "EInvoiceChannel": ("faktura.delivery.einvoice", None),
    "EmailChannel": ("faktura.delivery.email", None),
    "InvoiceList": ("faktura.billing", None),
    "ManualChannel": ("faktura.delivery.manual", None),
    "MemoryStore": ("faktura.storage.memory", None),
    "OutgoingDocument": ("faktura.delivery.channel", None),
    "PostgresStore": ("faktura.storage.postgres", "postgres"),
    "ProviderEvent": ("faktura.delivery.channel", None),
    "Receipt": ("faktura.delivery.channel", None),
    "Recipient": ("faktura.delivery.channel", None),
    "RecipientKind": ("faktura.delivery.channel", None),
    "SmtpSettings": ("faktura.delivery.email", None),
    "SproomAccessPoint": ("faktura.delivery.sproom", "einvoice"),
    "SqliteStore": ("faktura.storage.sqlite", None),
    "Store": ("faktura.ports", None),
    "SystemClock": ("faktura.ports", None),
    "create_app": ("faktura.http", "http"),
    "open_store": ("faktura.storage", None),
    "render_pdf": ("faktura.documents.pdf", "pdf"),
    "to_ubl": ("faktura.documents.ubl", None),
}


def __getattr__(name: str) -> object:
    """A name of ``_LAZY``, imported on first use; ConfigurationError naming the extra
    when the module cannot be imported without it."""
    try:
        module_name, extra = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'faktura' has no attribute {name!r}") from None
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        if extra is None:
            raise
        raise ConfigurationError(
            f"faktura.{name} needs the {extra} extra: pip install 'faktura[{extra}]'"
        ) from exc
    value = getattr(module, name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "AccessPoint",
    "AccountingVat",
    "Address",
    "AllowanceCharge",
    "AllowanceChargeInput",
    "Attachment",
    "AuthenticationError",
    "BankAccount",
    "Billing",
    "Clock",
    "Company",
    "CompanyChanges",
    "CompanyProfile",
    "ConfigurationError",
    "ConflictError",
    "Contact",
    "CreditTransition",
    "Currency",
    "Customer",
    "CustomerChanges",
    "DeliverTo",
    "DeliveryChannel",
    "DeliveryError",
    "DeliveryRejected",
    "DeliveryType",
    "DeliveryUnavailable",
    "Department",
    "DocumentData",
    "DocumentKind",
    "DocumentReferences",
    "DocumentTotals",
    "DraftChanges",
    "EInvoiceChannel",
    "EmailChannel",
    "ExchangeRates",
    "FakturaError",
    "FieldError",
    "FixedRates",
    "HttpProblem",
    "Invoice",
    "InvoiceEvent",
    "InvoiceList",
    "InvoiceStateError",
    "ItemAttribute",
    "ItemClassification",
    "ItemDetails",
    "Line",
    "LineAmounts",
    "LineFacts",
    "LineInput",
    "LineType",
    "ManualChannel",
    "MemoryStore",
    "NewCustomer",
    "NewDraft",
    "NotFoundError",
    "NumberSeries",
    "NumberingError",
    "OutgoingDocument",
    "Payee",
    "Payment",
    "PaymentTerms",
    "PostgresStore",
    "ProductLine",
    "ProviderEvent",
    "Receipt",
    "Recipient",
    "RecipientKind",
    "RenderError",
    "Reset",
    "SeparatorLine",
    "SmtpSettings",
    "SproomAccessPoint",
    "SqliteStore",
    "Status",
    "StorageError",
    "Store",
    "StoredLines",
    "SystemClock",
    "TermsKind",
    "TextLine",
    "Totals",
    "Transition",
    "ValidationError",
    "VatCategory",
    "VatExemption",
    "VatGroup",
    "VatZone",
    "WireFormatError",
    "__version__",
    "compute_totals",
    "create_app",
    "http_problem",
    "open_store",
    "problem_body",
    "render_pdf",
    "to_ubl",
]
