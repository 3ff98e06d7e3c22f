"""The issuability gate over every way a number is given: Billing.book and a send over
each channel, on a real store, and over HTTP. A document that is not a legal invoice is
refused naming every missing field, and the number series stays untouched."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from faktura.billing import Billing
from faktura.commands import CompanyChanges, CompanyProfile, CustomerChanges, NewCustomer
from faktura.delivery.channel import DeliveryChannel, DeliveryType
from faktura.delivery.manual import ManualChannel
from faktura.errors import ValidationError
from faktura.http import create_app
from faktura.parties import Address
from faktura.ports import Store
from faktura.storage.memory import MemoryStore
from faktura.storage.sqlite import SqliteStore
from faktura.testing.channels import RecordingChannel
from faktura.testing.clock import ManualClock
from faktura.testing.parties import BUYER_ADDRESS, SELLER
from faktura.vat import VatZone
from faktura.wire import new_draft
from test_http_fixtures import ALL_SCOPES, LINE, Client, expect

BODY = {
    "reference": "PO-4711",  # the buyer reference an e-invoice needs
    "lines": [{"description": "Consulting", "quantity": "2", "unitPrice": "500.00"}],
}
BUYER_FIELDS = ["customer.address.street", "customer.address.postal_code", "customer.address.city"]
SELLER_FIELDS = [f.replace("customer", "company") for f in BUYER_FIELDS]
#: The same fields as the HTTP API names them.
WIRE_FIELDS = [
    f"{party}.address.{part}"
    for party in ("company", "customer")
    for part in ("street", "postalCode", "city")
]


@attrs.define
class Books:
    billing: Billing
    store: Store
    email: RecordingChannel
    sproom: RecordingChannel

    def last_number(self, company_id: str) -> int | None:
        with self.store.unit_of_work(readonly=True) as uow:
            return uow.numbers.last(company_id, "invoice", "")


@pytest.fixture(params=["memory", "sqlite"])
def books(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Books]:
    store: Store = (
        MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "f.db", create=True)
    )
    email = RecordingChannel(DeliveryType.EMAIL)
    sproom = RecordingChannel(DeliveryType.SPROOM)
    channels: dict[str, DeliveryChannel] = {
        "email": email,
        "sproom": sproom,
        "manual": ManualChannel(),
    }
    yield Books(Billing(store, ManualClock(), channels=channels), store, email, sproom)
    store.close()


def book_or_send(books: Books, company_id: str, draft_id: str, how: str) -> str | None:
    if how == "book":
        return books.billing.book(company_id, draft_id).number
    return books.billing.send(company_id, draft_id, how).number


WAYS = ["book", "manual", "email", "sproom"]


@pytest.mark.parametrize("how", WAYS)
def test_a_document_without_addresses_gets_no_number(books: Books, how: str) -> None:
    company = books.billing.create_company(CompanyProfile(name="Nordlys ApS", cvr="13585628"))
    customer = books.billing.create_customer(
        company.id, NewCustomer(name="Fjord A/S", email="ap@fjord.dk", cvr="25313763")
    )
    draft = books.billing.create_draft(company.id, new_draft({"customerId": customer.id, **BODY}))
    with pytest.raises(ValidationError) as refused:
        book_or_send(books, company.id, draft.id, how)
    # an e-invoice also names what its UBL cannot say (a seller VAT number), in the same error
    einvoice = ["company.vat_id"] if how == "sproom" else []
    assert [e.path for e in refused.value.errors] == SELLER_FIELDS + BUYER_FIELDS + einvoice
    assert {e.rule for e in refused.value.errors[:6]} == {"DK-MBEK-58-1-4"}
    # nothing booked, no number used, nothing delivered, no attempt
    assert books.billing.get_invoice(company.id, draft.id).number is None
    assert books.last_number(company.id) is None
    assert not books.billing.delivery_status(company.id, draft.id).attempts
    assert not books.email.deliveries
    assert not books.sproom.deliveries
    # once the addresses are there, the first number is the first of the series
    books.billing.update_company(
        company.id, CompanyChanges(address=SELLER["address"], vat_id="DK13585628")
    )
    books.billing.update_customer(company.id, customer.id, CustomerChanges(address=BUYER_ADDRESS))
    assert book_or_send(books, company.id, draft.id, how) == "1"


@pytest.mark.parametrize("how", WAYS)
def test_reverse_charge_without_the_buyers_vat_number_gets_no_number(
    books: Books, how: str
) -> None:
    company = books.billing.create_company(CompanyProfile(**SELLER))
    customer = books.billing.create_customer(
        company.id,
        NewCustomer(
            name="Fjord GmbH",
            vat_zone=VatZone.EU,  # reverse charge by default
            email="ap@fjord.de",
            cvr="25313763",
            address=Address(
                street="Hafenstraße 1", postal_code="20457", city="Hamburg", country="DE"
            ),
        ),
    )
    draft = books.billing.create_draft(company.id, new_draft({"customerId": customer.id, **BODY}))
    with pytest.raises(ValidationError) as refused:
        book_or_send(books, company.id, draft.id, how)
    assert [(e.path, e.rule) for e in refused.value.errors] == [
        ("customer.vat_id", "EN16931-BR-AE-02")
    ]
    assert books.last_number(company.id) is None
    books.billing.update_customer(company.id, customer.id, CustomerChanges(vat_id="DE136695976"))
    assert book_or_send(books, company.id, draft.id, how) == "1"


def test_over_http_an_incomplete_invoice_is_400_naming_each_field() -> None:
    """The old README flow: a company made with name, CVR and VAT number only, a customer
    with no address; the send is refused, nothing is numbered."""
    billing = Billing(MemoryStore(), ManualClock())
    company = billing.create_company(
        CompanyProfile(name="Nordlys ApS", cvr="13585628", vat_id="DK13585628")
    )
    api = Client(create_app(billing), billing.create_api_key(company.id, "k", ALL_SCOPES)[1])
    customer = expect(api.post("/v1/customers", json={"name": "Fjord A/S"}), 201)
    draft = expect(
        api.post("/v1/invoices", json={"customerId": customer["id"], "lines": [LINE]}), 201
    )
    body = expect(
        api.post(f"/v1/invoices/{draft['id']}/send", json={"deliveryType": "manual"}), 400
    )
    assert body["code"] == "SHARED_VALIDATION_FAILED"
    assert [e["property"] for e in body["details"]["validationErrors"]] == WIRE_FIELDS
    assert expect(api.get(f"/v1/invoices/{draft['id']}"), 200)["number"] is None
