"""The robustness sweep: every public constructor and every Billing method fed junk.

In the style of python-stdnum's junk tests, but generated: hypothesis draws, per call,
a mix of good arguments and junk (wrong types, lone surrogates, NUL and other control
characters, bools for numbers, strings for dates, NaN and huge Decimals, huge ints,
unknown keywords...). Whatever comes in, the only exceptions that may come out are
faktura's (``FakturaError``); a refusal writes nothing (the store is exactly as it was);
and what a call accepts can be read back (a value round-trips through the codec, a
store's companies, customers and documents can all be listed and read).

Each store gets the sweep: the memory store and a SQLite file in the unit... integration
tiers, PostgreSQL in its own cluster (``tests/pg_fixture.py``). The number of inputs
tried is counted and reported at the end of the run (``pytest_terminal_summary`` in
conftest.py), and a run of the whole sweep must try at least 5,000.
"""

from __future__ import annotations

import inspect
import sqlite3
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faktura import (
    Address,
    AllowanceCharge,
    BankAccount,
    Company,
    Contact,
    Currency,
    Customer,
    Department,
    FakturaError,
    PaymentTerms,
    ProductLine,
    SeparatorLine,
    TextLine,
    VatCategory,
    VatZone,
)
from faktura.attachments import Attachment
from faktura.billing import Billing
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
from faktura.delivery.channel import DeliveryType
from faktura.delivery.manual import ManualChannel
from faktura.dunning import ReferenceRateTable, ReminderLevel, ReminderPolicy
from faktura.exchange import ExchangeRate
from faktura.numbering import NumberSeries, Reset
from faktura.storage import codec
from faktura.storage.memory import MemoryStore
from faktura.storage.sqlite import SqliteStore
from faktura.testing.channels import RecordingChannel
from faktura.testing.clock import ManualClock
from faktura.testing.parties import BUYER_ADDRESS, SELLER
from faktura.testing.postgres import PostgresCluster
from faktura.wire import new_draft

pytest_plugins = ["pg_fixture"]

# -- junk ---------------------------------------------------------------------------------

_ANY_TEXT = st.text(
    alphabet=st.characters(codec=None, exclude_categories=()), max_size=12
)  # surrogates and controls included
_NASTY_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\ud800",
        "x\udfffy",
        "\x1b[31m",
        "\u2028",
        "a\nb",
        "a\r\nReply-To: x@evil.example",
        "=?utf-8?q?Fjord=0D=0AReply-To:_attacker@evil.example?=",
        "EU",
        "eu",
        "DK",
        "2026-11-25",
        "2026-02-30",
        "1e999999",
        "NaN",
        "-1",
        "0",
        "12.50",
        "true",
        "false",
        "x" * 5000,
    ]
)
_NASTY_NUMBERS = st.sampled_from(
    [
        Decimal("sNaN"),
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
        Decimal("1e999999"),
        Decimal("-0"),
        Decimal("0.0000001"),
        Decimal("-5"),
        Decimal("25"),
        Decimal("100"),
        2**63,
        -(2**63) - 1,
        2**70,
        -1,
        0,
        14,
        float("nan"),
        float("inf"),
        1.5,
    ]
)
JUNK: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    _NASTY_NUMBERS,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.decimals(allow_nan=True, allow_infinity=True),
    _NASTY_TEXT,
    _ANY_TEXT,
    st.binary(max_size=8),
    st.dates(),
    st.datetimes(),
    st.sampled_from([object(), [], {}, (), [("x", 1)], {"a": 1}, (0,), [(0,)], Path("x")]),
    st.lists(st.one_of(st.integers(), _NASTY_TEXT), max_size=3),
    st.sampled_from(list(VatZone) + list(VatCategory) + list(Reset)),
)


def maybe(good: Any) -> st.SearchStrategy[Any]:
    """A good value, or (as often) junk."""
    return st.one_of(st.just(good), JUNK)


# -- public constructors ------------------------------------------------------------------

