"""The documents, parties and helpers the store contract builds its tests from, and the
hooks a store declares itself with (``StoreLocation``, ``lacks``).

Hosts may use the builders in their own tests (``draft``, ``seeded``, ``add``...).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

import attrs

from faktura.apikeys import ApiKey
from faktura.delivery.channel import DeliveryType, Recipient, RecipientKind
from faktura.delivery.log import DeliveryAttempt
from faktura.invoice import Invoice
from faktura.lines import ProductLine
from faktura.numbering import NumberSeries, Reset
from faktura.outbox import OutboxMessage, WebhookEndpoint
from faktura.parties import Address, BankAccount, Company, Customer
from faktura.ports import Store
from faktura.records import InvoiceEvent
from faktura.schedules import Cadence, Schedule, ScheduleVersion, Timing
from faktura.terms import PaymentTerms
from faktura.testing.parties import BUYER_ADDRESS, SELLER_ADDRESS
from faktura.vat import VatCategory

__all__ = [
    "AT",
    "DAY",
    "OPTIONAL_REPOSITORIES",
    "PNG_LOGO",
    "STEPS",
    "StoreFactory",
    "StoreLocation",
    "add",
    "advance",
    "api_key",
    "attempt",
    "company",
    "customer",
    "draft",
    "endpoint",
    "full_company",
    "lacks",
    "message",
    "past_due",
    "payable",
    "schedule",
    "seeded",
]

AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
DAY = date(2026, 11, 25)
StoreFactory = Callable[[], Store]


def company(company_id: str = "co-a") -> Company:
    """A Danish seller complete enough to issue documents (CVR and address)."""
    return Company(
        id=company_id, name=f"Company {company_id}", cvr="13585628", address=SELLER_ADDRESS
    )


def customer(company_id: str = "co-a", customer_id: str = "cu-1", name: str = "Fjord") -> Customer:
    """A buyer with an address, as a Danish invoice names it."""
    return Customer(
        id=customer_id, company_id=company_id, name=name, number=customer_id, address=BUYER_ADDRESS
    )


#: A small valid PNG (1x1 pixel, transparent): logos are stored as bytes.
PNG_LOGO = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def full_company(company_id: str = "co-full") -> Company:
    """A company with every profile field set (address, bank, FIK, logo, series...)."""
    return Company(
        id=company_id,
        name="Nordlys ApS",
        address=Address("Havnegade 1", "København K", "1058", "DK", "2. sal"),
        cvr="13585628",
        vat_id="DK13585628",
        ean="5790000435951",
        bank=BankAccount("1234", "1234567890", "DK5000400440116243", "DABADKKK"),
        fik_creditor="12345678",
        currency="EUR",
        payment_terms=PaymentTerms.net(14),
        locale="en",
        email="billing@nordlys.dk",
        phone="+45 12 34 56 78",
        invoice_series=NumberSeries("{year}-{seq:04}", start=100, reset=Reset.YEARLY),
        credit_note_series=NumberSeries("CN{yy}{month}-{seq}", reset=Reset.MONTHLY),
        logo=PNG_LOGO,
        document_template="modern",
    )


def draft(
    invoice_id: str,
    company_id: str = "co-a",
    customer_id: str = "cu-1",
    issue_date: date = DAY,
    description: str | None = None,
    price: str = "100.00",
) -> Invoice:
    invoice, _ = Invoice.draft(
        id=invoice_id,
        company_id=company_id,
        customer_id=customer_id,
        issue_date=issue_date,
        currency="DKK",
        payment_terms=PaymentTerms.net(8),
        at=AT,
        lines=[ProductLine("Hours", Decimal(1), Decimal(price), VatCategory.S, Decimal(25))],
        description=description,
    )
    return invoice


def seeded(store: Store, *companies: str) -> Store:
    with store.unit_of_work() as uow:
        for company_id in companies or ("co-a",):
            uow.companies.add(company(company_id))
            if uow.customers is not None:  # a store may keep no customers (see ``lacks``)
                uow.customers.add(customer(company_id))
                uow.customers.add(customer(company_id, "cu-2", "Arctic"))
        uow.commit()
    return store


def add(store: Store, *invoices: Invoice) -> None:
    with store.unit_of_work() as uow:
        for invoice in invoices:
            uow.invoices.add(invoice)
        uow.commit()


def payable(
    invoice_id: str,
    due_date: date,
    prepaid: str = "0",
    customer_id: str = "cu-1",
    company_id: str = "co-a",
) -> Invoice:
    """A draft of 250.00 DKK (2 hours at 100.00, 25 % VAT) due on ``due_date``, of which
    ``prepaid`` was paid in advance (prepaid amount, BT-113)."""
    invoice, _ = Invoice.draft(
        id=invoice_id,
        company_id=company_id,
        customer_id=customer_id,
        issue_date=due_date - timedelta(days=8),
        due_date=due_date,
        currency="DKK",
        payment_terms=PaymentTerms.net(8),
        at=AT,
        lines=[ProductLine("Hours", Decimal(2), Decimal("100.00"), VatCategory.S, Decimal(25))],
        prepaid_amount=Decimal(prepaid),
    )
    return invoice


#: What may happen to an invoice after it is drafted (``advance``).
STEPS = (
    "book",
    "deliver",
    "pay part",
    "pay rest",
    "credit part",
    "credit rest",
    "write off",
    "cancel",
)


def advance(invoice: Invoice, step: str, serial: str) -> tuple[Invoice, Invoice | None]:
    """``invoice`` after ``step`` (one of ``STEPS``), and the credit note draft a credit
    makes. ``serial`` makes the number and credit note id unique. Raises
    InvoiceStateError or ValidationError where the invoice refuses the step."""
    if step == "book":
        return invoice.book(f"N-{serial}", AT).invoice, None
    if step == "deliver":
        return invoice.mark_delivered(AT).invoice, None
    if step in ("pay part", "pay rest"):
        owed = invoice.outstanding
        amount = owed if step == "pay rest" else (owed / 2).quantize(Decimal("0.01"))
        return invoice.record_payment(amount, DAY, AT).invoice, None
    if step in ("credit part", "credit rest"):
        lines = [(0, Decimal(1))] if step == "credit part" else None
        credited = invoice.credit(f"cn-{serial}", AT, DAY, lines)
        return credited.invoice, credited.credit_note
    if step == "write off":
        return invoice.mark_uncollectible(AT).invoice, None
    if step == "cancel":
        return invoice.cancel(AT).invoice, None
    raise ValueError(f"unknown step {step!r}")


def past_due(today: date = DAY) -> list[Invoice]:
    """Documents 60 days past due on ``today``, owed and not: booked and delivered (owed),
    fully prepaid (not owed), paid in part (owed), half prepaid and credited beyond the
    rest (not owed, yet still "sent"), with that credit note's draft, and a draft."""
    due = today - timedelta(days=60)

    def after(invoice: Invoice, *steps: str) -> list[Invoice]:
        made: list[Invoice] = []
        for n, step in enumerate(steps):
            invoice, note = advance(invoice, step, f"{invoice.id}-{n}")
            made += [note] if note is not None else []
        return [invoice, *made]

    return [
        *after(payable("owed", due), "book", "deliver"),
        *after(payable("prepaid", due, prepaid="250.00"), "book", "deliver"),
        *after(payable("paid-in-part", due), "book", "pay part"),
        *after(payable("credited", due, prepaid="150.00"), "book", "deliver", "credit part"),
        payable("draft", due),
    ]


