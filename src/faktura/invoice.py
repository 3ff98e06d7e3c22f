"""The Invoice aggregate: a frozen value whose transitions return a new value and an event.

Statuses and transitions::

    draft ⇄ scheduled ─┬─ cancel ──────────────→ cancelled
         └─────────────┴─ book(number) ─────────→ sending ── delivered ──→ sent
    sending / sent ── record_payment ──→ partially_paid ── record_payment ──→ paid
    sending / sent / partially_paid ── mark_uncollectible ──→ uncollectible
    booked invoice ── credit (all lines credited) ──→ credited

A draft is editable and has no number; once booked, a document never changes its
content again (InvoiceStateError): corrections are credit notes.

This module holds the aggregate only; its parts live beside it: the kinds, statuses and
status sets in ``faktura.status``, the events, payments and credit records in
``faktura.records``, what a credit note credits and its rounding adjustment in
``faktura.crediting``, the delivery and period rules in ``faktura.periods``, and the
list view in ``faktura.summary`` (which reads the aggregate, so it is not imported here;
the other names stay importable from here too).

Why it is one file of over 500 lines: it is one class, ``Invoice``, with its fields, the
values read from them, its creation and validation, and its transitions, which share the
private ``_require``/``_next`` and keep the invariants (frozen once booked, Σ credits
within the invoice, the status following payments and credits) in one place. Splitting the
class into mixins over several modules would spread those invariants without making any
part independent; what is not the aggregate's own job has been moved out.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

import attrs

from faktura import fields
from faktura.attachments import SupportingDocument
from faktura.checks import (
    check_bool,
    check_date,
    check_enum,
    check_id,
    check_instance,
    check_optional_date,
    check_text,
    check_timestamp,
    check_tuple,
    normalize,
)
from faktura.crediting import ROUNDING_ADJUSTMENT, select_credit, settle_rounding
from faktura.deliver_to import DeliverTo
from faktura.errors import InvoiceStateError, NotFoundError, ValidationError
from faktura.exchange import AccountingVat
from faktura.fields import describe, editable
from faktura.lines import (
    AllowanceCharge,
    Line,
    LineFacts,
    ProductLine,
    SeparatorLine,
    StoredLines,
    TextLine,
)
from faktura.money import ZERO, Currency, arithmetic, parse_decimal, round_money, total
from faktura.periods import check_delivery, check_line_periods
from faktura.records import CreditRecord, InvoiceEvent, Payment
from faktura.references import NO_REFERENCES, DocumentReferences
from faktura.status import (
    BOOKED_STATUSES,
    CREDITABLE_STATUSES,
    EDITABLE_STATUSES,
    PAYABLE_STATUSES,
    DocumentKind,
    Status,
)
from faktura.terms import PaymentTerms, check_due_date
from faktura.totals import (
    AmountRule,
    DocumentTotals,
    Totals,
    amount_places,
    compute_totals,
    payment_places,
)
from faktura.vat import check_categories

if TYPE_CHECKING:
    from faktura.issued import IssuedParties

__all__ = [
    "BOOKED_STATUSES",
    "EDITABLE_STATUSES",
    "PAYABLE_STATUSES",
    "ROUNDING_ADJUSTMENT",
    "CreditRecord",
    "CreditTransition",
    "DocumentKind",
    "Invoice",
    "InvoiceEvent",
    "Payment",
    "Status",
    "Transition",
]


class Transition(NamedTuple):
    """The new value of a document and the event that records the change."""

    invoice: Invoice
    event: InvoiceEvent


class CreditTransition(NamedTuple):
    """Crediting changes the invoice and creates a credit-note draft: two events."""

    invoice: Invoice
    credit_note: Invoice
    events: tuple[InvoiceEvent, InvoiceEvent]


def _optional_text(value: object, field: str, limit: int = 1000, one_line: bool = False) -> None:
    if value is not None:
        check_text(value, field, limit=limit, one_line=one_line)


@attrs.frozen
class Invoice:
    """An invoice or credit note. Build drafts with ``Invoice.draft``; change it through
    its transitions, each of which returns a ``Transition`` (new value, event).

    Amounts come from ``totals`` (computed once per value); ``issue_date`` is the wire's
    ``date``; ``due_date_derived`` says the due date follows the payment terms and is
    re-derived when the date or terms change, and at booking.
    """

    id: str
    company_id: str
    customer_id: str = attrs.field(metadata=describe(editable=True))
    kind: DocumentKind
    status: Status
    currency: str = attrs.field(metadata=describe(editable=True))
    issue_date: date = attrs.field(metadata=describe(editable=True, wire="date"))
    due_date: date = attrs.field(metadata=describe(editable=True))
    payment_terms: PaymentTerms = attrs.field(metadata=describe(editable=True))
    created_at: datetime
    updated_at: datetime
    #: The lines as given (``lines=``): a tuple, or ``StoredLines`` from a store that
    #: decodes them when first read. Read them as ``lines``.
    _lines: tuple[Line, ...] | StoredLines = attrs.field(
        default=(), alias="lines", metadata=describe(editable=True, wire="lines")
    )
    allowance_charges: tuple[AllowanceCharge, ...] = attrs.field(
        default=(), metadata=describe(editable=True)
    )
    due_date_derived: bool = True
    prices_include_vat: bool = attrs.field(default=False, metadata=describe(editable=True))
    prepaid_amount: Decimal = attrs.field(default=ZERO, metadata=describe(editable=True))
    cash_increment: Decimal | None = attrs.field(
        default=None, metadata=describe(editable=True, wire="cashRounding")
    )
    vat_exemption_reason: str | None = attrs.field(default=None, metadata=describe(editable=True))
    customer_department_id: str | None = attrs.field(default=None, metadata=describe(editable=True))
    customer_contact_id: str | None = attrs.field(default=None, metadata=describe(editable=True))
    reference: str | None = attrs.field(default=None, metadata=describe(editable=True))
    our_reference: str | None = attrs.field(default=None, metadata=describe(editable=True))
    #: The order, sales order, contract, project and buyer accounting references.
    references: DocumentReferences = attrs.field(
        default=NO_REFERENCES, metadata=describe(editable=True)
    )
    description: str | None = attrs.field(default=None, metadata=describe(editable=True))
    notes: str | None = attrs.field(default=None, metadata=describe(editable=True))
    #: The actual delivery date (BT-72); with no date and no period, the issue date.
    delivery_date: date | None = attrs.field(default=None, metadata=describe(editable=True))
    #: The invoicing period (BG-14: BT-73, BT-74): both or neither, start ≤ end.
    period_start: date | None = attrs.field(default=None, metadata=describe(editable=True))
    period_end: date | None = attrs.field(default=None, metadata=describe(editable=True))
    #: Where the goods go or the service is done (BG-13); none unless given.
    deliver_to: DeliverTo | None = attrs.field(default=None, metadata=describe(editable=True))
    #: The supporting documents the host keeps with it (BG-24), their bytes in the
    #: archive; set through ``attach`` while a draft, final once booked.
    attachments: tuple[SupportingDocument, ...] = ()
    number: str | None = None
    booked_at: datetime | None = None
    scheduled_for: datetime | None = None
    delivered_at: datetime | None = None
    uncollectible_at: datetime | None = None
    credited_invoice_id: str | None = None
    credited_invoice_number: str | None = None
    credited_invoice_date: date | None = None  # the credited invoice's issue date
    credit_reason: str | None = None  # why a credit note was made
    credits: tuple[CreditRecord, ...] = ()
    payments: tuple[Payment, ...] = ()
    version: int = 1
    #: What the document was issued with (parties, language, template, logo), taken at
    #: booking; None for drafts (``faktura.issued.IssuedParties``).
    issued: IssuedParties | None = None
    #: The VAT total in the seller's VAT accounting currency and the rate used (BT-6,
    #: BT-111), taken at booking for a foreign-currency document that carries VAT.
    vat_accounting: AccountingVat | None = None
    #: How the amounts are rounded (``faktura.totals.AmountRule``): EN16931 for every new
    #: document; documents stored before the rule was recorded keep MINOR_UNITS.
    amount_rule: AmountRule = AmountRule.EN16931

    # -- reading -------------------------------------------------------------------------

    @functools.cached_property
    def lines(self) -> tuple[Line, ...]:
        """The document's lines (a stored document's are decoded here, when first read)."""
        lines = self._lines
        return lines if isinstance(lines, tuple) else lines()

    @property
    def line_source(self) -> tuple[Line, ...] | StoredLines:
        """The lines as given (a tuple, or a store's StoredLines), passed on unchanged by
        every transition that leaves the lines alone: a store that finds the object it
        read or wrote knows the lines are as stored, and leaves them unwritten."""
        return self._lines

    @functools.cached_property
    def line_facts(self) -> LineFacts:
        """How many lines and product lines, and the characters of their descriptions:
        what booking checks, kept by stores with the header so it reads no line."""
        return LineFacts.of(self.lines)

    @functools.cached_property
    def amounts(self) -> DocumentTotals:
        """The document-level totals (``totals`` without the per-line amounts): what
        lists, booking and the issuability rules read, kept by stores with the header."""
        return self.totals.document()

    @functools.cached_property
    def totals(self) -> Totals:
        """The EN 16931 totals of this document (amounts positive, also for credit notes)."""
        return compute_totals(
            self.lines,
            self.allowance_charges,
            currency=Currency.of(self.currency),
            prices_include_vat=self.prices_include_vat,
            prepaid=self.prepaid_amount,
            cash_increment=self.cash_increment,
            exemption_reason=self.vat_exemption_reason,
            rule=self.amount_rule,
        )

    @property
    def effective_delivery_date(self) -> date | None:
        """The delivery date documents show: the one given, else, for an invoice with no
        invoicing period either, its issue date (None when only a period is given, and
        for a credit note that names neither)."""
        if self.delivery_date is not None:
            return self.delivery_date
        if self.kind is DocumentKind.INVOICE and self.period_start is None:
            return self.issue_date
        return None

    @property
    def is_booked(self) -> bool:
        """True once a number was allocated: the content is frozen for good."""
        return self.status in BOOKED_STATUSES

    @property
    def paid_amount(self) -> Decimal:
        """Σ payments recorded."""
        return total(p.amount for p in self.payments)

    @property
    def credited_amount(self) -> Decimal:
        """Σ amounts (incl. VAT) of the credit notes registered against this invoice."""
        return total(c.amount for c in self.credits)

    @property
    def outstanding(self) -> Decimal:
        """What the customer still owes: payable − paid − credited, rounded to the
        currency's minor units and never below zero; a fully credited invoice owes
        nothing."""
        if self.status is Status.CREDITED:
            return ZERO.quantize(self.amounts.currency.exponent)
        return self._open_amount()

    def _open_amount(self) -> Decimal:
        # the document-level amounts: a stored document's header keeps them, so what is
        # owed is worked out without reading its lines
        totals = self.amounts
        with arithmetic():
            rest = totals.payable - self.paid_amount - self.credited_amount
        # Credits are amounts at two decimals; what is owed is paid in the currency's
        # minor units (whole yen): the rest is rounded to them.
        rest = round_money(rest, totals.currency)
        return max(rest, ZERO.quantize(rest))

    @property
    def is_owed(self) -> bool:
        """Booked and still owed: in a payable status (``PAYABLE_STATUSES``) with an
        ``outstanding`` amount above zero. A fully prepaid, paid, credited or written-off
        document is not owed. Stores keep this per document, as it changes with booking,
        payments and credits, so that they list overdue documents by it."""
        return self.status in PAYABLE_STATUSES and self.outstanding > ZERO

    def is_overdue(self, today: date) -> bool:
        """Owed (``is_owed``) and past its due date on ``today``: the one definition of
        the derived "overdue" filter, which every store's list follows."""
        return self.due_date < today and self.is_owed

    def remaining_quantities(self) -> tuple[Decimal | None, ...]:
        """Per line, the quantity not yet credited (None for text and separator lines)."""
        remaining: list[Decimal | None] = [
            line.quantity if isinstance(line, ProductLine) else None for line in self.lines
        ]
        with arithmetic():
            for record in self.credits:
                for index, quantity in enumerate(record.quantities):
                    left = remaining[index]
                    if quantity is not None and left is not None:
                        remaining[index] = left - quantity
        return tuple(remaining)

    # -- creating ------------------------------------------------------------------------

    @classmethod
    def draft(
        cls,
        *,
        id: str,
        company_id: str,
        customer_id: str,
        issue_date: date,
        currency: str,
        payment_terms: PaymentTerms,
        at: datetime,
        lines: Sequence[Line] = (),
        due_date: date | None = None,
        kind: DocumentKind = DocumentKind.INVOICE,
        **fields: Any,
    ) -> Transition:
        """A new draft (no number). ``due_date`` is derived from the terms when omitted.

        Raises ValidationError naming the offending field.
        """
        unknown = set(fields) - EDITABLE_FIELDS - _CREDIT_FIELDS
        if unknown:
            raise TypeError(f"unknown invoice fields: {sorted(unknown)}")
        check_timestamp(at, "at")
        check_date(issue_date, "issue_date")
        check_instance(payment_terms, PaymentTerms, "payment_terms")
        check_optional_date(due_date, "due_date")
        invoice: Invoice = cls(
            id=id,
            company_id=company_id,
            customer_id=customer_id,
            kind=kind,
            status=Status.DRAFT,
            currency=currency,
            issue_date=issue_date,
            due_date=due_date if due_date is not None else payment_terms.due_date(issue_date),
            due_date_derived=due_date is None,
            payment_terms=payment_terms,
            created_at=at,
            updated_at=at,
            lines=tuple(lines),
            **{k: tuple(v) if k == "allowance_charges" else v for k, v in fields.items()},  # type: ignore[arg-type]
        )
        invoice.validate()
        return Transition(invoice, InvoiceEvent(id, "created", at, {"kind": kind.value}))

    def validate(self) -> None:
        """Check every document rule; ValidationError naming the first offending field."""
        check_id(self.id, "id")
        check_id(self.company_id, "company_id")
        check_id(self.customer_id, "customer_id")
        for name in ("customer_department_id", "customer_contact_id", "credited_invoice_id"):
            if getattr(self, name) is not None:
                check_id(getattr(self, name), name)
        check_enum(self.kind, DocumentKind, "kind")
        check_enum(self.status, Status, "status")
        normalize(self, "amount_rule", check_enum(self.amount_rule, AmountRule, "amount_rule"))
        currency = Currency.of(self.currency)
        places = amount_places(currency, self.amount_rule)
        paid_places = payment_places(currency, self.amount_rule)
        check_date(self.issue_date, "issue_date")
        check_date(self.due_date, "due_date")
        check_instance(self.payment_terms, PaymentTerms, "payment_terms")
        check_bool(self.prices_include_vat, "prices_include_vat")
        check_bool(self.due_date_derived, "due_date_derived")
        check_timestamp(self.created_at, "created_at")
        check_timestamp(self.updated_at, "updated_at")
        check_due_date(self.issue_date, self.due_date)
        for index, line in enumerate(self.lines):
            if not isinstance(line, ProductLine | TextLine | SeparatorLine):
                raise ValidationError(
                    "must be an invoice line", field=f"lines.{index}", rule="type"
                )
        for index, item in enumerate(self.allowance_charges):
            if not isinstance(item, AllowanceCharge):
                raise ValidationError(
                    "must be an allowance or charge",
                    field=f"allowance_charges.{index}",
                    rule="type",
                )
            if item.amount is not None:
                parse_decimal(item.amount, f"allowance_charges.{index}.amount", places=places)
            if item.base is not None:
                parse_decimal(item.base, f"allowance_charges.{index}.base", places=places)
        check_categories(
            [
                (line.vat_category, f"lines.{i}.vat_category")
                for i, line in enumerate(self.lines)
                if isinstance(line, ProductLine)
            ]
            + [
                (item.vat_category, f"allowance_charges.{i}.vat_category")
                for i, item in enumerate(self.allowance_charges)
            ]
        )
        prepaid = parse_decimal(
            self.prepaid_amount, "prepaid_amount", places=paid_places, minimum=ZERO
        )
        normalize(self, "prepaid_amount", prepaid)
        if self.cash_increment is not None:
            increment = parse_decimal(
                self.cash_increment, "cash_increment", places=paid_places, minimum=ZERO
            )
            normalize(self, "cash_increment", increment)
            if not increment:
                raise ValidationError("must be above 0", field="cash_increment", rule="minimum")
        _optional_text(self.vat_exemption_reason, "vat_exemption_reason")
        for name in ("reference", "our_reference"):
            _optional_text(getattr(self, name), name, limit=200, one_line=True)
        if self.references is None:  # a change that clears them
            normalize(self, "references", NO_REFERENCES)
        check_instance(self.references, DocumentReferences, "references")
        check_instance(self.deliver_to, DeliverTo | None, "deliver_to")
        _optional_text(self.description, "description")
        _optional_text(self.notes, "notes", limit=10000)
        _optional_text(self.credit_reason, "reason", limit=500)
        check_delivery(self.delivery_date, self.period_start, self.period_end)
        check_line_periods(self.lines, self.period_start, self.period_end)
        totals = self.totals  # raises for an exempt group without a reason
        if self.prepaid_amount > totals.amount and totals.amount >= ZERO:
            raise ValidationError(
                "must not exceed the invoice amount", field="prepaid_amount", rule="maximum"
            )

    # -- transitions ---------------------------------------------------------------------

    def _require(self, allowed: Iterable[Status], action: str) -> None:
        if self.status not in allowed:
            raise InvoiceStateError(
                f"cannot {action} {_KIND_NAMES[self.kind]} in status {self.status.value}",
                invoice_id=self.id,
                status=self.status.value,
                action=action,
            )

    def _next(self, at: datetime, **changes: Any) -> Invoice:
        """The next version of this document with ``changes`` (field names; values the
        transition checked): a copy field by field, as attrs.evolve would make it through
        ``__init__`` (which checks nothing), at half the cost."""
        following = object.__new__(Invoice)
        put = object.__setattr__
        for name in _FIELD_NAMES:
            put(following, name, getattr(self, name))
        for name, value in changes.items():
            put(following, _FIELD_ALIASES.get(name, name), value)
        put(following, "updated_at", check_timestamp(at, "at"))
        put(following, "version", self.version + 1)
        _carry_derived(self, following, changes)
        return following

    def update(self, at: datetime, **changes: Any) -> Transition:
        """Change the content of a draft. A due date of None re-derives it from the terms.

        Raises InvoiceStateError unless draft or scheduled, ValidationError for bad input.
        """
        self._require(EDITABLE_STATUSES, "edit")
        unknown = set(changes) - EDITABLE_FIELDS
        if unknown:
            raise TypeError(f"not editable: {sorted(unknown)}")
        if "lines" in changes:
            changes["lines"] = check_tuple(
                changes["lines"], ProductLine | TextLine | SeparatorLine, "lines"
            )
        if "allowance_charges" in changes:
            changes["allowance_charges"] = check_tuple(
                changes["allowance_charges"], AllowanceCharge, "allowance_charges"
            )
        if "issue_date" in changes:
            check_date(changes["issue_date"], "issue_date")
        if "payment_terms" in changes:
            check_instance(changes["payment_terms"], PaymentTerms, "payment_terms")
        if "due_date" in changes:
            check_optional_date(changes["due_date"], "due_date")
            changes["due_date_derived"] = changes["due_date"] is None
        derived = changes.get("due_date_derived", self.due_date_derived)
        if derived:
            terms = changes.get("payment_terms", self.payment_terms)
            changes["due_date"] = terms.due_date(changes.get("issue_date", self.issue_date))
        if self.amount_rule is not AmountRule.EN16931:
            # A draft is not issued: edited, it is computed by the rule of new documents.
            changes["amount_rule"] = AmountRule.EN16931
        updated = self._next(at, **changes)
        updated.validate()
        changed = (k for k in _WIRE_NAMES if getattr(updated, k) != getattr(self, k))
        fields = ",".join(sorted(_WIRE_NAMES[k] for k in changed))
        return Transition(updated, InvoiceEvent(self.id, "updated", at, {"fields": fields}))

    def attach(self, at: datetime, attachments: Sequence[SupportingDocument]) -> Transition:
        """Replace the supporting documents of a draft (``faktura.billing.Billing`` keeps
        their bytes and checks their limits). Raises InvoiceStateError unless draft or
        scheduled, ValidationError naming ``attachments.<index>``."""
        self._require(EDITABLE_STATUSES, "change the attachments of")
        kept = check_tuple(attachments, SupportingDocument, "attachments")
        ids = ",".join(item.id for item in kept)
        return Transition(
            self._next(at, attachments=kept),
            InvoiceEvent(self.id, "attachments_changed", at, {"attachments": ids}),
        )

    def cancel(self, at: datetime) -> Transition:
        """Cancel a draft (booked documents are corrected with credit notes)."""
        self._require(EDITABLE_STATUSES, "cancel")
        return Transition(
            self._next(at, status=Status.CANCELLED, scheduled_for=None),
            InvoiceEvent(self.id, "cancelled", at),
        )

    def schedule(self, send_at: datetime, at: datetime) -> Transition:
        """Plan the first send of a draft for ``send_at`` (still a draft, still no number)."""
        self._require(EDITABLE_STATUSES, "schedule")
        check_timestamp(send_at, "send_at")
        return Transition(
            self._next(at, status=Status.SCHEDULED, scheduled_for=send_at),
            InvoiceEvent(self.id, "scheduled", at, {"sendAt": send_at.isoformat()}),
        )

    def unschedule(self, at: datetime) -> Transition:
        """Take a scheduled draft back to a plain draft."""
        self._require({Status.SCHEDULED}, "unschedule")
        return Transition(
            self._next(at, status=Status.DRAFT, scheduled_for=None),
            InvoiceEvent(self.id, "unscheduled", at),
        )

    def check_bookable(self, issue_date: date | None = None) -> tuple[date, date]:
        """What ``book`` checks of the draft itself, before a number is allocated for
        it: its issue and due date as booked. Raises InvoiceStateError unless a draft,
        ValidationError when the document cannot be booked (no product line, a due date
        before the issue date)."""
        self._require(EDITABLE_STATUSES, "book")
        day = self.issue_date if issue_date is None else issue_date
        due = self.payment_terms.due_date(day) if self.due_date_derived else self.due_date
        check_due_date(day, due)
        if not self.line_facts.product_lines:
            raise ValidationError(
                "a booked document needs at least one product line", field="lines", rule="required"
            )
        return day, due

    def book(
        self,
        number: str,
        at: datetime,
        issue_date: date | None = None,
        issued: IssuedParties | None = None,
    ) -> Transition:
        """Freeze the draft under ``number`` (optionally dated ``issue_date``); → sending.

        ``issued`` is what the document is issued with (its parties as they are now,
        language, template, logo), kept with it for good. The due date is re-derived
        when it was derived. Raises InvoiceStateError unless a
        draft, ValidationError when the document cannot be booked (no product line, ...).
        """
        check_text(number, "number", required=True, limit=100)
        day, due = self.check_bookable(issue_date)
        booked = self._next(
            at,
            status=Status.SENDING,
            number=number,
            issue_date=day,
            due_date=due,
            booked_at=at,
            scheduled_for=None,
            issued=issued,
        )
        return Transition(
            booked, InvoiceEvent(self.id, "booked", at, {"number": number, "date": day.isoformat()})
        )

    def mark_delivered(self, at: datetime, channel: str = "") -> Transition:
        """Record a successful delivery: sending → sent (payment statuses stay as they are)."""
        self._require(BOOKED_STATUSES, "deliver")
        status = Status.SENT if self.status is Status.SENDING else self.status
        return Transition(
            self._next(at, status=status, delivered_at=self.delivered_at or at),
            InvoiceEvent(self.id, "delivered", at, {"channel": channel} if channel else {}),
        )

    def record_payment(
        self,
        amount: Decimal,
        paid_on: date,
        at: datetime,
        reference: str | None = None,
        payment_id: str | None = None,
    ) -> Transition:
        """Register a payment: → partially_paid, or paid once nothing is outstanding.

        Raises InvoiceStateError on drafts, cancelled, credited, uncollectible or paid
        documents; ValidationError for a non-positive amount or an overpayment.
        """
        self._require(PAYABLE_STATUSES, "record a payment on")
        currency = Currency.of(self.currency)
        value = parse_decimal(amount, "amount", places=currency.minor_units)
        check_date(paid_on, "paid_on")
        if value <= ZERO:
            raise ValidationError("must be above 0", field="amount", rule="minimum")
        _optional_text(reference, "reference", limit=200)
        outstanding = self.outstanding
        if value > outstanding:
            raise ValidationError(
                f"exceeds the outstanding amount {outstanding}", field="amount", rule="overpayment"
            )
        payments = (*self.payments, Payment(value, paid_on, at, reference, payment_id))
        status = Status.PAID if value == outstanding else Status.PARTIALLY_PAID
        data = {"amount": str(value), "date": paid_on.isoformat(), "status": status.value}
        if payment_id is not None:
            data["payment_id"] = payment_id
        return Transition(
            self._next(at, payments=payments, status=status),
            InvoiceEvent(self.id, status.value, at, data),
        )

    def reverse_payment(
        self, payment_id: str, at: datetime, reason: str | None = None
    ) -> Transition:
        """Take back the payment ``payment_id`` (it bounced, or was booked in error): it
        is removed, and the status is what the remaining payments make it: paid,
        partially paid, or sent (sending when the document was never delivered). Right
        after the payment, this restores the document exactly as it was but for
        ``updated_at`` and ``version``.

        Raises NotFoundError for an unknown payment; InvoiceStateError unless the
        document is paid or partially paid (a credited or written-off document's
        payments stay as they are: credit it or reopen it first).
        """
        check_id(payment_id, "payment_id")
        _optional_text(reason, "reason", limit=500)
        self._require((Status.PAID, Status.PARTIALLY_PAID), "reverse a payment on")
        kept = tuple(p for p in self.payments if p.id != payment_id)
        if len(kept) == len(self.payments):
            raise NotFoundError("payment", payment_id)
        reversed_ = next(p for p in self.payments if p.id == payment_id)
        status = attrs.evolve(self, payments=kept)._settled_status()
        data = {
            "payment_id": payment_id,
            "amount": str(reversed_.amount),
            "date": reversed_.date.isoformat(),
            "status": status.value,
        }
        if reason:
            data["reason"] = reason
        return Transition(
            self._next(at, payments=kept, status=status),
            InvoiceEvent(self.id, "payment_reversed", at, data),
        )

    def mark_uncollectible(self, at: datetime) -> Transition:
        """Write off what is still owed: → uncollectible."""
        self._require(PAYABLE_STATUSES, "mark uncollectible")
        return Transition(
            self._next(at, status=Status.UNCOLLECTIBLE, uncollectible_at=at),
            InvoiceEvent(self.id, "marked_uncollectible", at),
        )

    def credit(
        self,
        credit_note_id: str,
        at: datetime,
        issue_date: date,
        lines: Sequence[tuple[int, Decimal]] | None = None,
        reason: str | None = None,
    ) -> CreditTransition:
        """A credit-note draft crediting this invoice, registered on the invoice.

        ``lines`` None credits everything not credited yet (all lines and the document's
        allowances and charges, and lines of quantity 0 as they are when nothing was
        credited yet); otherwise ``(line index, quantity)`` pairs credit part of
        product lines, with percent allowances/charges of their VAT group. Σ credits never
        exceed the invoice; when every line is fully credited the invoice is ``credited``.
        The credit note carries the invoice's number and issue date, and ``reason`` (up
        to 500 characters), why it was made.

        Raises InvoiceStateError unless a booked, not fully credited invoice;
        ValidationError for unknown lines or quantities above what is left.
        """
        if self.kind is not DocumentKind.INVOICE:
            raise InvoiceStateError(
                "only invoices can be credited",
                invoice_id=self.id,
                status=self.status.value,
                action="credit",
            )
        self._require(CREDITABLE_STATUSES, "credit")
        check_date(issue_date, "issue_date")
        _optional_text(reason, "reason", limit=500)
        chosen = select_credit(
            self.lines, self.allowance_charges, self.credits, self.remaining_quantities(), lines
        )
        credit_note = Invoice(
            id=credit_note_id,
            company_id=self.company_id,
            customer_id=self.customer_id,
            kind=DocumentKind.CREDIT_NOTE,
            status=Status.DRAFT,
            currency=self.currency,
            issue_date=issue_date,
            due_date=issue_date,
            due_date_derived=True,
            payment_terms=PaymentTerms.cash(),
            created_at=check_timestamp(at, "at"),
            updated_at=at,
            lines=chosen.lines,
            allowance_charges=chosen.allowance_charges,
            prices_include_vat=self.prices_include_vat,
            cash_increment=self.cash_increment,
            vat_exemption_reason=self.vat_exemption_reason,
            customer_department_id=self.customer_department_id,
            customer_contact_id=self.customer_contact_id,
            reference=self.reference,
            our_reference=self.our_reference,
            references=self.references,
            credited_invoice_id=self.id,
            credited_invoice_number=self.number,
            credited_invoice_date=self.issue_date,
            credit_reason=reason,
            delivery_date=self.effective_delivery_date,
            period_start=self.period_start,
            period_end=self.period_end,
            deliver_to=self.deliver_to,
            # the invoice's arithmetic, so that a full credit is its exact negation
            amount_rule=self.amount_rule,
        )
        credit_note.validate()
        with arithmetic():
            left_to_credit = self.totals.amount - self.credited_amount
        record = CreditRecord(credit_note_id, ZERO, chosen.quantities, chosen.includes_fixed)
        completes = attrs.evolve(self, credits=(*self.credits, record))._fully_credited()
        if completes:
            credit_note = settle_rounding(credit_note, left_to_credit)
        amount = credit_note.totals.amount
        # Credits move the invoice's total towards zero: beyond it is too much, whichever
        # sign the invoice has (an invoice of allowances can total below zero).
        if amount > left_to_credit if left_to_credit >= ZERO else amount < left_to_credit:
            raise ValidationError(
                f"the credit ({amount}) exceeds what is left to credit ({left_to_credit})",
                field="lines",
                rule="exceeds_invoice",
            )
        record = attrs.evolve(record, amount=amount)
        credited = attrs.evolve(self, credits=(*self.credits, record))
        # Fully credited → credited; otherwise the credit may have settled what was left
        # to pay (partially_paid → paid), so the status is worked out afresh.
        credited = credited._next(at, status=credited._settled_status())
        return CreditTransition(
            credited,
            credit_note,
            (
                InvoiceEvent(
                    self.id,
                    "credited",
                    at,
                    {"creditNoteId": credit_note_id, "amount": str(amount)},
                ),
                InvoiceEvent(
                    credit_note_id,
                    "created",
                    at,
                    {"kind": DocumentKind.CREDIT_NOTE.value, "creditedInvoiceId": self.id},
                ),
            ),
        )

    def _fully_credited(self) -> bool:
        lines_done = all(not left for left in self.remaining_quantities() if left is not None)
        fixed = [i for i in self.allowance_charges if i.amount is not None or i.base is not None]
        fixed_done = not fixed or any(c.includes_fixed for c in self.credits)
        return lines_done and fixed_done

    def release_credit(self, credit_note_id: str, at: datetime) -> Transition:
        """Forget a credit note that was cancelled as a draft; the status follows."""
        kept = tuple(c for c in self.credits if c.credit_note_id != credit_note_id)
        if len(kept) == len(self.credits):
            raise ValidationError(
                "is not a credit note of this invoice", field="credit_note_id", rule="not_found"
            )
        released = attrs.evolve(self, credits=kept)
        return Transition(
            released._next(at, status=released._settled_status()),
            InvoiceEvent(self.id, "credit_released", at, {"creditNoteId": credit_note_id}),
        )

    def _settled_status(self) -> Status:
        if self._fully_credited() and self.credits:
            return Status.CREDITED
        if self.uncollectible_at is not None:
            return Status.UNCOLLECTIBLE
        if self.payments:
            return Status.PAID if self._open_amount() == ZERO else Status.PARTIALLY_PAID
        return Status.SENT if self.delivered_at is not None else Status.SENDING


#: The fields the totals are computed from.
_AMOUNT_FIELDS = frozenset(
    {
        "lines",
        "allowance_charges",
        "currency",
        "prices_include_vat",
        "prepaid_amount",
        "cash_increment",
        "vat_exemption_reason",
        "amount_rule",
    }
)


_FIELD_NAMES = tuple(field.name for field in attrs.fields(Invoice))
#: A field's name by its ``__init__`` argument, where they differ ("lines" → "_lines").
_FIELD_ALIASES = {f.alias: f.name for f in attrs.fields(Invoice) if f.alias != f.name}

#: The derived values of an invoice (cached properties) and the fields each follows from.
_DERIVED = (
    ("lines", frozenset({"lines"})),
    ("line_facts", frozenset({"lines"})),
    ("totals", _AMOUNT_FIELDS),
    ("amounts", _AMOUNT_FIELDS),
)


def _carry_derived(source: Invoice, target: Invoice, changes: Iterable[str] = ()) -> None:
    """Hand the derived values ``source`` has worked out (its decoded lines, line facts,
    totals) to ``target``, unless ``changes`` touches a field they follow from: a
    transition that left the lines and amounts alone does not read or add them up again.

    attrs keeps a cached property of a slotted class in a slot of the same name; one
    that is not worked out yet is not carried (``target`` works out its own).
    """
    changed = frozenset(changes)
    for name, sources in _DERIVED:
        if changed.isdisjoint(sources):
            _carry(source, target, name)


def _carry(source: object, target: object, name: str) -> None:
    """Set ``target``'s cached property ``name`` to ``source``'s, if that is worked out."""
    # try/except rather than contextlib.suppress: every transition carries four values
    try:  # noqa: SIM105
        object.__setattr__(target, name, object.__getattribute__(source, name))
    except (AttributeError, TypeError):
        pass


_KIND_NAMES = {DocumentKind.INVOICE: "an invoice", DocumentKind.CREDIT_NOTE: "a credit note"}


_CREDIT_FIELDS = frozenset(
    {"credited_invoice_id", "credited_invoice_number", "credited_invoice_date", "credit_reason"}
)

#: The fields of a draft that ``Invoice.update`` may change: those declared editable.
EDITABLE_FIELDS = editable(Invoice)

#: The wire name of each editable field (the changes an "updated" event lists).
_WIRE_NAMES = {
    a.alias: fields.wire_name(a) for a in attrs.fields(Invoice) if a.alias in EDITABLE_FIELDS
}
