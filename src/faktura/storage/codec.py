"""The storage codec: domain values ↔ JSON documents, for stores that keep documents.

Different from the wire format on purpose: it keeps every field of the aggregate
(payments, credit records, versions) under its Python name, and it is versioned by the
stores' schema migrations, not by the public API.

Every value is written and read by one ``faktura.storage.trusted.TrustedConverter``:
functions generated once per class from ``attrs.fields``, that read a stored value back
without checking it again (it was checked when it was written; that is where the speed
of reading lies). How a type is stored is the converter's (decimals as text, dates in
ISO 8601, enums by value, ...) and the few hooks in ``_make``; the few fields stored
otherwise than their type says are in ``_RULES``. What is written is byte for byte what
earlier releases wrote (``tests/test_codec_compat.py`` checks it against them).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast

import attrs

from faktura.apikeys import ApiKey
from faktura.delivery.channel import DeliveryType
from faktura.delivery.log import DeliveryAttempt
from faktura.dunning import Reminder, ReminderPolicy
from faktura.errors import StorageError
from faktura.invoice import Invoice
from faktura.issued import IssuedParties
from faktura.items import ItemClassification, ItemDetails
from faktura.lines import Line, LineFacts, ProductLine, StoredLines
from faktura.money import Currency
from faktura.outbox import OutboxMessage, WebhookEndpoint
from faktura.parties import Company, Customer
from faktura.receivables import AccountEntry, BankEntry
from faktura.records import InvoiceEvent, Payment
from faktura.references import NO_REFERENCES, DocumentReferences
from faktura.schedules import Schedule
from faktura.storage.trusted import Stored as As
from faktura.storage.trusted import TrustedConverter
from faktura.summary import InvoiceSummary
from faktura.terms import PaymentTerms
from faktura.totals import AmountRule, DocumentTotals
from faktura.vat import VatExemption

__all__ = [
    "dump",
    "dumps",
    "dumps_header",
    "dumps_lines",
    "load",
    "load_summaries",
    "loads",
    "loads_invoice",
]

T = TypeVar("T")
#: What stores keep as documents.
Stored = (
    Company
    | Customer
    | Invoice
    | InvoiceEvent
    | InvoiceSummary
    | DeliveryAttempt
    | ApiKey
    | OutboxMessage
    | WebhookEndpoint
    | Schedule
    | Reminder
    | ReminderPolicy
    | AccountEntry
    | BankEntry
)


# Invoice names IssuedParties for type checkers only (the core modules import each other
# the other way round); the converter needs the name resolved to read the field.
attrs.resolve_types(Invoice, localns={"IssuedParties": IssuedParties})

#: Where a stored field is not what its type alone says (``trusted.Stored``, here ``As``).
_RULES: dict[tuple[type, str], As] = {
    # the lines are read through ``Invoice.lines`` (they may be StoredLines), stored last;
    # every whole document has them (a header has none: it is read by loads_invoice)
    (Invoice, "_lines"): As(read="lines", as_type=tuple[Line, ...], last=True, required=True),
    # documents stored before the rule was recorded were computed by MINOR_UNITS
    (Invoice, "amount_rule"): As(missing=AmountRule.MINOR_UNITS),
    # the EN 16931 line terms are stored only when given (and lines stored before them
    # have none): a line without them reads and writes as it always did
    (ProductLine, "note"): As(omit_default=True),
    (ProductLine, "period_start"): As(omit_default=True),
    (ProductLine, "period_end"): As(omit_default=True),
    (ProductLine, "item"): As(omit_default=True),
    # an item's details: only those given, the lists after the texts
    **{(ItemDetails, f.name): As(omit_default=True) for f in attrs.fields(ItemDetails)},
    (ItemDetails, "classifications"): As(omit_default=True, last=True),
    (ItemDetails, "attributes"): As(omit_default=True, last=True),
    (ItemClassification, "list_version"): As(omit_default=True),
    # payments recorded before payments had ids have none, and are stored as they were
    (Payment, "id"): As(omit_default=True),
}


def _make() -> tuple[TrustedConverter, Callable[[Invoice], dict[str, Any]]]:
    """The converter, and the function that dumps an invoice's header."""
    # a VAT group's exemption is stored as [reason, code], inside a header's amounts
    conv = TrustedConverter(_RULES, as_lists=(VatExemption,))
    # the currency of a header's amounts is the document's (see dumps_header)
    conv.register(Currency, load=Currency.of, dump=lambda currency: currency.code)
    conv.register(DeliveryType, load=DeliveryType, dump=str)
    # A booked document's snapshot is stored as JSON text inside the document: a company
    # books many documents with the same parties, so the text is made once per snapshot,
    # and reading a document parses a string and finds the decoded snapshot by it.
    plain = conv.class_dumper(IssuedParties)
    conv.register(
        IssuedParties,
        load=_issued,
        dump=functools.lru_cache(maxsize=256)(lambda value: _encode(plain(value))),
    )
    # a document's references are mostly none: stored as null then
    plain_references = conv.class_dumper(DocumentReferences)
    read_references = conv.class_loader(DocumentReferences)
    conv.register(
        DocumentReferences,
        load=lambda data: NO_REFERENCES if data is None else read_references(data),
        dump=lambda value: plain_references(value) if value else None,
    )
    # a company's documents share a handful of terms: frozen, so one value serves all
    read_terms = functools.lru_cache(maxsize=64)(
        lambda items: conv.class_loader(PaymentTerms)(dict(items))
    )
    conv.register(PaymentTerms, load=lambda data: read_terms(tuple(data.items())))
    return conv, conv.class_dumper(Invoice, omit=("_lines",))