_GOOD: dict[Callable[..., Any], dict[str, Any]] = {
    Address: {
        "street": "Vestergade 1",
        "city": "Aarhus C",
        "postal_code": "8000",
        "country": "DK",
        "additional": None,
    },
    BankAccount: {"reg_no": "1234", "account_no": "0012345678", "iban": None, "bic": None},
    Company: {
        "id": "c1",
        "name": "Nordlys ApS",
        "address": BUYER_ADDRESS,
        "cvr": "13585628",
        "vat_id": "DK13585628",
        "ean": None,
        "bank": None,
        "fik_creditor": None,
        "currency": "DKK",
        "payment_terms": PaymentTerms.net(8),
        "locale": "da",
        "standard_vat_rate": Decimal(25),
        "email": "a@b.dk",
        "phone": None,
        "invoice_series": NumberSeries("{seq}"),
        "credit_note_series": NumberSeries("CN-{seq}"),
        "logo": None,
        "document_template": "default",
    },
    Customer: {
        "id": "cu1",
        "company_id": "c1",
        "name": "Fjord A/S",
        "number": "1001",
        "address": BUYER_ADDRESS,
        "vat_zone": VatZone.DOMESTIC,
        "cvr": None,
        "vat_id": None,
        "ean": None,
        "email": "ap@fjord.dk",
        "language": "da",
        "payment_terms": None,
        "departments": (),
        "contacts": (),
        "document_template": None,
    },
    Department: {"id": "d1", "name": "Indkøb", "ean": "5790000000005", "address": None},
    Contact: {"id": "p1", "name": "Ida", "email": "ida@fjord.dk"},
    ProductLine: {
        "description": "Hours",
        "quantity": Decimal(2),
        "unit_price": Decimal("500.00"),
        "vat_category": VatCategory.S,
        "vat_rate": Decimal(25),
        "unit": "HUR",
        "discount_percent": Decimal(0),
        "product_number": None,
    },
    TextLine: {"description": "Note"},
    SeparatorLine: {"description": "Part 2"},
    AllowanceCharge: {
        "charge": False,
        "reason": "Discount",
        "vat_category": VatCategory.S,
        "vat_rate": Decimal(25),
        "amount": Decimal("10.00"),
        "percent": None,
        "base": None,
        "reason_code": None,
    },
    NumberSeries: {"pattern": "{year}-{seq}", "start": 1, "reset": Reset.YEARLY},
    PaymentTerms.net: {"days": 8},
    PaymentTerms.end_of_month: {"days": 30},
    PaymentTerms.day_of_next_month: {"day": 15},
    PaymentTerms.fixed: {"due": date(2026, 12, 31)},
    Currency.of: {"code": "DKK"},
    ExchangeRate: {
        "source": "EUR",
        "target": "DKK",
        "rate": Decimal("7.4604"),
        "on": date(2026, 11, 25),
    },
}


def _kwargs_strategy(
    good: dict[str, Any], *, optional: bool = True, unknown: bool = False
) -> st.SearchStrategy[dict[str, Any]]:
    """The good keyword arguments with some replaced by junk; some left out when
    ``optional``; now and then, when ``unknown``, a keyword nobody knows (for the
    methods that take ``**fields``). A call with a wrong signature is a TypeError as for
    any Python function (what mypy catches): the sweep is about values."""
    drawn = {name: maybe(value) for name, value in good.items()}
    extra = {"junk_keyword": JUNK} if unknown else {}
    if optional:
        return st.fixed_dictionaries({}, optional=drawn | extra)
    return st.fixed_dictionaries(drawn, optional=extra)


def _name(target: Callable[..., Any]) -> str:
    return getattr(target, "__qualname__", repr(target))


@pytest.mark.parametrize("target", list(_GOOD), ids=_name)
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_public_constructors_take_junk(
    target: Callable[..., Any], data: st.DataObject, sweep_tried: Counter[str]
) -> None:
    """A public value is built or refused with a faktura error; what is built is what a
    store can keep and read back, equal."""
    kwargs = data.draw(_kwargs_strategy(_GOOD[target], optional=False))
    sweep_tried["constructors"] += 1
    try:
        value = target(**kwargs)
    except FakturaError:
        return
    if inspect.isclass(target) and target in _STORED:
        assert codec.loads(codec.dumps(value), type(value)) == value


