"""The Billing facade: every use case of invoicing, each in one unit of work.

The use cases that are more than a read and one transition of the aggregate have a
module of their own in this package, composed here: companies and customers
(``parties``), drafts and their supporting documents (``drafts``), API keys
(``api_keys``), booking (``booking``), sending (``sending``), rendering
(``rendering``), schedules (``recurring``), batch booking and billing runs (``runs``),
overdue news (``overdue``), webhook endpoints (``webhook_endpoints``) and the dispatcher
of the outbox's events (``dispatch``); all share the unit-of-work steps of ``work``.
What stays here is a read or one transition each (reading and listing documents,
crediting, payments, writing off). See the package's docstring for an example.

Why one file over 500 lines: ``Billing`` is the library's public surface, one method
per use case, and each method's docstring is its contract (what it takes, defaults and
raises); the methods themselves delegate or are a few lines. Splitting the class would
scatter that contract across files without taking any work out of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import attrs

from faktura.apikeys import ApiKey
from faktura.attachments import Attachment, SupportingDocument
from faktura.billing.api_keys import ApiKeys
from faktura.billing.attempts import Deliveries
from faktura.billing.booking import Booking
from faktura.billing.collecting import Collecting
from faktura.billing.dispatch import Callback, Dispatcher
from faktura.billing.drafts import Drafts
from faktura.billing.overdue import OverdueNews
from faktura.billing.parties import Parties
from faktura.billing.receipts import Receipts
from faktura.billing.recurring import Schedules
from faktura.billing.reminders import Dunning
from faktura.billing.rendering import Documents
from faktura.billing.runs import BatchBooking, RunProgress, Runs, RunSummary
from faktura.billing.sending import Sender
from faktura.billing.webhook_endpoints import KEEP, WebhookEndpoints
from faktura.billing.work import (
    Work,
    check_actor,
    check_ids,
    check_search,
    new_id,
    page_args,
)
from faktura.checks import check_bool, check_date, check_enum, check_id, check_text
from faktura.commands import (
    CompanyChanges,
    CompanyProfile,
    CustomerChanges,
    DraftChanges,
    LineInput,
    NewCustomer,
    NewDraft,
    NewSchedule,
    ScheduleChanges,
)
from faktura.delivery.channel import DeliveryChannel
from faktura.delivery.log import DeliveryAttempt, DeliveryStatus, SendResult
from faktura.documents.source import check_attach_pdf
from faktura.dunning import ReferenceRates
from faktura.errors import ConfigurationError, ValidationError
from faktura.exchange import ExchangeRates
from faktura.invoice import Invoice
from faktura.issuability import JURISDICTIONS, RuleSet
from faktura.issued import ArchivedDocument, ArchiveKind
from faktura.lines import Line
from faktura.outbox import WebhookEndpoint
from faktura.parties import Company, Customer
from faktura.ports import (
    MIN_SEARCH_LENGTH,
    OVERDUE,
    Clock,
    CustomerDirectory,
    InvoiceQuery,
    ListResult,
    Store,
    SystemClock,
)
from faktura.records import InvoiceEvent
from faktura.schedules import Schedule, current_month, parse_window
from faktura.status import DocumentKind, Status
from faktura.summary import InvoiceSummary

__all__ = ["Billing", "InvoiceList", "new_id"]


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


class Billing(Collecting):
    """The use cases of invoicing for any number of companies (tenants).

    ``customers`` plugs in a host's own CustomerDirectory (used outside faktura's units
    of work); by default customers live in the store. A store may keep no customers or
    no API keys (its unit of work's ``customers`` or ``api_keys`` None): a use case that
    needs them then raises ConfigurationError. ``ids`` makes new ids
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
    ``reference_rates``: the host's table of reference rates (``faktura.dunning``), asked
    for the late-payment interest reminders charge; without it a policy that charges
    interest is refused (ConfigurationError). The use cases of getting paid (reminders,
    payments by reference, bank statements, refunds, statements) are ``Collecting``'s.
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
        reference_rates: ReferenceRates | None = None,
    ) -> None:
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self._work = Work(store, self.clock, ids, customers)
        self._booking = Booking(self._work, jurisdictions, exchange_rates)
        self._documents = Documents(self._work)
        self._parties = Parties(self._work)
        self._drafts = Drafts(self._work)
        self._api_keys = ApiKeys(self._work)
        self._deliveries = Deliveries(self._work)
        self._webhooks = WebhookEndpoints(self._work)
        if channels is None:
            from faktura.delivery.manual import ManualChannel

            channels = {"manual": ManualChannel()}
        self._sender = Sender(self._work, self._booking, self._documents, channels, stale_after)
        self._schedules = Schedules(self._work, frozenset(channels))
        self._runs = Runs(self._work, self._booking, self._drafts, self._sender)
        self._overdue = OverdueNews(self._work)
        self._dunning = Dunning(self._work, channels, reference_rates)
        self._receipts = Receipts(self._work)

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
        return self._parties.create_company(profile)

    def get_company(self, company_id: str) -> Company:
        """The company. Raises NotFoundError."""
        return self._parties.get_company(company_id)

    def list_companies(self) -> list[Company]:
        """Every company of the store, by id (for operators: not tenant-scoped)."""
        return self._parties.list_companies()

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
        return self._parties.update_company(company_id, changes)

    # -- customers -----------------------------------------------------------------------

    def create_customer(self, company_id: str, customer: NewCustomer) -> Customer:
        """A new customer of the company. Raises NotFoundError, ValidationError."""
        return self._parties.create_customer(company_id, customer)

    def get_customer(self, company_id: str, customer_id: str) -> Customer:
        """The customer. Raises NotFoundError (also for another company's)."""
        return self._parties.get_customer(company_id, customer_id)

    def update_customer(
        self, company_id: str, customer_id: str, changes: CustomerChanges
    ) -> Customer:
        """Change a customer: the fields ``changes`` sets. Raises NotFoundError,
        ValidationError."""
        return self._parties.update_customer(company_id, customer_id, changes)

    def list_customers(
        self, company_id: str, page: int = 1, limit: int = 20, search: str | None = None
    ) -> ListResult[Customer]:
        """A page of the company's customers by name; ``search`` matches a fragment of
        name or number. Raises ValidationError for a bad page, limit or search."""
        return self._parties.list_customers(company_id, page, limit, search)

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
        return self._drafts.create(company_id, draft, actor=actor)

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
        return self._drafts.update(
            company_id, invoice_id, changes, expected_version=expected_version, actor=actor
        )

    def cancel_draft(
        self, company_id: str, invoice_id: str, *, actor: str | None = None
    ) -> Invoice:
        """Cancel a draft; a cancelled credit-note draft is released from its invoice.

        Raises NotFoundError, InvoiceStateError (booked documents are credited instead).
        """
        return self._drafts.cancel(company_id, invoice_id, actor=actor)

    # -- reading -------------------------------------------------------------------------

    def get_invoice(self, company_id: str, invoice_id: str) -> Invoice:
        """The document. Raises NotFoundError (also for another company's)."""
        check_ids(company_id=company_id, invoice_id=invoice_id)
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
        check_ids(company_id=company_id)
        if customer_id is not None:
            check_id(customer_id, "customer_id")
        if kind is not None:
            kind = check_enum(kind, DocumentKind, "kind")
        page, limit = page_args(page, limit)
        if status is not None and status != OVERDUE:
            if not isinstance(status, str) or status not in _STATUS_VALUES:
                allowed = ", ".join([*_STATUS_VALUES, OVERDUE])
                raise ValidationError(f"must be one of: {allowed}", field="status", rule="enum")
            status = Status(status)
        check_search(search)
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
        check_ids(company_id=company_id, invoice_id=invoice_id)
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
        check_ids(company_id=company_id, invoice_id=invoice_id)
        check_actor(actor)
        with self.store.unit_of_work() as uow:
            booked = self._booking.book(uow, company_id, invoice_id, actor)
            uow.commit()
        return booked

    def book_many(
        self,
        company_id: str,
        invoice_ids: Sequence[str],
        *,
        batch_size: int = 100,
        actor: str | None = None,
    ) -> BatchBooking:
        """Book many drafts, ``batch_size`` of them per unit of work, each as ``book``
        does (the same gate, the next numbers of the series, consecutive within a
        batch). A draft that is refused (ValidationError, InvoiceStateError,
        NumberingError, NotFoundError, or ConflictError when another writer changed it)
        is reported in ``failed`` with its error and skipped: no number is used for it,
        and the rest of its batch is booked."""
        check_ids(company_id=company_id)
        check_actor(actor)
        ids = _id_list(invoice_ids, "invoice_ids")
        return self._runs.book_many(company_id, ids, _batch_size(batch_size), actor)

    def report_overdue(
        self, company_id: str, *, today: date | None = None, actor: str | None = None
    ) -> int:
        """Write an "overdue" event (and its outbox message) for each document of the
        company that is owed and past its due date on ``today`` (the clock's by default)
        and has none yet: the news a host's subscribers get when a due date passes. Run
        it daily; it reports each document once. Returns how many it reported."""
        check_ids(company_id=company_id)
        check_actor(actor)
        day = self.clock.today() if today is None else check_date(today, "today")
        return self._overdue.report(company_id, day, actor)

    # -- recurring invoices --------------------------------------------------------------

    def create_schedule(
        self, company_id: str, schedule: NewSchedule, *, actor: str | None = None
    ) -> Schedule:
        """A new recurring invoice of a customer (``faktura.schedules``: what it bills
        when). Raises ValidationError naming the field (``customer_id``, ``channel``,
        ``lines.0.unit_price``, ``anchor_day`` ...), NotFoundError (company)."""
        return self._schedules.create(company_id, schedule, actor)

    def get_schedule(self, company_id: str, schedule_id: str) -> Schedule:
        """The schedule. Raises NotFoundError."""
        return self._schedules.get(company_id, schedule_id)

    def list_schedules(
        self, company_id: str, *, after: str | None = None, limit: int = 100
    ) -> list[Schedule]:
        """Up to ``limit`` (1-1000) of the company's schedules by id, those after the
        schedule id ``after`` when given."""
        return self._schedules.list(company_id, after, limit)

    def update_schedule(
        self,
        company_id: str,
        schedule_id: str,
        changes: ScheduleChanges,
        *,
        expected_version: int | None = None,
        actor: str | None = None,
    ) -> Schedule:
        """Change a schedule's settings (end, paused, channel, terms, description).
        Raises ValidationError, NotFoundError, ConflictError (``expected_version``)."""
        return self._schedules.update(company_id, schedule_id, changes, expected_version, actor)

    def change_schedule_lines(
        self,
        company_id: str,
        schedule_id: str,
        effective: date,
        lines: Sequence[Line | LineInput],
        *,
        expected_version: int | None = None,
        actor: str | None = None,
    ) -> Schedule:
        """Bill ``lines`` from ``effective`` on (a new version of the schedule; a period
        the change splits is prorated by day or not, as the schedule says). Raises
        ValidationError (``effective`` not after the last change, a bad line),
        NotFoundError, ConflictError."""
        return self._schedules.change_lines(
            company_id, schedule_id, effective, lines, expected_version, actor
        )

    def run_billing(
        self,
        company_id: str,
        period: str | tuple[date, date] | None = None,
        *,
        batch_size: int = 100,
        deliver: bool = True,
        progress: Callable[[RunProgress], None] | None = None,
        actor: str | None = None,
    ) -> RunSummary:
        """Bill every schedule of the company whose periods fall due in ``period`` (a
        month "2026-12", "2026-12-01..2026-12-15", or (first, last) dates; None: the
        month of the clock's today), ``batch_size`` documents created and booked per
        unit of work, then delivered over each schedule's channel outside it. Safe to
        run again after a crash or beside another run: no period is billed twice or
        skipped (``faktura.billing.runs``). ``progress`` is called after each batch."""
        check_ids(company_id=company_id)
        check_actor(actor)
        check_bool(deliver, "deliver")
        if progress is not None and not callable(progress):
            raise ValidationError("must be a function or None", field="progress", rule="type")
        first, last = _window(period, self.clock.today())
        if deliver:
            self._refuse_in_host_transaction("run_billing")
        return self._runs.run(
            company_id, first, last, _batch_size(batch_size), deliver, progress, actor
        )

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
        check_ids(company_id=company_id, invoice_id=invoice_id)
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
        check_ids(company_id=company_id, invoice_id=invoice_id)
        check_actor(actor)
        with self.store.unit_of_work() as uow:
            # locked: a send recording its outcome meanwhile waits, and is not refused
            invoice = uow.invoices.get(company_id, invoice_id, for_update=True)
            paid, event = invoice.record_payment(
                amount,
                paid_on or self.clock.today(),
                self.clock.now(),
                reference,
                payment_id=f"pay_{new_id()}",
            )
            self._work.save(uow, invoice, paid, self._work.stamp(event, actor))
            uow.commit()
        return paid

    def mark_uncollectible(
        self, company_id: str, invoice_id: str, *, actor: str | None = None
    ) -> Invoice:
        """Write an invoice off as uncollectible. Raises NotFoundError, InvoiceStateError."""
        check_ids(company_id=company_id, invoice_id=invoice_id)
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
        check_ids(company_id=company_id, invoice_id=invoice_id)
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
        check_ids(company_id=company_id, invoice_id=invoice_id)
        return self._deliveries.status(company_id, invoice_id)

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
        check_ids(company_id=company_id)
        if details is not None:
            if not isinstance(details, Mapping):
                raise ValidationError("must map text to text", field="details", rule="type")
            for key, value in details.items():
                check_text(key, "details", required=True, limit=200, one_line=True)
                check_text(value, f"details.{key}", limit=2000)
        return self._deliveries.apply_provider_status(
            company_id, provider_reference, status, message, details
        )

    def recover_deliveries(self, company_id: str, *, actor: str | None = None) -> list[SendResult]:
        """Deliver again, under the same numbers, what crashed sends left pending for
        longer than ``stale_after``; the interrupted attempts are closed as unknown (the
        document may or may not have arrived) and their retries keep the ``dedup_id``."""
        check_ids(company_id=company_id)
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
        return self._drafts.add_attachment(company_id, invoice_id, attachment, actor=actor)

    def remove_attachment(
        self, company_id: str, invoice_id: str, attachment_id: str, *, actor: str | None = None
    ) -> tuple[SupportingDocument, ...]:
        """Take the supporting document ``attachment_id`` (its BT-122 reference) off a
        draft; the ones left. Its bytes stay in the archive (kept for good, like every
        archived file). Raises NotFoundError (also for an unknown attachment),
        InvoiceStateError (not a draft), ConflictError."""
        return self._drafts.remove_attachment(company_id, invoice_id, attachment_id, actor=actor)

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
        check_ids(company_id=company_id, invoice_id=invoice_id)
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
        check_ids(company_id=company_id, invoice_id=invoice_id)
        check_attach_pdf(attach_pdf)
        return self._documents.file(company_id, invoice_id, ArchiveKind.UBL, False, attach_pdf)

    def archived_documents(self, company_id: str, invoice_id: str) -> list[ArchivedDocument]:
        """What was archived for the document (PDF, UBL, emails as sent, the logo),
        oldest first. Raises NotFoundError."""
        check_ids(company_id=company_id, invoice_id=invoice_id)
        with self.store.unit_of_work(readonly=True) as uow:
            uow.invoices.get(company_id, invoice_id)
            return uow.archive.for_invoice(company_id, invoice_id)

    def archived_document(self, company_id: str, digest: str) -> bytes:
        """The archived bytes with that sha256. Raises NotFoundError."""
        check_ids(company_id=company_id, sha256=digest)
        with self.store.unit_of_work(readonly=True) as uow:
            return uow.archive.get(company_id, digest)

    # -- api keys ------------------------------------------------------------------------

    def create_api_key(
        self, company_id: str, name: str, scopes: Iterable[str]
    ) -> tuple[ApiKey, str]:
        """A new key of the company and its secret, shown this once (only its digest is
        stored). Raises NotFoundError, ValidationError (unknown scope), ConfigurationError
        (the store keeps no API keys)."""
        return self._api_keys.create(company_id, name, scopes)

    def authenticate(self, presented: object) -> ApiKey:
        """The active key ``presented`` is the secret of. Raises AuthenticationError,
        the same for a malformed, unknown, wrong or revoked key."""
        return self._api_keys.authenticate(presented)

    def list_api_keys(self, company_id: str) -> list[ApiKey]:
        """The company's keys (digests only), oldest first."""
        return self._api_keys.for_company(company_id)

    def revoke_api_key(self, company_id: str, key_id: str) -> ApiKey:
        """Revoke a key of the company. Raises NotFoundError (also for another
        company's key)."""
        return self._api_keys.revoke(company_id, key_id)

    # -- events: webhooks and the callback -----------------------------------------------

    def create_webhook_endpoint(
        self,
        company_id: str,
        url: str,
        events: Iterable[str] = (),
        description: str | None = None,
    ) -> tuple[WebhookEndpoint, str]:
        """A new webhook endpoint of the company, POSTed the events of the types in
        ``events`` (every type when empty; ``faktura.outbox.EVENT_TYPES``), and its
        signing secret, to be shown this once. Raises NotFoundError, ValidationError
        (``url``, ``events``, ``description``)."""
        return self._webhooks.create(company_id, url, events, description)

    def webhook_endpoints(self, company_id: str) -> list[WebhookEndpoint]:
        """The company's webhook endpoints, oldest first."""
        return self._webhooks.list(company_id)

    def get_webhook_endpoint(self, company_id: str, endpoint_id: str) -> WebhookEndpoint:
        """The endpoint. Raises NotFoundError (also for another company's)."""
        return self._webhooks.get(company_id, endpoint_id)

    def update_webhook_endpoint(
        self,
        company_id: str,
        endpoint_id: str,
        *,
        url: Any = KEEP,
        events: Any = KEEP,
        enabled: Any = KEEP,
        description: Any = KEEP,
    ) -> WebhookEndpoint:
        """Change the arguments given of an endpoint (``description`` None clears it;
        ``enabled`` False stops its deliveries, which fail and are retried meanwhile).
        Raises NotFoundError, ValidationError naming the field."""
        return self._webhooks.update(
            company_id,
            endpoint_id,
            url=url,
            events=events,
            enabled=enabled,
            description=description,
        )

    def delete_webhook_endpoint(self, company_id: str, endpoint_id: str) -> None:
        """Delete an endpoint; its open hand-offs are given up. Raises NotFoundError."""
        self._webhooks.delete(company_id, endpoint_id)

    def rotate_webhook_secret(
        self, company_id: str, endpoint_id: str
    ) -> tuple[WebhookEndpoint, str]:
        """A new signing secret for the endpoint, shown this once; from now on every
        webhook is signed with it. Raises NotFoundError."""
        return self._webhooks.rotate_secret(company_id, endpoint_id)

    def dispatcher(self, callback: Callback | None = None, **options: Any) -> Dispatcher:
        """A dispatcher of the store's outbox (``faktura.billing.dispatch``) handing the
        events to ``callback`` (called with each event's wire form) and the companies'
        webhook endpoints; ``options`` are Dispatcher's (``batch``, ``lease``,
        ``timeout``, ``sender``). Refused (ConfigurationError) on a store that joins the
        host's transaction: it POSTs outside any transaction."""
        self._refuse_in_host_transaction("dispatch")
        return Dispatcher(self.store, self.clock, callback, **options)


_STATUS_VALUES = [status.value for status in Status]


def _batch_size(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10_000:
        raise ValidationError("must be a whole number 1-10000", field="batch_size", rule="range")
    return value


def _id_list(values: object, field: str) -> list[str]:
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise ValidationError("must be a list of ids", field=field, rule="type")
    for index, value in enumerate(values):
        check_id(value, f"{field}.{index}")
    return list(values)


def _window(period: object, today: date) -> tuple[date, date]:
    if period is None:
        return current_month(today)
    if isinstance(period, tuple) and len(period) == 2:
        first, last = (check_date(day, "period") for day in period)
        if last < first:
            raise ValidationError("must not end before it starts", field="period", rule="range")
        return first, last
    return parse_window(period)