def _issued(data: str | dict[str, Any]) -> IssuedParties:
    # JSON text; a plain object in documents written before the text form
    return _issued_text(data if isinstance(data, str) else _encode(data))


@functools.lru_cache(maxsize=256)
def _issued_text(text: str) -> IssuedParties:
    # a company's booked documents share few snapshots, and the value is frozen
    snapshot: IssuedParties = _converter.class_loader(IssuedParties)(json.loads(text))
    return snapshot


def load_summaries(
    texts: Iterable[str], ids: Iterable[str] | None = None
) -> tuple[InvoiceSummary, ...]:
    """Stored summaries (JSON texts) decoded; a non-retryable StorageError naming the
    first damaged one (by its invoice's id, from ``ids`` when given, in the same order).

    One damaged row fails the whole page: a list of accounting documents that silently
    left one out would be worse than no list.

    Lists are read far more often than documents change, and the first pages most of
    all; a summary is frozen, so the value decoded from the same text is handed out again
    (the last 1,024 texts, a few MB at most).
    """
    texts = texts if isinstance(texts, list | tuple) else list(texts)
    try:
        return tuple(map(_summary_text, texts))
    except _Damaged:
        pass
    keys = list(ids) if ids is not None else []
    for n, text in enumerate(texts):  # one failed: find which
        try:
            _summary_text(text)
        except _Damaged as exc:
            key = keys[n] if n < len(keys) else None
            raise unreadable(InvoiceSummary, exc.__cause__, key) from exc.__cause__
    raise unreadable(InvoiceSummary, None)  # pragma: no cover - decoding is deterministic


class _Damaged(Exception):
    """A summary text that cannot be decoded; its ``__cause__`` says why."""


@functools.lru_cache(maxsize=1024)
def _summary_text(text: str) -> InvoiceSummary:
    try:
        summary: InvoiceSummary = _load_summary(json.loads(text))
    except Exception as exc:  # a damaged row must surface as a storage error
        raise _Damaged() from exc
    return summary


#: The entity a stored class is named as in errors (NotFoundError's names).
_ENTITIES: dict[type, str] = {
    Company: "company",
    Customer: "customer",
    Invoice: "invoice",
    InvoiceSummary: "invoice",
    InvoiceEvent: "invoice event",
    DeliveryAttempt: "delivery attempt",
    ApiKey: "api key",
    OutboxMessage: "outbox message",
    WebhookEndpoint: "webhook endpoint",
    Schedule: "schedule",
    Reminder: "reminder",
    ReminderPolicy: "reminder policy",
    AccountEntry: "account entry",
    BankEntry: "bank entry",
}


def unreadable(cls: type, cause: BaseException | None, key: str | None = None) -> StorageError:
    """The error for a stored ``cls`` that cannot be decoded: not retryable (reading it
    again fails the same way), naming the row by ``key`` (its id) when known."""
    entity = _ENTITIES.get(cls, cls.__name__)
    what = f"stored {entity} {key!r}" if key is not None else f"stored {entity}"
    reason = f"{type(cause).__name__}: {cause}" if cause is not None else "damaged"
    return StorageError(
        f"a {what} cannot be read ({reason}); the row needs repair",
        retryable=False,
        entity=entity,
        entity_id=key,
    )