def attempt(
    attempt_id: str,
    invoice_id: str = "inv-1",
    sequence: int = 1,
    company_id: str = "co-a",
    key: str | None = None,
    minutes: int = 0,
) -> DeliveryAttempt:
    return DeliveryAttempt(
        id=attempt_id,
        company_id=company_id,
        invoice_id=invoice_id,
        sequence=sequence,
        delivery_type=DeliveryType.SPROOM,
        recipient=Recipient(RecipientKind.PEPPOL, "5790000435951", "Fjord", "0088"),
        started_at=AT + timedelta(minutes=minutes),
        idempotency_key=key,
        request="sproom",
    )


def api_key(key_id: str, company_id: str = "co-a", minutes: int = 0) -> ApiKey:
    key, _ = ApiKey.issue(
        key_id,
        company_id,
        f"key {key_id}",
        ["invoices-read", "invoices-write"],
        created_at=AT + timedelta(minutes=minutes),
        token=key_id.encode() * 2,
    )
    return key


def message(
    message_id: str,
    company_id: str = "co-a",
    minutes: int | None = 0,
    invoice_id: str = "inv-1",
    tz: tzinfo = UTC,
) -> OutboxMessage:
    """An outbox message of a "booked" event, due ``minutes`` after AT (in the time zone
    ``tz``: the same instant however it is written); finished when ``minutes`` is None."""
    at = (AT + timedelta(minutes=minutes or 0)).astimezone(tz)
    event = InvoiceEvent(invoice_id, "booked", at, {"number": "1"}, actor="contract")
    made = OutboxMessage.of(message_id, company_id, event)
    return made if minutes is not None else attrs.evolve(made, next_at=None)


