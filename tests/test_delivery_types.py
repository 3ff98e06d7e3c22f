"""Delivery types as open keys (issue 16, point 3): a host's own channels under keys of
their own, the e-invoice type's key "einvoice", and "sproom" (the reference API's name,
and what earlier versions stored) read as that key everywhere a delivery type enters."""

from __future__ import annotations

import copy
import json
import pickle
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import attrs
import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura import (
    CompanyProfile,
    ConfigurationError,
    LineInput,
    NewCustomer,
    NewDraft,
    Status,
    ValidationError,
)
from faktura.billing import Billing
from faktura.delivery.channel import (
    BUILT_IN_TYPES,
    MAX_KEY_LENGTH,
    DeliveryChannel,
    DeliveryType,
    RecipientKind,
    channels_by_type,
)
from faktura.delivery.log import DeliveryAttempt, SendResult
from faktura.delivery.manual import ManualChannel
from faktura.delivery.recipients import manual_recipient
from faktura.delivery.wire import (
    delivery_status_to_wire,
    parse_send_request,
    send_result_to_wire,
    wire_delivery_type,
)
from faktura.parties import Address, Customer
from faktura.ports import Store
from faktura.storage import open_store
from faktura.storage.codec import dumps, loads
from faktura.storage.memory import MemoryStore
from faktura.storage.sqlite import SqliteStore
from faktura.testing.channels import RecordingChannel
from faktura.testing.clock import ManualClock
from faktura.testing.parties import BUYER_ADDRESS

pytest_plugins = ["pg_fixture"]

EAN = "5790000435951"
#: What a key is, written out independently of the implementation's pattern.
KEY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_-"
keys = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from("abcdefghijklmnopqrstuvwxyz"),
    st.text(KEY_CHARS, max_size=MAX_KEY_LENGTH - 1),
)


def is_key(text: str) -> bool:
    return (
        0 < len(text) <= MAX_KEY_LENGTH
        and text[0] in "abcdefghijklmnopqrstuvwxyz"
        and all(c in KEY_CHARS for c in text)
    )


# -- the type (pure) ---------------------------------------------------------------------


@given(keys)
def test_every_key_is_a_delivery_type_equal_to_itself(key: str) -> None:
    delivery_type = DeliveryType(key)
    assert isinstance(delivery_type, str)
    expected = "einvoice" if key == "sproom" else key
    assert delivery_type == expected
    assert delivery_type.value == expected
    assert type(delivery_type.value) is str
    assert DeliveryType(delivery_type) is delivery_type
    assert pickle.loads(pickle.dumps(delivery_type)) == delivery_type
    assert copy.deepcopy(delivery_type) == delivery_type
    assert json.loads(json.dumps({"t": delivery_type})) == {"t": expected}


@given(st.text(max_size=MAX_KEY_LENGTH + 4))
def test_anything_else_is_refused_naming_delivery_type(text: str) -> None:
    if is_key(text):
        assert DeliveryType(text)
        return
    with pytest.raises(ValidationError) as caught:
        DeliveryType(text)
    assert caught.value.field == "delivery_type"
    assert caught.value.errors[0].rule == "pattern"