_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_converter, _header = _make()
_load_header = _converter.class_loader(Invoice, omit=("_lines",))
_load_summary = _converter.loader(InvoiceSummary)
_load_lines = _converter.loader(tuple[Line, ...])
_dump_lines = _converter.dumper(tuple[Line, ...])
_load_amounts = _converter.loader(DocumentTotals)
_dump_amounts = _converter.dumper(DocumentTotals)


def dump(value: Stored) -> dict[str, Any]:
    """A domain value as plain data."""
    data: dict[str, Any] = _converter.dumper(type(value))(value)
    return data


def load(data: Any, cls: type[T], key: str | None = None) -> T:
    """A domain value from plain data (as ``dump`` made it: not checked again); a
    non-retryable StorageError naming the row by ``key`` (its id) when the data is
    damaged."""
    try:
        value: T = _converter.loader(cls)(data)
    except Exception as exc:  # a damaged row must surface as a storage error
        raise unreadable(cls, exc, key) from exc
    return value


def dumps(value: Stored) -> str:
    """A domain value as compact JSON text."""
    return _encode(dump(value))


def dumps_header(invoice: Invoice) -> str:
    """An invoice's header as compact JSON text: everything but its lines, with what is
    derived from them (``Invoice.amounts``, ``Invoice.line_facts``), so that reading it
    back (``loads_invoice``) needs no line for booking, lists or the issuability rules.
    Stores keep the lines apart (``dumps_lines``)."""
    data = _header(invoice)
    # the amounts as a list in field order, less the currency (the document's)
    data["amounts"] = _dump_amounts(invoice.amounts)[1:]
    data["line_facts"] = list(invoice.line_facts)
    return _encode(data)


def dumps_lines(invoice: Invoice) -> str:
    """An invoice's lines as compact JSON text (a list)."""
    return _encode(_dump_lines(invoice.lines))


def loads_invoice(
    header: str | bytes | dict[str, Any], lines: str, key: str | None = None
) -> Invoice:
    """An invoice from its header and its lines' text (``dumps_header``,
    ``dumps_lines``; the header may be decoded JSON already). The lines are decoded
    when first read (``StoredLines``); a damaged header or lines text is a
    non-retryable StorageError naming ``key``.

    The derived values a header keeps are set as they were worked out, not worked out
    again."""
    try:
        data = header if isinstance(header, dict) else json.loads(header)
        invoice: Invoice = _load_header(data)
        put = object.__setattr__
        put(invoice, "_lines", StoredLines(lines, functools.partial(_lines_text, key=key)))
        if "amounts" in data:  # documents written before headers were kept: none
            put(invoice, "amounts", _load_amounts([data["currency"], *data["amounts"]]))
            put(invoice, "line_facts", LineFacts(*data["line_facts"]))
        return invoice
    except Exception as exc:  # a damaged row must surface as a storage error
        raise unreadable(Invoice, exc, key) from exc


def _lines_text(text: str, key: str | None = None) -> tuple[Line, ...]:
    try:
        return tuple(_load_lines(json.loads(text)))
    except Exception as exc:  # a damaged row must surface as a storage error
        raise unreadable(Invoice, exc, key) from exc


def loads(text: str | bytes, cls: type[T], key: str | None = None) -> T:
    """A domain value from JSON text; a non-retryable StorageError naming the row by
    ``key`` (its id) when the text is damaged.

    Companies and customers are read by nearly every operation (booking snapshots both)
    and rarely change; being frozen, the value decoded from the same text can be handed
    out again.
    """
    try:
        if isinstance(text, str):
            if cls is Company:
                return cast(T, _company(text))
            if cls is Customer:
                return cast(T, _customer(text))
        return _loads(text, cls)
    except StorageError as exc:
        if key is None:
            raise
        raise unreadable(cls, exc.__cause__, key) from exc.__cause__


@functools.lru_cache(maxsize=256)
def _company(text: str) -> Company:
    return _loads(text, Company)


@functools.lru_cache(maxsize=1024)
def _customer(text: str) -> Customer:
    return _loads(text, Customer)


def _loads(text: str | bytes, cls: type[T]) -> T:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise unreadable(cls, exc) from exc
    return load(data, cls)