def endpoint(endpoint_id: str, company_id: str = "co-a", minutes: int = 0) -> WebhookEndpoint:
    """A webhook endpoint of the company asking for booked and paid documents."""
    return WebhookEndpoint(
        id=endpoint_id,
        company_id=company_id,
        url=f"https://hooks.example.com/{company_id}/{endpoint_id}",
        secret=f"whsec-{endpoint_id}",
        created_at=AT + timedelta(minutes=minutes),
        events=frozenset({"booked", "payment_recorded"}),
        description=f"endpoint {endpoint_id}",
    )


def schedule(
    schedule_id: str, company_id: str = "co-a", customer_id: str = "cu-1", price: str = "100.00"
) -> Schedule:
    """A monthly schedule billing one line in advance from DAY."""
    line = ProductLine("Hosting", Decimal(1), Decimal(price), VatCategory.S, Decimal(25))
    return Schedule(
        id=schedule_id,
        company_id=company_id,
        customer_id=customer_id,
        cadence=Cadence.monthly(),
        timing=Timing.ADVANCE,
        start=DAY,
        versions=(ScheduleVersion(DAY, (line,)),),
        created_at=AT,
        updated_at=AT,
        payment_terms=PaymentTerms.net(14),
        description=f"schedule {schedule_id}",
    )


#: The repositories a store may do without: a unit of work's ``customers`` is None when
#: the host keeps customers in its own system (``Billing(customers=...)``), its
#: ``api_keys`` None when the host authenticates its users itself (no HTTP API keys).
OPTIONAL_REPOSITORIES = ("customers", "api_keys")


def lacks(store: Store, repository: str) -> bool:
    """True when ``store`` declares that it keeps no ``repository`` (one of
    ``OPTIONAL_REPOSITORIES``): the attribute of its units of work is None."""
    if repository not in OPTIONAL_REPOSITORIES:
        raise ValueError(f"{repository!r} is not optional: every store keeps it")
    with store.unit_of_work(readonly=True) as uow:
        return getattr(uow, repository) is None


@attrs.frozen
class StoreLocation:
    """Where a durable store lives, so that another thread or process can open it.

    ``opener`` names an importable callable, ``"package.module:function"``, that takes
    ``target`` (a path, a URL: text) and returns a Store on the storage already made
    there (it never creates it). The contract calls it in threads, for writers with
    handles of their own, and in a child process it kills with SIGKILL; ``of`` builds
    one from the callable itself.
    """

    opener: str
    target: str

    @classmethod
    def of(cls, opener: Callable[[str], Store], target: str) -> StoreLocation:
        """The location ``opener(target)`` opens; ``opener`` must be importable by name
        (a module-level function or class, not a lambda or a local function)."""
        name = f"{opener.__module__}:{opener.__qualname__}"
        if "<" in name:
            raise ValueError(f"{name} cannot be imported by name: use a module-level opener")
        return cls(name, target)

    def open(self) -> Store:
        """A new handle on the store at ``target``."""
        module, _, name = self.opener.partition(":")
        found: Any = importlib.import_module(module)
        for part in name.split("."):
            found = getattr(found, part)
        store: Store = found(self.target)
        return store
