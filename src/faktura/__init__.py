"""faktura: an embeddable invoicing core (EN 16931 totals, lifecycle, documents, delivery).

Importing faktura has no side effects: no connections, no environment reads, no clock.
"""

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
from faktura.invoice import (
    CreditTransition,
    DocumentKind,
    Invoice,
    InvoiceEvent,
    Payment,
    Status,
    Transition,
)
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
from faktura.parties import Address, BankAccount, Company, Contact, Customer, Department
from faktura.terms import PaymentTerms, TermsKind
from faktura.totals import DocumentTotals, LineAmounts, Totals, VatGroup, compute_totals
from faktura.vat import VatCategory, VatExemption, VatZone

__version__ = "0.1.0"

__all__ = [
    "Address",
    "AllowanceCharge",
    "AuthenticationError",
    "BankAccount",
    "Company",
    "ConfigurationError",
    "ConflictError",
    "Contact",
    "CreditTransition",
    "Currency",
    "Customer",
    "DeliveryError",
    "DeliveryRejected",
    "DeliveryUnavailable",
    "Department",
    "DocumentKind",
    "DocumentTotals",
    "FakturaError",
    "FieldError",
    "Invoice",
    "InvoiceEvent",
    "InvoiceStateError",
    "Line",
    "LineAmounts",
    "LineFacts",
    "LineType",
    "NotFoundError",
    "NumberingError",
    "Payment",
    "PaymentTerms",
    "ProductLine",
    "RenderError",
    "SeparatorLine",
    "Status",
    "StorageError",
    "StoredLines",
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
]
