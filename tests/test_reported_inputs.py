"""The inputs reported in issue 13, each as it was reported, over every store.

Before the change each of these either stored something that broke later reads or
money (``prices_include_vat="false"`` booked 100.00 instead of 125.00, ``vat_zone="EU"``
made the customer unreadable, ``standard_vat_rate=True`` broke ``list_companies``), or
escaped as a bare exception (AttributeError, TypeError, ValueError, OverflowError,
InvalidOperation, UnicodeEncodeError), or was a retryable ``StorageError`` / an HTTP
5xx. Now each is a ``ValidationError`` naming the field (HTTP 400), and the refusal
writes nothing. The generated sweep is tests/test_robustness.py; these are its
regression anchors.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from faktura.billing import Billing
from faktura.commands import (
    CompanyChanges,
    CompanyProfile,
    CustomerChanges,
    DraftChanges,
    NewCustomer,
    NewDraft,
)
from faktura.delivery.manual import ManualChannel
from faktura.errors import ValidationError
from faktura.http import create_app
from faktura.numbering import NumberSeries
from faktura.parties import VatZone
from faktura.ports import Store
from faktura.storage import open_store
from faktura.storage.memory import MemoryStore
from faktura.storage.sqlite import SqliteStore
from faktura.terms import PaymentTerms
from faktura.testing.clock import ManualClock
from faktura.testing.parties import BUYER_ADDRESS, SELLER
from faktura.wire import new_draft
from test_http_fixtures import ALL_SCOPES, Client, expect

pytest_plugins = ["pg_fixture"]


def _store(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if kind == "memory":
        return MemoryStore()
    if kind == "sqlite":
        return SqliteStore(tmp_path / "reported.db", create=True)
    return open_store(request.getfixturevalue("pg_url"), create=True)


class World:
    """A company, a customer, a draft of 100.00 + 25 % VAT and a sent invoice."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.billing = Billing(store, ManualClock(), channels={"manual": ManualChannel()})
        b = self.billing
        self.company_id = b.create_company(CompanyProfile(**SELLER)).id
        self.customer_id = b.create_customer(
            self.company_id, NewCustomer(name="Fjord A/S", address=BUYER_ADDRESS)
        ).id
        self.draft = b.create_draft(self.company_id, new_draft(self.body()))
        sent = b.create_draft(self.company_id, new_draft(self.body()))
        b.send(self.company_id, sent.id, "manual")
        self.sent_id = sent.id

    def body(self) -> dict[str, Any]:
        return {
            "customerId": self.customer_id,
            "lines": [{"description": "Consulting", "quantity": "1", "unitPrice": "100.00"}],
        }

    def state(self) -> object:
        """What a refusal must leave as it was: everything a host can read."""
        b, co = self.billing, self.company_id
        invoices = b.list_invoices(co, limit=100, kind=None).items
        return (
            b.list_companies(),
            b.list_customers(co, limit=100).items,
            [b.get_invoice(co, summary.id) for summary in invoices],
            [b.events(co, summary.id) for summary in invoices],
        )


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def w(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    store = _store(request.param, request, tmp_path)
    yield World(store)
    store.close()


def refused(w: World, field: str, call: Any, *args: Any, **kwargs: Any) -> ValidationError:
    """``call`` raises a ValidationError naming ``field`` (or a sub-field of it) and
    leaves everything as it was."""
    before = w.state()
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    assert caught.value.field.split(".")[0].split("[")[0] == field, caught.value.to_dict()
    assert w.state() == before
    return caught.value


# -- wrong money, unreadable records ---------------------------------------------------------


def test_prices_include_vat_as_the_text_false_is_refused(w: World) -> None:
    b, co = w.billing, w.company_id
    refused(
        w,
        "prices_include_vat",
        b.update_draft,
        co,
        w.draft.id,
        DraftChanges(prices_include_vat="false"),
    )
    booked = b.book(co, w.draft.id)
    assert (booked.number, booked.totals.payable) == ("2", Decimal("125.00"))


def test_a_vat_zone_that_is_not_one_is_refused_and_the_customer_stays_readable(
    w: World,
) -> None:
    b, co, cu = w.billing, w.company_id, w.customer_id
    refused(w, "vat_zone", b.update_customer, co, cu, CustomerChanges(vat_zone="EU"))
    assert b.get_customer(co, cu).vat_zone is VatZone.DOMESTIC
    assert b.send(co, w.draft.id, "manual").success
    # the zone's own value, or the member, is what a zone is
    assert b.update_customer(co, cu, CustomerChanges(vat_zone="eu")).vat_zone is VatZone.EU
    assert (
        b.update_customer(co, cu, CustomerChanges(vat_zone=VatZone.ABROAD)).vat_zone
        is VatZone.ABROAD
    )


@pytest.mark.parametrize(
    "rate", [True, Decimal("s_na_n"), Decimal("NaN"), "abc", 1e400, Decimal(-1)]
)
def test_a_standard_vat_rate_that_is_not_a_rate_is_refused(w: World, rate: object) -> None:
    refused(
        w,
        "standard_vat_rate",
        w.billing.create_company,
        CompanyProfile(name="Bad", standard_vat_rate=rate),
    )
    assert [c.name for c in w.billing.list_companies()] == ["Nordlys ApS"]


def test_payment_terms_as_days_make_net_terms(w: World) -> None:
    b, co = w.billing, w.company_id
    customer = b.create_customer(co, NewCustomer(name="Hav ApS", payment_terms=14))
    assert b.get_customer(co, customer.id).payment_terms == customer.payment_terms
    assert customer.payment_terms == PaymentTerms.net(14)
    refused(
        w, "payment_terms", b.create_customer, co, NewCustomer(name="Hav ApS", payment_terms=True)
    )
    refused(
        w, "payment_terms", b.create_customer, co, NewCustomer(name="Hav ApS", payment_terms="14")
    )


def test_a_credit_line_without_a_quantity_is_refused(w: World) -> None:
    refused(w, "lines", w.billing.credit, w.company_id, w.sent_id, [(0,)])


def test_a_payment_date_as_text_is_refused(w: World) -> None:
    pay = w.billing.record_payment
    refused(w, "paid_on", pay, w.company_id, w.sent_id, Decimal(1), paid_on="2026-11-25")


def test_a_due_date_as_text_is_refused(w: World) -> None:
    refused(
        w,
        "due_date",
        w.billing.update_draft,
        w.company_id,
        w.draft.id,
        DraftChanges(due_date="2026-12-31"),
    )
    changed = w.billing.update_draft(
        w.company_id, w.draft.id, DraftChanges(due_date=date(2026, 12, 31))
    )
    assert changed.due_date == date(2026, 12, 31)


@pytest.mark.parametrize("customer_id", [2**63, -(2**63) - 1, 7, True])
def test_a_customer_id_that_is_not_text_is_refused_when_listing(
    w: World, customer_id: object
) -> None:
    refused(w, "customer_id", w.billing.list_invoices, w.company_id, customer_id=customer_id)


@pytest.mark.parametrize("bad", ["\ud800", "a\udfffb", "a\x00b", "\x1b"])
def test_a_customer_id_that_is_not_text_is_a_validation_error_not_a_storage_error(
    w: World, bad: str
) -> None:
    b, co = w.billing, w.company_id
    refused(w, "customer_id", b.get_customer, co, bad)
    refused(w, "customer_id", b.update_customer, co, bad, CustomerChanges(name="X"))
    refused(w, "customer_id", b.create_draft, co, NewDraft(customer_id=bad))
    refused(w, "customer_id", b.update_draft, co, w.draft.id, DraftChanges(customer_id=bad))
    refused(w, "customer_id", b.list_invoices, co, customer_id=bad)


# -- pre-flight: what a channel would refuse later is refused when configured ---------------


@pytest.mark.parametrize("name", ["Nordlys\nApS", "Nordlys\r\nBcc: x@evil.example", "A\u2028B"])
def test_a_company_name_with_a_line_break_is_refused(w: World, name: str) -> None:
    refused(w, "name", w.billing.update_company, w.company_id, CompanyChanges(name=name))


def test_series_whose_numbers_could_coincide_are_refused(w: World) -> None:
    b, co = w.billing, w.company_id
    series = NumberSeries("{seq}")
    refused(
        w, "credit_note_series", b.update_company, co, CompanyChanges(credit_note_series=series)
    )
    refused(
        w,
        "invoice_series",
        b.update_company,
        co,
        CompanyChanges(invoice_series=NumberSeries("CN-{seq}")),  # the default credit-note series
    )
    refused(
        w,
        "credit_note_series",
        b.create_company,
        CompanyProfile(name="X", credit_note_series=series),
    )
    # apart, they are fine
    b.update_company(co, CompanyChanges(credit_note_series=NumberSeries("K{seq}")))


# -- over HTTP: escapes that decode to a lone surrogate or NUL are 400, on every store ------


_BAD_ESCAPES = ["\\ud800", "a\\udc00", "\\u0000", "x\\u0000y", "\\u001b"]


@pytest.fixture(params=["sqlite", "postgres"])
def http(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[World, Client]]:
    store = _store(request.param, request, tmp_path)
    world = World(store)
    key = world.billing.create_api_key(world.company_id, "k", ALL_SCOPES)[1]
    yield world, Client(create_app(world.billing), key)
    store.close()


def _raw(api: Client, method: str, url: str, template: str, escape: str) -> Any:
    """Send ``template`` with ``@`` replaced by ``escape`` as the JSON body, verbatim."""
    body = template.replace("@", escape)
    return api.request(method, url, content=body, headers={"content-type": "application/json"})


@pytest.mark.parametrize("escape", _BAD_ESCAPES)
def test_http_bad_text_in_ids_is_400_naming_the_field(
    http: tuple[World, Client], escape: str
) -> None:
    world, api = http
    before = world.state()
    line = json.dumps({"description": "Hours", "quantity": "1", "unitPrice": "1.00"})
    cases = [
        ("POST", "/v1/invoices", '{"customerId": "@", "lines": [' + line + "]}", "customerId"),
        ("PATCH", f"/v1/invoices/{world.draft.id}", '{"customerId": "@"}', "customerId"),
        (
            "POST",
            "/v1/customers",
            '{"name": "Hav", "contacts": [{"id": "@", "name": "Ida"}]}',
            "contacts",
        ),
        (
            "POST",
            "/v1/customers",
            '{"name": "Hav", "departments": [{"id": "@", "name": "Salg"}]}',
            "departments",
        ),
        (
            "PATCH",
            f"/v1/customers/{world.customer_id}",
            '{"contacts": [{"id": "@", "name": "Ida"}]}',
            "contacts",
        ),
        (
            "PATCH",
            f"/v1/customers/{world.customer_id}",
            '{"departments": [{"id": "@", "name": "Salg"}]}',
            "departments",
        ),
    ]
    for method, url, template, field in cases:
        body = expect(_raw(api, method, url, template, escape), 400)
        problems = [e["property"] for e in body["details"]["validationErrors"]]
        assert any(p.startswith(field) for p in problems), (method, url, body)
    assert world.state() == before