@pytest.mark.parametrize("value", [None, 1, b"email", ["email"], DeliveryType])
def test_what_is_not_text_is_refused(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        DeliveryType(value)
    assert (caught.value.field, caught.value.errors[0].rule) == ("delivery_type", "type")


def test_the_built_in_keys_are_the_constants() -> None:
    assert [t.value for t in BUILT_IN_TYPES] == ["email", "einvoice", "manual"]
    for constant in BUILT_IN_TYPES:
        assert DeliveryType(constant.value) is constant
        assert pickle.loads(pickle.dumps(constant)) is constant
    assert DeliveryType("sproom") is DeliveryType.EINVOICE is DeliveryType.SPROOM
    assert repr(DeliveryType("fax")) == "DeliveryType('fax')"
    assert f"{DeliveryType.EMAIL}" == str(DeliveryType.EMAIL) == "email"
    for refused in ("Sproom", "EINVOICE", "e mail", "a" * (MAX_KEY_LENGTH + 1)):
        with pytest.raises(ValidationError):
            DeliveryType(refused)


def test_a_stored_attempt_reads_back_with_its_key() -> None:
    recipient = manual_recipient(Customer(id="c1", company_id="k1", name="Fjord"))
    made = DeliveryAttempt("a1", "k1", "i1", 1, DeliveryType("fax"), recipient, ManualClock().now())
    for key, read in (("fax", "fax"), ("sproom", "einvoice"), ("einvoice", "einvoice")):
        text = dumps(made).replace('"delivery_type":"fax"', f'"delivery_type":"{key}"')
        assert f'"{key}"' in text
        back = loads(text, DeliveryAttempt, "a1")
        assert back.delivery_type == read
        assert isinstance(back.delivery_type, DeliveryType)
    # the constructors take the key as text and check it
    assert attrs.evolve(made, delivery_type="sproom").delivery_type is DeliveryType.EINVOICE
    with pytest.raises(ValidationError):
        attrs.evolve(made, delivery_type="Fax")
    result = SendResult(True, "sproom", attrs.evolve(made, delivery_type="sproom"), "1")
    assert result.delivery_type is DeliveryType.EINVOICE
    assert result.access_point_document_id is None  # not to a Peppol recipient


def test_idempotency_keys_stored_by_earlier_versions_still_match() -> None:
    from faktura.billing.preflight import SendRequest as _Request

    def request(delivery_type: str) -> _Request:
        return _Request("inv-1", delivery_type, None, "5790000435951", False, None, "k")  # type: ignore[arg-type]

    # earlier versions fingerprinted an e-invoice send with its key then, "sproom"
    assert request(DeliveryType.EINVOICE).fingerprint() == request("sproom").fingerprint()
    assert request(DeliveryType.EMAIL).fingerprint() == request("email").fingerprint()
    assert request(DeliveryType.EMAIL).fingerprint() != request("sproom").fingerprint()


def test_channel_maps_are_checked_by_key() -> None:
    fax = RecordingChannel("fax", RecipientKind.NONE)
    einvoice = RecordingChannel("einvoice")
    found = channels_by_type({"fax": fax, "sproom": einvoice})
    assert found == {"fax": fax, "einvoice": einvoice}
    assert all(isinstance(key, DeliveryType) for key in found)
    for channels, named in (
        ({"Fax": fax}, "'Fax' is not a delivery type"),
        ({"telex": fax}, "'telex' maps to a channel for 'fax'"),
        ({"sproom": einvoice, "einvoice": einvoice}, "'einvoice' is given twice"),
        ({"email": ManualChannel()}, "'email' maps to a channel for 'manual'"),
    ):
        with pytest.raises(ConfigurationError, match=named):
            channels_by_type(channels)  # type: ignore[arg-type]


def test_the_wire_takes_the_reference_names_in_any_case_and_answers_sproom() -> None:
    for given_type, parsed in (
        ("Sproom", "sproom"),
        ("EINVOICE", "einvoice"),
        ("Email", "email"),
        ("fax", "fax"),
        ("Fax", "Fax"),  # a host's key is lower case: left for the send to refuse
    ):
        assert parse_send_request({"deliveryType": given_type}).delivery_type == parsed
    assert wire_delivery_type(DeliveryType.EINVOICE) == "sproom"
    assert [wire_delivery_type(t) for t in BUILT_IN_TYPES] == ["email", "sproom", "manual"]
    assert wire_delivery_type(DeliveryType("fax")) == "fax"


# -- a host's own channels, over the stores ----------------------------------------------


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened: Store
    if request.param == "memory":
        opened = MemoryStore()
    elif request.param == "sqlite":
        opened = SqliteStore(tmp_path / "f.db", create=True)
    else:
        opened = open_store(request.getfixturevalue("pg_url"), create=True)
    yield opened
    opened.close()


def books(store: Store, channels: dict[str, DeliveryChannel]) -> tuple[Billing, str, str]:
    billing = Billing(store, ManualClock(), channels=channels)
    company = billing.create_company(
        CompanyProfile(
            name="Nordlys ApS",
            cvr="13585628",
            vat_id="DK13585628",
            address=Address(street="Vestergade 1", city="Aarhus C", postal_code="8000"),
        )
    )
    customer = billing.create_customer(
        company.id,
        NewCustomer(
            name="Fjord A/S",
            number="K-100",
            address=BUYER_ADDRESS,
            email="ap@fjord.dk",
            ean=EAN,
        ),
    )
    return billing, company.id, customer.id


def draft(billing: Billing, company_id: str, customer_id: str) -> str:
    line = LineInput(description="Consulting", quantity=Decimal(2), unit_price=Decimal("500.00"))
    return billing.create_draft(company_id, NewDraft(customer_id=customer_id, lines=[line])).id


def test_a_host_channel_under_its_own_key_is_used_and_logged(store: Store) -> None:
    fax = RecordingChannel("fax", RecipientKind.NONE)
    postmark = RecordingChannel("postmark", RecipientKind.EMAIL)  # the host's email service
    channels: dict[str, DeliveryChannel] = {"fax": fax, "postmark": postmark}
    billing, company_id, customer_id = books(store, channels)

    faxed = draft(billing, company_id, customer_id)
    result = billing.send(company_id, faxed, "fax", idempotency_key="fax-1")
    assert result.success
    assert result.number == "1"
    assert result.delivery_type == "fax"
    assert [d.message.invoice.id for d in fax.deliveries] == [faxed]
    assert not postmark.deliveries
    assert result.access_point_document_id is None
    assert billing.send(company_id, faxed, "fax", idempotency_key="fax-1") == result
    assert len(fax.deliveries) == 1

    # the recipient follows the channel's kind: an email address, and its override
    mailed = draft(billing, company_id, customer_id)
    sent = billing.send(
        company_id,
        mailed,
        "postmark",
        override_email="boss@fjord.dk",
        update_customer_record=True,
    )
    assert sent.success
    assert postmark.deliveries[-1].message.recipient.address == "boss@fjord.dk"
    assert billing.get_customer(company_id, customer_id).email == "boss@fjord.dk"
    with pytest.raises(ValidationError) as caught:
        billing.send(company_id, mailed, "postmark", override_ean=EAN)
    assert caught.value.field == "override_ean_number"

    # read back from the store by a Billing that does not have the channel: the key stays
    reader = Billing(store, ManualClock())
    status = reader.delivery_status(company_id, faxed)
    [attempt] = status.attempts
    assert attempt.delivery_type == "fax"
    assert isinstance(attempt.delivery_type, DeliveryType)
    wire = delivery_status_to_wire(status)
    assert wire["summary"]["deliveryType"] == "fax"  # type: ignore[index]
    assert send_result_to_wire(result)["deliveryType"] == "fax"
    delivered = [e for e in reader.events(company_id, faxed) if e.type == "delivered"]
    assert [dict(e.data) for e in delivered] == [{"channel": "fax"}]
    with pytest.raises(ValidationError) as caught:
        reader.send(company_id, faxed, "fax")
    assert caught.value.errors[0].rule == "unavailable"


@pytest.mark.parametrize("bad", ["Fax", "", "fax machine", "f" * (MAX_KEY_LENGTH + 1), 7, None])
def test_an_invalid_key_is_refused_naming_delivery_type_and_books_nothing(bad: object) -> None:
    channels: dict[str, DeliveryChannel] = {"fax": RecordingChannel("fax", RecipientKind.NONE)}
    billing, company_id, customer_id = books(MemoryStore(), channels)
    invoice_id = draft(billing, company_id, customer_id)
    with pytest.raises(ValidationError) as caught:
        billing.send(company_id, invoice_id, bad)  # type: ignore[arg-type]
    assert caught.value.field == "delivery_type"
    assert caught.value.errors[0].rule in {"pattern", "type"}
    after = billing.get_invoice(company_id, invoice_id)
    assert (after.status, after.number) == (Status.DRAFT, None)
    assert billing.delivery_status(company_id, invoice_id).attempts == ()


def test_sproom_is_the_einvoice_key(store: Store) -> None:
    einvoice = RecordingChannel(DeliveryType.EINVOICE)
    # a host's channel map of earlier versions: registered under "sproom"
    billing, company_id, customer_id = books(store, {"sproom": einvoice})
    invoice_id = draft(billing, company_id, customer_id)
    sent = billing.send(company_id, invoice_id, "sproom", idempotency_key="k")
    assert sent.success
    assert sent.delivery_type is DeliveryType.EINVOICE
    assert einvoice.deliveries[-1].document.startswith(b"<?xml")
    assert sent.access_point_document_id == einvoice.deliveries[-1].receipt.provider_reference
    assert sent.sproom_document_id == sent.access_point_document_id
    # the same send by either name: the key's stored result, not a conflict
    assert billing.send(company_id, invoice_id, "einvoice", idempotency_key="k") == sent
    assert len(einvoice.deliveries) == 1
    [attempt] = billing.delivery_status(company_id, invoice_id).attempts
    assert attempt.delivery_type is DeliveryType.EINVOICE


# -- what earlier versions stored ----------------------------------------------------------


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_an_attempt_stored_as_sproom_reads_back_as_einvoice(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}" if kind == "sqlite" else request.getfixturevalue("pg_url")
    store = open_store(url, create=True)
    try:
        einvoice = RecordingChannel(DeliveryType.EINVOICE)
        billing, company_id, customer_id = books(store, {"einvoice": einvoice})
        invoice_id = draft(billing, company_id, customer_id)
        first = billing.send(company_id, invoice_id, "einvoice", idempotency_key="old")
        # the row as an earlier version wrote it: the e-invoice type under its old key
        if kind == "sqlite":
            with sqlite3.connect(path) as db:
                changed = db.execute(
                    'UPDATE deliveries SET doc = replace(doc, \'"delivery_type":"einvoice"\', '
                    '\'"delivery_type":"sproom"\')'
                ).rowcount
                [(stored,)] = db.execute(
                    "SELECT json_extract(doc, '$.delivery_type') FROM deliveries"
                )
            db.close()
        else:
            with psycopg.connect(url, autocommit=True) as pg:
                changed = pg.execute(
                    "UPDATE deliveries SET doc = jsonb_set(doc, '{delivery_type}', '\"sproom\"')"
                ).rowcount
                row = pg.execute("SELECT doc->>'delivery_type' FROM deliveries").fetchone()
                stored = row[0] if row else None
        assert (changed, stored) == (1, "sproom")

        status = billing.delivery_status(company_id, invoice_id)
        [attempt] = status.attempts
        assert attempt.delivery_type is DeliveryType.EINVOICE
        assert delivery_status_to_wire(status)["summary"]["deliveryType"] == "sproom"  # type: ignore[index]
        # its key repeats it, the provider's status finds it, and a retry takes the same route
        again = billing.send(company_id, invoice_id, "einvoice", idempotency_key="old")
        assert again.attempt.id == first.attempt.id
        assert again.delivery_type is DeliveryType.EINVOICE
        reference = first.attempt.provider_reference or ""
        assert billing.apply_provider_status(company_id, reference, "accepted").events
        retry = billing.send(company_id, invoice_id, "sproom")
        assert (retry.success, retry.number, retry.attempt.sequence) == (True, first.number, 2)
    finally:
        store.close()