_STORED = {Company, Customer}
#: A camt.053 statement with one credit paying 10.00 with a reference that names nothing.
CAMT = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-11-26T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><CreDtTm>2026-11-26T06:00:00</CreDtTm>
<Acct><Id><IBAN>DK5000400440116243</IBAN></Id></Acct>
<Ntry><Amt Ccy="DKK">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2026-11-26</Dt></BookgDt><AcctSvcrRef>B1</AcctSvcrRef><BkTxCd/>
<NtryDtls><TxDtls><RmtInf><Ustrd>ukendt</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>
"""

# -- Billing methods ----------------------------------------------------------------------


class World:
    """A Billing over one store with a company, a customer with a department and a
    contact, a draft, a booked and a sent document: good ids for the calls to use."""

    def __init__(self, store: Any, snapshot: Callable[[], object]) -> None:
        self.store = store
        self.snapshot = snapshot
        self.clock = ManualClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
        self.billing = Billing(
            store,
            self.clock,
            channels={
                "manual": ManualChannel(),
                "email": RecordingChannel(DeliveryType.EMAIL),
            },
            reference_rates=ReferenceRateTable.of({date(2020, 1, 1): Decimal("1.60")}),
        )
        b = self.billing
        self.company = b.create_company(CompanyProfile(**SELLER, email="faktura@nordlys.dk"))
        self.customer = b.create_customer(
            self.company.id,
            NewCustomer(
                name="Fjord A/S",
                email="ap@fjord.dk",
                address=BUYER_ADDRESS,
                departments=(Department("d1", "Indkøb", "5790000000005"),),
                contacts=(Contact("p1", "Ida", "ida@fjord.dk"),),
            ),
        )
        self.draft = b.create_draft(self.company.id, new_draft(self.body()))
        booked = b.create_draft(self.company.id, new_draft(self.body()))
        self.booked = b.book(self.company.id, booked.id)
        sent = b.create_draft(self.company.id, new_draft(self.body()))
        b.send(self.company.id, sent.id, "manual", idempotency_key="k1")
        self.sent = b.get_invoice(self.company.id, sent.id)
        self.key, _ = b.create_api_key(self.company.id, "ci", ["invoices-read"])
        self.endpoint, _ = b.create_webhook_endpoint(self.company.id, "https://erp.example/h")
        self.schedule = b.create_schedule(
            self.company.id,
            NewSchedule(
                customer_id=self.customer.id,
                lines=[
                    LineInput(description="Hosting", quantity=Decimal(1), unit_price=Decimal(99))
                ],
                start=date(2026, 11, 1),
                channel="manual",
            ),
        )

    def body(self) -> dict[str, Any]:
        return {
            "customerId": self.customer.id,
            "lines": [{"description": "Hours", "quantity": "2", "unitPrice": "500.00"}],
        }

    def readable(self) -> None:
        """Everything the store holds can be listed and read."""
        b = self.billing
        for company in b.list_companies():
            b.get_company(company.id)
            page = 1
            while True:
                customers = b.list_customers(company.id, page=page, limit=100)
                for customer in customers.items:
                    b.get_customer(company.id, customer.id)
                if page * 100 >= customers.total:
                    break
                page += 1
            invoices = b.list_invoices(company.id, limit=100, kind=None)
            for summary in invoices.items:
                invoice = b.get_invoice(company.id, summary.id)
                invoice.totals  # noqa: B018 (computing them is the check)
                b.delivery_status(company.id, summary.id)
                b.events(company.id, summary.id)


def _company_fields(world: World) -> dict[str, Any]:
    return {name: value for name, value in _GOOD[Company].items() if name != "id"}


def _customer_fields(world: World) -> dict[str, Any]:
    return {
        name: value for name, value in _GOOD[Customer].items() if name not in {"company_id"}
    } | {"departments": (Department("d2", "Salg"),), "contacts": ()}


@attrs.frozen
class Command:
    """A typed command among a call's arguments: the sweep draws its fields as it draws
    keyword arguments (some left out, some junk), then builds it (or passes junk)."""

    kind: type
    fields: dict[str, Any]

    def strategy(self) -> st.SearchStrategy[Any]:
        names = {a.name for a in attrs.fields(self.kind)}
        required = {a.name for a in attrs.fields(self.kind) if a.default is attrs.NOTHING}
        fields = {k: v for k, v in self.fields.items() if k in names}
        return st.one_of(
            st.tuples(
                _kwargs_strategy(
                    {k: v for k, v in fields.items() if k in required}, optional=False
                ),
                _kwargs_strategy({k: v for k, v in fields.items() if k not in required}),
            ).map(lambda parts: self.kind(**parts[0], **parts[1])),
            JUNK,
        )


def _calls(world: World) -> dict[str, tuple[Callable[..., Any], list[Any], dict[str, Any]]]:
    """Per Billing method: the method, good positional (a typed command among them as a
    ``Command``) and keyword arguments."""
    b, co, cu = world.billing, world.company.id, world.customer.id
    draft, booked, sent = world.draft.id, world.booked.id, world.sent.id
    changes = {
        "customer_id": cu,
        "issue_date": date(2026, 11, 26),
        "due_date": date(2026, 12, 31),
        "currency": "DKK",
        "payment_terms": PaymentTerms.net(14),
        "lines": (
            TextLine("Note"),
            LineInput(description="Hours", quantity=Decimal(2), unit_price=Decimal(500)),
        ),
        "allowance_charges": (),
        "prices_include_vat": True,
        "prepaid_amount": Decimal(0),
        "cash_increment": None,
        "vat_exemption_reason": None,
        "customer_department_id": "d1",
        "customer_contact_id": "p1",
        "reference": "PO-1",
        "our_reference": "Us",
        "description": "Work",
        "notes": "Thanks",
        "delivery_date": date(2026, 11, 20),
        "period_start": None,
        "period_end": None,
    }
    return {
        "create_company": (b.create_company, [Command(CompanyProfile, _company_fields(world))], {}),
        "update_company": (
            b.update_company,
            [co, Command(CompanyChanges, _company_fields(world))],
            {},
        ),
        "get_company": (b.get_company, [co], {}),
        "create_customer": (
            b.create_customer,
            [co, Command(NewCustomer, _customer_fields(world))],
            {},
        ),
        "update_customer": (
            b.update_customer,
            [co, cu, Command(CustomerChanges, _customer_fields(world))],
            {},
        ),
        "get_customer": (b.get_customer, [co, cu], {}),
        "list_customers": (b.list_customers, [co], {"page": 1, "limit": 20, "search": "Fj"}),
        "create_draft": (b.create_draft, [co, Command(NewDraft, changes)], {"actor": "me"}),
        "update_draft": (
            b.update_draft,
            [co, draft, Command(DraftChanges, changes)],
            {"expected_version": None, "actor": "me"},
        ),
        "cancel_draft": (b.cancel_draft, [co, draft], {"actor": "me"}),
        "get_invoice": (b.get_invoice, [co, booked], {}),
        "list_invoices": (
            b.list_invoices,
            [co],
            {
                "page": 1,
                "limit": 20,
                "search": "1",
                "status": "sent",
                "customer_id": cu,
                "kind": None,
            },
        ),
        "events": (b.events, [co, sent], {}),
        "book": (b.book, [co, draft], {"actor": "me"}),
        "credit": (
            b.credit,
            [co, sent, [(0, Decimal(1))]],
            {"issue_date": date(2026, 11, 27), "reason": "Returned", "actor": "me"},
        ),
        "record_payment": (
            b.record_payment,
            [co, sent, Decimal("10.00")],
            {"paid_on": date(2026, 11, 26), "reference": "bank", "actor": "me"},
        ),
        "mark_uncollectible": (b.mark_uncollectible, [co, booked], {"actor": "me"}),
        "send": (
            b.send,
            [co, draft, "manual"],
            {
                "override_email": None,
                "override_ean": None,
                "update_customer_record": False,
                "document_template_id": None,
                "idempotency_key": "key-2",
                "actor": "me",
            },
        ),
        "delivery_status": (b.delivery_status, [co, sent], {}),
        "apply_provider_status": (
            b.apply_provider_status,
            [co, "ref-1", "accepted"],
            {"message": "ok", "details": {"a": "b"}},
        ),
        "recover_deliveries": (b.recover_deliveries, [co], {"actor": "me"}),
        "add_attachment": (
            b.add_attachment,
            [
                co,
                draft,
                Attachment(id="TS-1", content=b"a;b\n", mime_code="text/csv", filename="t.csv"),
            ],
            {"actor": "me"},
        ),
        "remove_attachment": (b.remove_attachment, [co, draft, "TS-1"], {"actor": "me"}),
        "attachments": (b.attachments, [co, draft], {}),
        "render_ubl": (b.render_ubl, [co, booked], {}),
        "archived_documents": (b.archived_documents, [co, sent], {}),
        "archived_document": (b.archived_document, [co, "0" * 64], {}),
        "create_api_key": (b.create_api_key, [co, "key", ["invoices-read"]], {}),
        "authenticate": (b.authenticate, ["fk_x"], {}),
        "list_api_keys": (b.list_api_keys, [co], {}),
        "revoke_api_key": (b.revoke_api_key, [co, world.key.id], {}),
        "list_companies": (b.list_companies, [], {}),
        "create_webhook_endpoint": (
            b.create_webhook_endpoint,
            [co, "https://erp.example/hook", ["booked"], "ERP"],
            {},
        ),
        "webhook_endpoints": (b.webhook_endpoints, [co], {}),
        "get_webhook_endpoint": (b.get_webhook_endpoint, [co, world.endpoint.id], {}),
        "update_webhook_endpoint": (
            b.update_webhook_endpoint,
            [co, world.endpoint.id],
            {"url": "https://erp.example/new", "events": [], "enabled": False, "description": "x"},
        ),
        "rotate_webhook_secret": (b.rotate_webhook_secret, [co, world.endpoint.id], {}),
        "delete_webhook_endpoint": (b.delete_webhook_endpoint, [co, world.endpoint.id], {}),
        "dispatcher": (b.dispatcher, [print], {"batch": 10, "timeout": 5.0}),
        "create_schedule": (
            b.create_schedule,
            [
                co,
                Command(
                    NewSchedule,
                    {
                        "customer_id": cu,
                        "lines": [LineInput(description="Support", unit_price=Decimal(10))],
                        "start": date(2026, 11, 10),
                        "anchor_day": 31,
                        "end": date(2027, 11, 9),
                        "channel": "email",
                        "payment_terms": 14,
                        "currency": "DKK",
                        "description": "Support",
                    },
                ),
            ],
            {"actor": "me"},
        ),
        "get_schedule": (b.get_schedule, [co, world.schedule.id], {}),
        "list_schedules": (b.list_schedules, [co], {"after": "a", "limit": 10}),
        "update_schedule": (
            b.update_schedule,
            [
                co,
                world.schedule.id,
                Command(
                    ScheduleChanges,
                    {"end": date(2027, 1, 31), "active": False, "channel": None},
                ),
            ],
            {"expected_version": 1, "actor": "me"},
        ),
        "change_schedule_lines": (
            b.change_schedule_lines,
            [
                co,
                world.schedule.id,
                date(2026, 11, 16),
                [LineInput(description="Hosting", quantity=Decimal(1), unit_price=Decimal(120))],
            ],
            {"expected_version": 1, "actor": "me"},
        ),
        "run_billing": (
            b.run_billing,
            [co, "2026-11"],
            {"batch_size": 10, "deliver": True, "progress": print, "actor": "me"},
        ),
        "book_many": (b.book_many, [co, [draft, booked]], {"batch_size": 10, "actor": "me"}),
        "report_overdue": (
            b.report_overdue,
            [co],
            {"today": date(2027, 1, 31), "actor": "me"},
        ),
        # getting paid
        "reminder_policy": (b.reminder_policy, [co], {}),
        "set_reminder_policy": (
            b.set_reminder_policy,
            [co, ReminderPolicy(levels=(ReminderLevel(10, Decimal(50), text="Husk os"),))],
            {},
        ),
        "reminders_due": (b.reminders_due, [co], {"today": date(2027, 1, 31)}),
        "run_reminders": (
            b.run_reminders,
            [co],
            {"today": date(2027, 1, 31), "deliver": True, "actor": "me"},
        ),
        "get_reminder": (b.get_reminder, [co, "rem-1"], {}),
        "list_reminders": (
            b.list_reminders,
            [co],
            {"customer_id": cu, "after": "a", "limit": 10},
        ),
        "send_reminder": (b.send_reminder, [co, "rem-1"], {"actor": "me"}),
        "reminder_deliveries": (b.reminder_deliveries, [co, "rem-1"], {}),
        "reminder_pdf": (b.reminder_pdf, [co, "rem-1"], {}),
        "receive_payment": (
            b.receive_payment,
            [co, Decimal("10.00"), world.sent.number or "1"],
            {
                "currency": "DKK",
                "paid_on": date(2026, 11, 26),
                "key": "bank-1",
                "actor": "me",
            },
        ),
        "import_bank_statement": (b.import_bank_statement, [co, CAMT], {"actor": "me"}),
        "bank_entries": (
            b.bank_entries,
            [co],
            {"outcome": "unmatched", "after": "a", "limit": 10},
        ),
        "reverse_payment": (
            b.reverse_payment,
            [co, sent, "pay_1"],
            {"reason": "bounced", "actor": "me"},
        ),
        "credit_balance": (b.credit_balance, [co, cu], {"currency": "DKK"}),
        "account_entries": (b.account_entries, [co, cu], {}),
        "apply_credit_balance": (
            b.apply_credit_balance,
            [co, sent],
            {"amount": Decimal("1.00"), "actor": "me"},
        ),
        "refund_credit_balance": (
            b.refund_credit_balance,
            [co, cu, Decimal("1.00")],
            {"currency": "DKK", "paid_on": date(2026, 11, 26), "reference": "r", "actor": "me"},
        ),
        "refund_credit_note": (
            b.refund_credit_note,
            [co, booked],
            {"amount": Decimal("1.00"), "paid_on": date(2026, 11, 26), "reference": "r"},
        ),
        "statement": (
            b.statement,
            [co, cu, date(2026, 1, 1)],
            {"end": date(2026, 12, 31), "currency": "DKK"},
        ),
    }


#: Methods the sweep leaves out, and why (each is swept elsewhere or is not an input).
_NOT_SWEPT = {
    # renders a PDF per call: the same argument checks as render_ubl (swept), and the
    # PDF's own input is the swept document
    "render_pdf": "same arguments as render_ubl",
    "statement_pdf": "same arguments as statement, whose result it renders",
}


def test_every_billing_method_is_swept() -> None:
    """A new public Billing method joins the sweep (or says here why not)."""
    public = {
        name
        for name, member in inspect.getmembers(Billing, inspect.isfunction)
        if not name.startswith("_")
    }
    world = World(MemoryStore(), lambda: None)
    assert public == set(_calls(world)) | set(_NOT_SWEPT)


def _sweep_call(world: World, data: st.DataObject, method_name: str) -> None:
    method, args, kwargs = _calls(world)[method_name]
    args = [data.draw(arg.strategy() if isinstance(arg, Command) else maybe(arg)) for arg in args]
    kwargs = data.draw(_kwargs_strategy(kwargs))
    before = world.snapshot()
    try:
        method(*args, **kwargs)
    except FakturaError:
        after = world.snapshot()
        assert after == before, f"{method_name} refused the input but wrote"
        return
    world.readable()


_METHODS = sorted(name for name in _calls(World(MemoryStore(), lambda: None)))


@pytest.fixture(scope="module")
def memory_world() -> World:
    store = MemoryStore()
    return World(store, lambda: store._tables)


@pytest.mark.parametrize("method_name", _METHODS)
@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_billing_takes_junk_memory(
    memory_world: World, method_name: str, data: st.DataObject, sweep_tried: Counter[str]
) -> None:
    sweep_tried["memory"] += 1
    _sweep_call(memory_world, data, method_name)


def _dump(connect: Callable[[], Any], tables_sql: str) -> Callable[[], object]:
    """A snapshot of every row of every table, over a new connection each time."""

    def dump() -> object:
        conn = connect()
        try:
            tables = [name for (name,) in conn.execute(tables_sql)]
            return {
                table: sorted(map(repr, conn.execute(f'SELECT * FROM "{table}"')))
                for table in tables
            }
        finally:
            conn.close()

    return dump


def _sqlite_dump(path: Path) -> Callable[[], object]:
    return _dump(
        lambda: sqlite3.connect(path),
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
    )


@pytest.fixture(scope="module")
def sqlite_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    path = tmp_path_factory.mktemp("sweep") / "faktura.db"
    store = SqliteStore(path, create=True)
    try:
        yield World(store, _sqlite_dump(path))
    finally:
        store.close()


@pytest.mark.parametrize("method_name", _METHODS)
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_billing_takes_junk_sqlite(
    sqlite_world: World, method_name: str, data: st.DataObject, sweep_tried: Counter[str]
) -> None:
    sweep_tried["sqlite"] += 1
    _sweep_call(sqlite_world, data, method_name)


def _postgres_dump(url: str) -> Callable[[], object]:
    import psycopg

    return _dump(
        lambda: psycopg.connect(url, autocommit=True),
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename",
    )


@pytest.fixture(scope="module")
def postgres_world(pg_cluster: PostgresCluster) -> Iterator[World]:
    from faktura.storage.postgres import PostgresStore

    name = f"t_robustness_{uuid.uuid4().hex[:12]}"
    url = pg_cluster.create_database(name)
    store = PostgresStore(url, create=True)
    try:
        yield World(store, _postgres_dump(url))
    finally:
        store.close()
        pg_cluster.drop_database(name)


@pytest.mark.parametrize("method_name", _METHODS)
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_billing_takes_junk_postgres(
    postgres_world: World, method_name: str, data: st.DataObject, sweep_tried: Counter[str]
) -> None:
    sweep_tried["postgres"] += 1
    _sweep_call(postgres_world, data, method_name)
