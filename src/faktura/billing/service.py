"""The Billing facade: every use case of invoicing, each in one unit of work.

The use cases that are more than a read and one transition of the aggregate have a
module of their own in this package, composed here: booking (``booking``), sending
(``sending``) and rendering (``rendering``); all share the unit-of-work steps of
``work``. See the package's docstring for an example.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from faktura.apikeys import ApiKey, parse_key
from faktura.attachments import Attachment, SupportingDocument, check_supporting
from faktura.billing.booking import Booking
from faktura.billing.rendering import Documents
from faktura.billing.sending import Sender
from faktura.billing.work import Work, check_actor, check_ids
from faktura.checks import check_enum, check_id, check_text, wire_name
from faktura.commands import (
    CompanyChanges,
    CompanyProfile,
    CustomerChanges,
    DraftChanges,
    NewCustomer,
    NewDraft,
    VatDefaults,
    given,
    resolve_allowance_charges,
    resolve_lines,
)
from faktura.delivery.channel import DeliveryChannel
from faktura.delivery.log import DeliveryAttempt, DeliveryStatus, SendResult
from faktura.documents.source import check_attach_pdf
from faktura.errors import (
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    FieldError,
    NotFoundError,
    NumberingError,
    ValidationError,
)
from faktura.exchange import ExchangeRates
from faktura.invoice import Invoice
from faktura.issuability import (
    JURISDICTIONS,
    RuleSet,
)
from faktura.issued import ArchivedDocument, ArchiveKind, sha256
from faktura.money import ZERO
from faktura.parties import Company, Customer
from faktura.ports import (
    MAX_PAGE_SIZE,
    MIN_SEARCH_LENGTH,
    OVERDUE,
    Clock,
    CustomerDirectory,
    InvoiceQuery,
    ListResult,
    Store,
    SystemClock,
    UnitOfWork,
)
from faktura.profile import check_registered_template, patch_company
from faktura.records import InvoiceEvent
from faktura.references import NO_REFERENCES
from faktura.status import BOOKED_STATUSES, DocumentKind, Status
from faktura.summary import InvoiceSummary
from faktura.terms import PaymentTerms

__all__ = ["Billing", "InvoiceList", "new_id"]

T = TypeVar("T")


def new_id() -> str:
    """A new id: 32 hex digits, the first 12 the milliseconds since 1970, the rest random.

    Ids in creation order keep lists cheap to maintain: within a day, documents are
    listed by id (newest first), so a new one goes on top instead of somewhere in the
    middle, where every later one would have to move down a place.
    """
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"


@attrs.frozen
class InvoiceList:
    """A page of documents in the reference API's shape: items (summaries: no lines), total,
    page, limit, totalPages; ``exact`` is False when the total of a searched or overdue
    list reached its count bound and means "at least" (``faktura.ports.ListResult``)."""

    items: tuple[InvoiceSummary, ...]
    total: int
    page: int
    limit: int
    exact: bool = True

    @property
    def total_pages(self) -> int:
        return (self.total + self.limit - 1) // self.limit


def _page_args(page: object, limit: object) -> tuple[int, int]:
    for name, value, high in (("page", page, 10**9), ("limit", limit, MAX_PAGE_SIZE)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
            raise ValidationError(f"must be a whole number 1-{high}", field=name, rule="range")
    return page, limit  # type: ignore[return-value]


class Billing:
    """The use cases of invoicing for any number of companies (tenants).

    ``customers`` plugs in a host's own CustomerDirectory (used outside faktura's units
    of work); by default customers live in the store. ``ids`` makes new ids
    (``new_id``: time-ordered). ``channels`` maps delivery types ("email", "einvoice",
    "manual", or a key of the host's own) to DeliveryChannels; without it, only manual
    delivery is configured.
    ``stale_after``: how old a pending delivery attempt must be before a send treats it
    as interrupted (a crash) rather than in progress. ``jurisdictions``: what a document
    must say before it is numbered, by the seller's country, beyond EN 16931's rules
    (``faktura.issuability``; Denmark's by default, a host adds its own).
    ``exchange_rates``: the host's rates (``faktura.exchange``), asked at booking for the
    VAT of a foreign-currency document in the seller's VAT accounting currency (a Danish
    seller's EUR invoice states its VAT in DKK); without it such a document is not booked.
    """

    def __init__(
        self,
        store: Store,
        clock: Clock | None = None,
        *,
        customers: CustomerDirectory | None = None,
        ids: Callable[[], str] = new_id,
        channels: Mapping[str, DeliveryChannel] | None = None,
        stale_after: timedelta = timedelta(minutes=5),
        jurisdictions: Mapping[str, RuleSet] = JURISDICTIONS,
        exchange_rates: ExchangeRates | None = None,
    ) -> None:
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self._work = Work(store, self.clock, ids, customers)
        self._booking = Booking(self._work, jurisdictions, exchange_rates)
        self._documents = Documents(self._work)
        if channels is None:
            from faktura.delivery.manual import ManualChannel

            channels = {"manual": ManualChannel()}
        self._sender = Sender(self._work, self._booking, self._documents, channels, stale_after)

    def _refuse_in_host_transaction(self, use_case: str) -> None:
        """A delivery reaches the customer whatever the host's transaction does after: on
        a store that joins the host's transaction (``SqliteStore.on_connection``,
        ``PostgresStore.on_connection``) a rollback would leave a delivered document
        without its number, so a send is refused there (ConfigurationError)."""
        if getattr(self.store, "joins_host_transaction", False):
            raise ConfigurationError(
                f"{use_case} delivers outside any transaction: book in the host's transaction,"
                " and send after it commits, through a Billing on a store of faktura's own"
            )

    # -- companies -----------------------------------------------------------------------

    def create_company(self, profile: CompanyProfile | Mapping[str, Any]) -> Company:
        """A new company (seller) from its profile, or from a mapping of its field names
        with the nested values as mappings of their fields (as the command line gives
        them: ``faktura.profile.patch_company`` on a new company).

        Raises ValidationError for bad fields (each one named when several are bad),
        also for a ``document_template`` that is no registered PDF template (checked when
        the pdf extra is installed)."""
        if isinstance(profile, CompanyProfile):
            fields = given(profile)
        elif isinstance(profile, Mapping):
            fields = dict(profile)
        else:
            raise ValidationError("must be a CompanyProfile", field="profile", rule="type")
        if "name" not in fields:
            raise ValidationError("is required", field="name", rule="required")
        company_id = fields.pop("id", None)
        company_id = self._work.ids() if company_id is None else check_id(company_id, "id")
        company = patch_company(Company(id=company_id, name="-"), fields)
        with self.store.unit_of_work() as uow:
            uow.companies.add(company)
            uow.commit()
        return company

    def get_company(self, company_id: str) -> Company:
        """The company. Raises NotFoundError."""
        check_ids(companyId=company_id)
        with self.store.unit_of_work(readonly=True) as uow:
            return uow.companies.get(company_id)

    def list_companies(self) -> list[Company]:
        """Every company of the store, by id (for operators: not tenant-scoped)."""
        with self.store.unit_of_work(readonly=True) as uow:
            return uow.companies.list()

    def update_company(
        self, company_id: str, changes: CompanyChanges | Mapping[str, Any]
    ) -> Company:
        """Change a company's profile or settings: the fields ``changes`` sets. As a
        mapping of field names (the reference API's partial edit), ``address``, ``bank``,
        ``payee`` and the number series may be mappings of some of their fields, merged
        into the current ones (``faktura.profile.patch_company``); ``None`` clears an
        optional value; ``payment_terms`` may be days net.

        Raises NotFoundError, ValidationError naming each bad field (a template id that
        is no registered PDF template too, when the pdf extra is installed), and
        NumberingError when a number series that has booked documents would change its
        pattern, start or reset: numbers already given must stay unique and in order
        (``allow_backdating`` may change at any time).
        """
        check_ids(companyId=company_id)
        if isinstance(changes, CompanyChanges):
            changes = given(changes)
        elif not isinstance(changes, Mapping):
            raise ValidationError("must be CompanyChanges", field="changes", rule="type")
        _refuse_identity_changes(changes, "id")
        with self.store.unit_of_work() as uow:
            current = uow.companies.get(company_id)
            company = patch_company(current, changes)
            for kind, name in _SERIES_FIELDS:
                _check_series_change(uow, current, company, kind, name)
            uow.companies.update(company)
            uow.commit()
        return company

    # -- customers -----------------------------------------------------------------------

    def create_customer(self, company_id: str, customer: NewCustomer) -> Customer:
        """A new customer of the company. Raises NotFoundError, ValidationError."""
        check_ids(companyId=company_id)
        fields = _customer_fields(given(_command(customer, NewCustomer, "customer")))
        customer_id = fields.pop("id", None)
        customer_id = self._work.ids() if customer_id is None else check_id(customer_id, "id")
        created = Customer(id=customer_id, company_id=company_id, **fields)
        check_registered_template(created.document_template)
        with self.store.unit_of_work() as uow:
            uow.companies.get(company_id)
            self._work.directory(uow).add(created)
            uow.commit()
        return created

    def get_customer(self, company_id: str, customer_id: str) -> Customer:
        """The customer. Raises NotFoundError (also for another company's)."""
        check_ids(companyId=company_id, customerId=customer_id)
        with self.store.unit_of_work(readonly=True) as uow:
            return self._work.directory(uow).get(company_id, customer_id)

    def update_customer(
        self, company_id: str, customer_id: str, changes: CustomerChanges
    ) -> Customer:
        """Change a customer: the fields ``changes`` sets. Raises NotFoundError,
        ValidationError."""
        check_ids(companyId=company_id, customerId=customer_id)
        fields = _customer_fields(given(_command(changes, CustomerChanges, "changes")))
        if fields.get("document_template") is not None:
            check_registered_template(fields["document_template"])
        with self.store.unit_of_work() as uow:
            directory = self._work.directory(uow)
            current = directory.get(company_id, customer_id)
            customer = attrs.evolve(current, **fields)
            directory.update(customer)
            uow.commit()
        return customer

    def list_customers(
        self, company_id: str, page: int = 1, limit: int = 20, search: str | None = None
    ) -> ListResult[Customer]:
        """A page of the company's customers by name; ``search`` matches a fragment of
        name or number. Raises ValidationError for a bad page, limit or search."""
        check_ids(companyId=company_id)
        page, limit = _page_args(page, limit)
        _check_search(search)
        with self.store.unit_of_work(readonly=True) as uow:
            return self._work.directory(uow).list(company_id, page, limit, search)

    # -- drafts --------------------------------------------------------------------------

    def create_draft(
        self, company_id: str, draft: NewDraft, *, actor: str | None = None
    ) -> Invoice:
        """A new draft invoice (``NewDraft``; the reference API's JSON body becomes one
        with ``faktura.wire.new_draft``).

        The customer (and its department and contact) must belong to the company; the
        date defaults to today, the currency to the company's, the due date to the
        terms' (the draft's, else the customer's, else the company's); a LineInput's VAT
        to the customer's zone and the company's standard rate.

        Raises ValidationError naming each bad field, NotFoundError for an unknown
        company.
        """
        check_ids(companyId=company_id)
        check_actor(actor)
        _command(draft, NewDraft, "draft")
        check_id(draft.customer_id, "customerId")
        with self.store.unit_of_work() as uow:
            company = uow.companies.get(company_id)
            customer = self._customer_of(uow, company_id, draft.customer_id)
            fields = self._draft_fields(company, customer, draft)
            invoice, event = Invoice.draft(
                id=self._work.ids(),
                company_id=company_id,
                at=self.clock.now(),
                **fields,
            )
            self._work.save(uow, None, invoice, self._work.stamp(event, actor))
            uow.commit()
        return invoice

    def _customer_of(self, uow: UnitOfWork, company_id: str, customer_id: str) -> Customer:
        try:
            return self._work.directory(uow).get(company_id, customer_id)
        except NotFoundError:
            raise ValidationError(
                "is not a customer of this company", field="customerId", rule="unknown_customer"
            ) from None

    def _draft_fields(
        self, company: Company, customer: Customer, draft: NewDraft
    ) -> dict[str, Any]:
        """The fields of the new draft: what ``draft`` gives, the defaults for the rest."""
        errors: list[FieldError] = []
        fields = {"lines": (), "allowance_charges": (), **given(draft)}
        _resolve_items(fields, _vat_defaults(company, customer), errors)
        department = fields.get("customer_department_id")
        if department is not None and customer.department(department) is None:
            errors.append(
                _field_error("customerDepartmentId", "is not a department of the customer")
            )
        contact = fields.get("customer_contact_id")
        if contact is not None and customer.contact(contact) is None:
            errors.append(_field_error("customerContactId", "is not a contact of the customer"))
        if fields.get("payment_terms") is not None:
            terms = _collect(errors, _terms, fields["payment_terms"]) or company.payment_terms
        else:
            terms = customer.payment_terms or company.payment_terms
        if errors:
            raise ValidationError._from_errors(errors)
        return {
            **fields,
            "customer_id": customer.id,
            "issue_date": fields.get("issue_date") or self.clock.today(),
            "currency": fields.get("currency") or company.currency,
            "payment_terms": terms,
            "prepaid_amount": fields.get("prepaid_amount", ZERO),
            "references": fields.get("references") or NO_REFERENCES,
        }

    def update_draft(
        self,
        company_id: str,
        invoice_id: str,
        changes: DraftChanges,
        *,
        expected_version: int | None = None,
        actor: str | None = None,
    ) -> Invoice:
        """Change a draft: the fields ``changes`` sets (``DraftChanges``).

        ``expected_version`` guards against lost updates. Raises NotFoundError,
        InvoiceStateError (not a draft), ConflictError (changed meanwhile),
        ValidationError.
        """
        check_ids(companyId=company_id, invoiceId=invoice_id)
        check_actor(actor)
        fields = given(_command(changes, DraftChanges, "changes"))
        if expected_version is not None and (
            isinstance(expected_version, bool) or not isinstance(expected_version, int)
        ):
            raise ValidationError("must be a whole number", field="expectedVersion", rule="type")
        if "customer_id" in fields:
            check_id(fields["customer_id"], "customerId")
        if "payment_terms" in fields:
            fields["payment_terms"] = _terms(fields["payment_terms"])
        with self.store.unit_of_work() as uow:
            invoice = uow.invoices.get(company_id, invoice_id)
            if expected_version is not None and expected_version != invoice.version:
                raise ConflictError(
                    f"invoice {invoice_id!r} is at version {invoice.version}, "
                    f"not {expected_version}"
                )
            customer_id = fields.get("customer_id", invoice.customer_id)
            if "lines" in fields or "allowance_charges" in fields or "customer_id" in fields:
                customer = self._customer_of(uow, company_id, customer_id)
                defaults = _vat_defaults(uow.companies.get(company_id), customer)
                errors: list[FieldError] = []
                _resolve_items(fields, defaults, errors)
                if errors:
                    raise ValidationError._from_errors(errors)
            updated, event = invoice.update(self.clock.now(), **fields)
            self._check_references(uow, updated)
            self._work.save(uow, invoice, updated, self._work.stamp(event, actor))
            uow.commit()
        return updated

    def _check_references(self, uow: UnitOfWork, invoice: Invoice) -> None:
        customer = self._customer_of(uow, invoice.company_id, invoice.customer_id)
        department, contact = invoice.customer_department_id, invoice.customer_contact_id
        if department is not None and customer.department(department) is None:
            raise ValidationError(
                "is not a department of the customer", field="customerDepartmentId"
            )
        if contact is not None and customer.contact(contact) is None:
            raise ValidationError("is not a contact of the customer", field="customerContactId")

    def cancel_draft(
        self, company_id: str, invoice_id: str, *, actor: str | None = None
    ) -> Invoice:
        """Cancel a draft; a cancelled credit-note draft is released from its invoice.

        Raises NotFoundError, InvoiceStateError (booked documents are credited instead).
        """
        check_ids(companyId=company_id, invoiceId=invoice_id)
        check_actor(actor)
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            invoice = uow.invoices.get(company_id, invoice_id)
            cancelled, event = invoice.cancel(now)
            self._work.save(uow, invoice, cancelled, self._work.stamp(event, actor))
            if invoice.credited_invoice_id is not None:
                credited = uow.invoices.get(company_id, invoice.credited_invoice_id)
                released, release = credited.release_credit(invoice.id, now)
                self._work.save(uow, credited, released, self._work.stamp(release, actor))
            uow.commit()
        return cancelled

    # -- reading -------------------------------------------------------------------------

    def get_invoice(self, company_id: str, invoice_id: str) -> Invoice:
        """The document. Raises NotFoundError (also for another company's)."""
        check_ids(companyId=company_id, invoiceId=invoice_id)
        with self.store.unit_of_work(readonly=True) as uow:
            return uow.invoices.get(company_id, invoice_id)

    def list_invoices(
        self,
        company_id: str,
        *,
        page: int = 1,
        limit: int = 20,
        search: str | None = None,
        status: str | None = None,
        customer_id: str | None = None,
        kind: DocumentKind | None = DocumentKind.INVOICE,
    ) -> InvoiceList:
        """A page of the company's documents, newest first (the reference API's list).

        ``status`` is a status or "overdue"; ``search`` a fragment of number or
        description, at least ``MIN_SEARCH_LENGTH`` (3) characters. ``total`` is exact,
        except for a search or "overdue", whose matches are counted up to
        ``COUNT_BOUND`` past the page (see ``faktura.ports.ListResult``). Raises
        ValidationError for a bad page, limit, status or search.
        """
        check_ids(companyId=company_id)
        if customer_id is not None:
            check_id(customer_id, "customerId")
        if kind is not None:
            kind = check_enum(kind, DocumentKind, "kind")
        page, limit = _page_args(page, limit)
        if status is not None and status != OVERDUE:
            if not isinstance(status, str) or status not in _STATUS_VALUES:
                allowed = ", ".join([*_STATUS_VALUES, OVERDUE])
                raise ValidationError(f"must be one of: {allowed}", field="status", rule="enum")
            status = Status(status)
        _check_search(search)
        if search and len(search.lower()) < MIN_SEARCH_LENGTH:
            # shorter text has no trigram, so no index could find it: every document of
            # the company would be read
            raise ValidationError(
                f"must be at least {MIN_SEARCH_LENGTH} characters (or left out)",
                field="search",
                rule="length",
            )
        query = InvoiceQuery(
            page=page,
            limit=limit,
            search=search or None,
            status=status,
            customer_id=customer_id,
            kind=kind,
            today=self.clock.today(),
        )
        with self.store.unit_of_work(readonly=True) as uow:
            result = uow.invoices.list(company_id, query)
        return InvoiceList(result.items, result.total, page, limit, result.exact)

    def events(self, company_id: str, invoice_id: str) -> list[InvoiceEvent]:
        """The audit trail of a document, oldest first. Raises NotFoundError."""
        check_ids(companyId=company_id, invoiceId=invoice_id)
        with self.store.unit_of_work(readonly=True) as uow:
            uow.invoices.get(company_id, invoice_id)
            return uow.events.for_invoice(company_id, invoice_id)

    # -- booking and after ---------------------------------------------------------------

    def book(self, company_id: str, invoice_id: str, *, actor: str | None = None) -> Invoice:
        """Book a draft: allocate the next number of the company's series for its kind
        and freeze it, in one unit of work. Nothing is booked and no number is used when
        anything fails.

        Raises NotFoundError, InvoiceStateError (not a draft), NumberingError
        (back-dated), ValidationError (not bookable, or a text the PDF font cannot
        draw), ConflictError.
        """
        check_ids(companyId=company_id, invoiceId=invoice_id)
        check_actor(actor)
        with self.store.unit_of_work() as uow:
            booked = self._booking.book(uow, company_id, invoice_id, actor)
            uow.commit()
        return booked

    def credit(
        self,
        company_id: str,
        invoice_id: str,
        lines: Sequence[tuple[int, Decimal]] | None = None,
        *,
        issue_date: date | None = None,
        reason: str | None = None,
        actor: str | None = None,
    ) -> Invoice:
        """A credit-note draft crediting the invoice fully (``lines`` None) or in part
        ((line index, quantity) pairs), saying why (``reason``, up to 500 characters);
        it is numbered when booked.

        Raises NotFoundError, InvoiceStateError, ValidationError.
        """
        check_ids(companyId=company_id, invoiceId=invoice_id)
        check_actor(actor)
        with self.store.unit_of_work() as uow:
            invoice = uow.invoices.get(company_id, invoice_id)
            credited, credit_note, (event, created) = invoice.credit(
                self._work.ids(), self.clock.now(), issue_date or self.clock.today(), lines, reason
            )
            self._work.save(uow, invoice, credited, self._work.stamp(event, actor))
            self._work.save(uow, None, credit_note, self._work.stamp(created, actor))
            uow.commit()
        return credit_note

    def record_payment(
        self,
        company_id: str,
        invoice_id: str,
        amount: Decimal,
        *,
        paid_on: date | None = None,
        reference: str | None = None,
        actor: str | None = None,
    ) -> Invoice:
        """Register a payment (→ partially_paid / paid).

        Raises NotFoundError, InvoiceStateError, ValidationError (overpayment, ...).
        """
        check_ids(companyId=company_id, invoiceId=invoice_id)
        check_actor(actor)
        with self.store.unit_of_work() as uow:
            # locked: a send recording its outcome meanwhile waits, and is not refused
            invoice = uow.invoices.get(company_id, invoice_id, for_update=True)
            paid, event = invoice.record_payment(
                amount, paid_on or self.clock.today(), self.clock.now(), reference
            )
            self._work.save(uow, invoice, paid, self._work.stamp(event, actor))
            uow.commit()
        return paid

    def mark_uncollectible(
        self, company_id: str, invoice_id: str, *, actor: str | None = None
    ) -> Invoice:
        """Write an invoice off as uncollectible. Raises NotFoundError, InvoiceStateError."""
        check_ids(companyId=company_id, invoiceId=invoice_id)
        check_actor(actor)
        with self.store.unit_of_work() as uow:
            invoice = uow.invoices.get(company_id, invoice_id, for_update=True)
            written_off, event = invoice.mark_uncollectible(self.clock.now())
            self._work.save(uow, invoice, written_off, self._work.stamp(event, actor))
            uow.commit()
        return written_off

    # -- delivery ------------------------------------------------------------------------

    def send(
        self,
        company_id: str,
        invoice_id: str,
        delivery_type: str,
        *,
        override_email: str | None = None,
        override_ean: str | None = None,
        update_customer_record: bool = False,
        document_template_id: str | None = None,
        idempotency_key: str | None = None,
        actor: str | None = None,
        attach_pdf: bool | None = None,
    ) -> SendResult:
        """Send a document over a channel: a draft is booked first (its
        number allocated) in one transaction with a pending delivery attempt; a booked
        one is sent again under its number. The delivery's outcome is recorded on the
        attempt and returned (``success`` false with the attempt's error when the
        channel failed: the document stays booked and can be sent again).

        Nothing is booked and no number is used when the input, the recipient, the
        channel's pre-flight or the documents fail: ValidationError (naming the field),
        DeliveryRejected / DeliveryUnavailable (pre-flight), InvoiceStateError
        (cancelled), NotFoundError. A repeated ``idempotency_key`` returns the stored
        result without delivering again (ConflictError when reused for another send).

        ``attach_pdf``: whether the e-invoice the send carries (over Peppol, or attached
        to an email) embeds the document's PDF (BG-24); None (the default): as the
        customer asked when the document was booked (``Customer.attach_pdf``). A retry
        of the attempt carries the same e-invoice.
        """
        check_ids(companyId=company_id, invoiceId=invoice_id)
        check_actor(actor)
        self._refuse_in_host_transaction("send")
        return self._sender.send(
            company_id,
            invoice_id,
            delivery_type,
            override_email=override_email,
            override_ean=override_ean,
            update_customer_record=update_customer_record,
            document_template_id=document_template_id,
            idempotency_key=idempotency_key,
            actor=actor,
            attach_pdf=attach_pdf,
        )

    def delivery_status(self, company_id: str, invoice_id: str) -> DeliveryStatus:
        """The document's delivery summary and every attempt. Raises NotFoundError."""
        check_ids(companyId=company_id, invoiceId=invoice_id)
        return self._sender.status(company_id, invoice_id)

    def apply_provider_status(
        self,
        company_id: str,
        provider_reference: str,
        status: str,
        *,
        message: str | None = None,
        details: Mapping[str, str] | None = None,
    ) -> DeliveryAttempt:
        """Append a provider's status (an access point's webhook: "accepted",
        "rejected", ...) to the attempt it delivered as ``provider_reference``, recorded
        in the vocabulary of ``faktura.delivery.einvoice.PROVIDER_STATUSES`` (the provider's
        own word in ``details["providerStatus"]``); a rejection or failure fails the
        attempt. Raises NotFoundError, ValidationError."""
        check_ids(companyId=company_id)
        if details is not None:
            if not isinstance(details, Mapping):
                raise ValidationError("must map text to text", field="details", rule="type")
            for key, value in details.items():
                check_text(key, "details", required=True, limit=200, one_line=True)
                check_text(value, f"details.{key}", limit=2000)
        return self._sender.apply_provider_status(
            company_id, provider_reference, status, message, details
        )

    def recover_deliveries(self, company_id: str, *, actor: str | None = None) -> list[SendResult]:
        """Deliver again, under the same numbers, what crashed sends left pending for
        longer than ``stale_after``; the interrupted attempts are closed as unknown (the
        document may or may not have arrived) and their retries keep the ``dedup_id``."""
        check_ids(companyId=company_id)
        check_actor(actor)
        self._refuse_in_host_transaction("recover_deliveries")
        return self._sender.recover(company_id, actor)

    # -- supporting documents ------------------------------------------------------------

    def add_attachment(
        self,
        company_id: str,
        invoice_id: str,
        attachment: Attachment,
        *,
        actor: str | None = None,
    ) -> SupportingDocument:
        """Keep a supporting document (BG-24) with a draft: every e-invoice of the
        document carries it, after the document's own PDF when that is embedded. Its
        bytes go to the archive (kind ``attachment``); once the document is booked its
        supporting documents are final. Answers what is kept (no bytes).

        Raises NotFoundError, InvoiceStateError (not a draft), ValidationError (``id``
        or ``filename`` of another of the document's supporting documents),
        AttachmentTooLarge (a ValidationError: above ``MAX_FILE_BYTES``,
        ``MAX_DOCUMENT_BYTES`` or ``MAX_ATTACHMENTS``), ConflictError.
        """
        check_ids(companyId=company_id, invoiceId=invoice_id)
        check_actor(actor)
        if not isinstance(attachment, Attachment):
            raise ValidationError("must be an Attachment", field="attachment", rule="type")
        content = attachment.content
        kept = SupportingDocument.kept(attachment, None if content is None else sha256(content))
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            invoice = uow.invoices.get(company_id, invoice_id)
            updated, event = invoice.attach(now, (*invoice.attachments, kept))
            check_supporting(invoice.attachments, attachment)
            if content is not None:
                assert attachment.mime_code is not None  # (Attachment checked it)
                uow.archive.put(
                    company_id,
                    invoice_id,
                    ArchiveKind.ATTACHMENT,
                    content,
                    attachment.mime_code,
                    now,
                )
            self._work.save(uow, invoice, updated, self._work.stamp(event, actor))
            uow.commit()
        return kept

    def remove_attachment(
        self, company_id: str, invoice_id: str, attachment_id: str, *, actor: str | None = None
    ) -> tuple[SupportingDocument, ...]:
        """Take the supporting document ``attachment_id`` (its BT-122 reference) off a
        draft; the ones left. Its bytes stay in the archive (kept for good, like every
        archived file). Raises NotFoundError (also for an unknown attachment),
        InvoiceStateError (not a draft), ConflictError."""
        check_ids(companyId=company_id, invoiceId=invoice_id)
        check_actor(actor)
        check_text(attachment_id, "attachmentId", required=True, limit=200, one_line=True)
        with self.store.unit_of_work() as uow:
            invoice = uow.invoices.get(company_id, invoice_id)
            left = tuple(item for item in invoice.attachments if item.id != attachment_id)
            updated, event = invoice.attach(self.clock.now(), left)
            if len(left) == len(invoice.attachments):
                raise NotFoundError("attachment", attachment_id)
            self._work.save(uow, invoice, updated, self._work.stamp(event, actor))
            uow.commit()
        return left

    def attachments(self, company_id: str, invoice_id: str) -> tuple[SupportingDocument, ...]:
        """The supporting documents kept with the document, in the order added (their
        bytes: ``archived_document(company_id, item.sha256)``). Raises NotFoundError."""
        return self.get_invoice(company_id, invoice_id).attachments

    # -- documents -----------------------------------------------------------------------

    def render_pdf(self, company_id: str, invoice_id: str, *, draft: bool = False) -> bytes:
        """The document's PDF.

        Of a booked document: the archived PDF, exactly the bytes that were sent; before
        any send, a render of what it was issued with (``Invoice.issued``), archived so
        that later sends and reads reuse these very bytes. Of a draft: a render with the
        template a send would use (the customer's, else the company's). ``draft``
        stamps the watermark (a preview, never archived).

        Raises NotFoundError, ConfigurationError (no pdf extra), ValidationError
        (unknown template), RenderError.
        """
        check_ids(companyId=company_id, invoiceId=invoice_id)
        if not isinstance(draft, bool):
            raise ValidationError("must be true or false", field="draft", rule="type")
        return self._documents.file(company_id, invoice_id, ArchiveKind.PDF, draft)

    def render_ubl(
        self, company_id: str, invoice_id: str, *, attach_pdf: bool | None = None
    ) -> bytes:
        """The UBL e-invoice of a booked document: the archived one (what was sent),
        else one made from what it was issued with, archived.

        ``attach_pdf``: whether it embeds the document's PDF (BG-24; the archived PDF,
        the very bytes ``render_pdf`` answers); None (the default): as the customer asked
        when the document was booked (``Customer.attach_pdf``). Each variant is archived
        apart, so both read back byte for byte.

        Raises NotFoundError, InvoiceStateError (a draft), ValidationError.
        """
        check_ids(companyId=company_id, invoiceId=invoice_id)
        check_attach_pdf(attach_pdf)
        return self._documents.file(company_id, invoice_id, ArchiveKind.UBL, False, attach_pdf)

    def archived_documents(self, company_id: str, invoice_id: str) -> list[ArchivedDocument]:
        """What was archived for the document (PDF, UBL, emails as sent, the logo),
        oldest first. Raises NotFoundError."""
        check_ids(companyId=company_id, invoiceId=invoice_id)
        with self.store.unit_of_work(readonly=True) as uow:
            uow.invoices.get(company_id, invoice_id)
            return uow.archive.for_invoice(company_id, invoice_id)

    def archived_document(self, company_id: str, digest: str) -> bytes:
        """The archived bytes with that sha256. Raises NotFoundError."""
        check_ids(companyId=company_id, sha256=digest)
        with self.store.unit_of_work(readonly=True) as uow:
            return uow.archive.get(company_id, digest)

    # -- api keys ------------------------------------------------------------------------

    def create_api_key(
        self, company_id: str, name: str, scopes: Iterable[str]
    ) -> tuple[ApiKey, str]:
        """A new key of the company and its secret, shown this once (only its digest is
        stored). Raises NotFoundError, ValidationError (unknown scope)."""
        check_ids(companyId=company_id)
        key, secret = ApiKey.issue(
            secrets.token_hex(8),
            company_id,
            name,
            scopes,
            created_at=self.clock.now(),
            token=secrets.token_bytes(32),
        )
        with self.store.unit_of_work() as uow:
            uow.companies.get(company_id)
            uow.api_keys.add(key)
            uow.commit()
        return key, secret

    def authenticate(self, presented: object) -> ApiKey:
        """The active key ``presented`` is the secret of. Raises AuthenticationError,
        the same for a malformed, unknown, wrong or revoked key."""
        parsed = parse_key(presented) if isinstance(presented, str) else None
        if parsed is not None:
            with self.store.unit_of_work(readonly=True) as uow:
                try:
                    key = uow.api_keys.get(parsed[0])
                except NotFoundError:
                    key = None
            if key is not None and key.verify(presented):  # type: ignore[arg-type]
                return key
        raise AuthenticationError("a valid API key is required (header x-api-key)")

    def list_api_keys(self, company_id: str) -> list[ApiKey]:
        """The company's keys (digests only), oldest first."""
        check_ids(companyId=company_id)
        with self.store.unit_of_work(readonly=True) as uow:
            return uow.api_keys.for_company(company_id)

    def revoke_api_key(self, company_id: str, key_id: str) -> ApiKey:
        """Revoke a key of the company. Raises NotFoundError (also for another
        company's key)."""
        check_ids(companyId=company_id, keyId=key_id)
        with self.store.unit_of_work() as uow:
            key = uow.api_keys.get(key_id)
            if key.company_id != company_id:
                raise NotFoundError("api key", key_id)
            revoked = key.revoked(self.clock.now())
            uow.api_keys.update(revoked)
            uow.commit()
        return revoked


_SERIES_FIELDS = (
    (DocumentKind.INVOICE, "invoice_series"),
    (DocumentKind.CREDIT_NOTE, "credit_note_series"),
)
_WIRE_NAMES = {"invoice_series": "invoiceSeries", "credit_note_series": "creditNoteSeries"}


def _check_series_change(
    uow: UnitOfWork, before: Company, after: Company, kind: DocumentKind, name: str
) -> None:
    """NumberingError when the ``kind`` series changes how it numbers (pattern, start,
    reset) although documents are booked in it."""
    old, new = before.series_for(kind), after.series_for(kind)
    changed = [
        field
        for field in ("pattern", "start", "reset")
        if getattr(old, field) != getattr(new, field)
    ]
    if not changed or not _has_booked(uow, before.id, kind):
        return
    raise NumberingError._from_errors(
        FieldError(
            f"{_WIRE_NAMES[name]}.{field}",
            "series_in_use",
            "cannot change once documents are booked in the series",
        )
        for field in changed
    )


def _has_booked(uow: UnitOfWork, company_id: str, kind: DocumentKind) -> bool:
    """Whether the company has booked a document of ``kind`` (it holds a number)."""
    return any(
        uow.invoices.list(company_id, InvoiceQuery(limit=1, status=status, kind=kind)).total
        for status in sorted(BOOKED_STATUSES)
    )


def _refuse_identity_changes(changes: Mapping[str, Any], *names: str) -> None:
    for name in names:
        if name in changes:
            raise ValidationError("cannot be changed", field=wire_name(name), rule="immutable")


_STATUS_VALUES = [status.value for status in Status]


def _customer_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """A customer's fields as given, ``payment_terms`` given as days net made terms."""
    if fields.get("payment_terms") is not None:
        fields["payment_terms"] = _terms(fields["payment_terms"])
    return fields


def _check_search(search: object) -> None:
    if search is not None and (not isinstance(search, str) or len(search) > 200):
        raise ValidationError(
            "must be text of at most 200 characters", field="search", rule="length"
        )


def _field_error(field: str, message: str) -> FieldError:
    return FieldError(field, "reference", message)


def _command(value: Any, kind: type, name: str) -> Any:
    """``value`` when it is a ``kind``; a ValidationError naming ``name`` otherwise."""
    if not isinstance(value, kind):
        raise ValidationError(f"must be a {kind.__name__}", field=name, rule="type")
    return value


def _vat_defaults(company: Company, customer: Customer) -> VatDefaults:
    """The VAT a LineInput leaves out: the customer's zone's category, the company's
    standard rate."""
    return customer.vat_zone.default_category, company.standard_vat_rate


def _terms(value: Any) -> PaymentTerms:
    """Payment terms given as terms or as whole days net."""
    return value if isinstance(value, PaymentTerms) else PaymentTerms.net(value)


def _collect(errors: list[FieldError], build: Callable[..., T], *args: Any) -> T | None:
    """``build(*args)``, or None with its ValidationError's fields added to ``errors``."""
    try:
        return build(*args)
    except ValidationError as exc:
        errors.extend(exc.errors)
        return None


def _resolve_items(fields: dict[str, Any], defaults: VatDefaults, errors: list[FieldError]) -> None:
    """The lines and allowances/charges among a draft's ``fields`` made domain values
    with the VAT ``defaults``; the fields of every bad one added to ``errors``."""
    if "lines" in fields:
        fields["lines"] = _collect(errors, resolve_lines, fields["lines"], defaults) or ()
    if "allowance_charges" in fields:
        fields["allowance_charges"] = (
            _collect(errors, resolve_allowance_charges, fields["allowance_charges"], defaults) or ()
        )
