"""Deliver-to (BG-13) on a document, the payee (BG-10) and further bank accounts (BG-17)
of a company: given through the Python API and the wire, kept by the stores, shown on
the PDF and written to the e-invoice where EN 16931 puts them, checked there by the
official rules."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import attrs
import pytest
from pypdf import PdfReader

from einvoice_rules import OfficialRules
from faktura import ValidationError
from faktura.billing import Billing
from faktura.commands import DraftChanges
from faktura.deliver_to import DeliverTo
from faktura.documents.payment import payment_lines
from faktura.documents.pdf import DocumentData, render_pdf
from faktura.documents.ubl import to_ubl
from faktura.invoice import Invoice
from faktura.parties import Address, BankAccount, Company, Payee
from faktura.storage import codec
from faktura.storage.sqlite import SqliteStore
from faktura.terms import PaymentTerms
from faktura.testing.clock import ManualClock
from faktura.testing.parties import seller_and_buyer
from faktura.vat import VatCategory
from faktura.wire import invoice_to_wire, new_draft
from test_http_fixtures import LINE, expect, make_world
from test_ubl import AT, DAY, booked, company, customer, line, xpath

GLN = "5790000436057"
SITE = Address(street="Kalvebod Brygge 1", city="København V", postal_code="1560")
WIRE_DELIVER_TO = {
    "name": "Havnebadet",
    "locationId": GLN,
    "locationScheme": "0088",
    "address": {
        "street": "Kalvebod Brygge 1",
        "city": "København V",
        "postalCode": "1560",
        "country": "DK",
        "additional": None,
    },
}
FACTOR = Payee(
    "Nordisk Factoring A/S",
    identifier="5790000435951",
    identifier_scheme="0088",
    legal_id="13585628",
    legal_id_scheme="0184",
)
EUR_BANK = BankAccount(iban="DE89370400440532013000", bic="COBADEFFXXX")
OTHER_IBAN = BankAccount(iban="DK5000400440116243", bic="DABADKKK")


@pytest.fixture
def billing(tmp_path: Path) -> Billing:
    return Billing(SqliteStore(tmp_path / "faktura.sqlite", create=True), ManualClock())


def pdf_text(invoice: Invoice, seller: Company, locale: str = "da") -> str:
    pdf = render_pdf(DocumentData(invoice, seller, customer(), locale=locale))
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def elements(document: bytes, path: str) -> list[ET.Element]:
    from test_ubl import NS

    return ET.fromstring(document).findall(path, NS)


# -- deliver-to: the value -----------------------------------------------------------------


def test_a_deliver_to_names_something() -> None:
    with pytest.raises(ValidationError) as caught:
        DeliverTo()
    assert caught.value.errors[0].rule == "required"


@pytest.mark.parametrize(
    ("fields", "path", "rule"),
    [
        ({"location_id": "5790000436058", "location_scheme": "0088"}, "location_id", "ean"),
        ({"location_id": "X-1", "location_scheme": "9999x"}, "location_scheme", "BR-CL-26"),
        ({"location_id": "X-1", "location_scheme": "1234"}, "location_scheme", "BR-CL-26"),
        ({"name": "A", "location_scheme": "0088"}, "location_scheme", "required"),
        ({"name": "two\nlines"}, "name", "one_line"),
        ({"name": "   "}, "name", "required"),
        ({"name": "A", "address": {"city": "Aarhus"}}, "address", "type"),
    ],
)
def test_a_bad_deliver_to_is_named(fields: dict[str, Any], path: str, rule: str) -> None:
    with pytest.raises(ValidationError) as caught:
        DeliverTo(**fields)
    assert (caught.value.field, caught.value.errors[0].rule) == (path, rule)


def test_a_gln_location_is_kept_compact() -> None:
    place = DeliverTo(location_id=" 579000 0436057", location_scheme="0088")
    assert place.location_id == GLN
    assert DeliverTo(location_id="Lager 7").location_scheme is None


def test_an_invoice_refuses_what_is_not_a_deliver_to() -> None:
    with pytest.raises(ValidationError) as caught:
        Invoice.draft(
            id="d",
            company_id="c",
            customer_id="k",
            issue_date=DAY,
            currency="DKK",
            payment_terms=PaymentTerms.net(8),
            at=AT,
            deliver_to={"name": "Havnebadet"},
        )
    assert caught.value.field == "deliver_to"


# -- deliver-to: through Billing, the stores and the wire ----------------------------------


def test_the_wire_sets_keeps_and_clears_the_deliver_to(billing: Billing) -> None:
    seller, buyer = seller_and_buyer(billing)
    draft = billing.create_draft(
        seller.id,
        new_draft({"customerId": buyer.id, "lines": [LINE], "deliverTo": WIRE_DELIVER_TO}),
    )
    stored = billing.get_invoice(seller.id, draft.id)
    assert stored.deliver_to == DeliverTo("Havnebadet", GLN, "0088", SITE)
    assert invoice_to_wire(stored)["deliverTo"] == WIRE_DELIVER_TO
    billing.update_draft(seller.id, draft.id, DraftChanges(deliver_to=DeliverTo(name="Lager 2")))
    assert billing.get_invoice(seller.id, draft.id).deliver_to == DeliverTo(name="Lager 2")
    billing.update_draft(seller.id, draft.id, DraftChanges(deliver_to=None))
    cleared = billing.get_invoice(seller.id, draft.id)
    assert cleared.deliver_to is None
    assert invoice_to_wire(cleared)["deliverTo"] is None


def test_a_credit_note_keeps_the_deliver_to(billing: Billing) -> None:
    seller, buyer = seller_and_buyer(billing)
    draft = billing.create_draft(
        seller.id,
        new_draft({"customerId": buyer.id, "lines": [LINE], "deliverTo": WIRE_DELIVER_TO}),
    )
    invoice = billing.book(seller.id, draft.id)
    note = billing.credit(seller.id, invoice.id)
    assert billing.get_invoice(seller.id, note.id).deliver_to == invoice.deliver_to


def test_a_bad_deliver_to_on_the_wire_is_named_and_nothing_is_stored(billing: Billing) -> None:
    seller, buyer = seller_and_buyer(billing)
    body = {
        "customerId": buyer.id,
        "lines": [LINE],
        "deliverTo": {"address": {"country": "EL"}, "colour": "blue"},
    }
    with pytest.raises(ValidationError) as caught:
        billing.create_draft(seller.id, new_draft(body))
    assert {e.path for e in caught.value.errors} == {  # the wire form names them
        "deliverTo.address.country",
        "deliverTo.colour",
    }
    assert billing.list_invoices(seller.id).total == 0


def test_documents_stored_before_deliver_to_decode_without_one() -> None:
    invoice = booked(line("100"), deliver_to=DeliverTo(name="Havnebadet"))
    data = codec.dump(invoice)
    assert data["deliver_to"] == {
        "name": "Havnebadet",
        "location_id": None,
        "location_scheme": None,
        "address": None,
    }
    assert codec.load(data, Invoice).deliver_to == DeliverTo(name="Havnebadet")
    del data["deliver_to"]
    assert codec.load(data, Invoice).deliver_to is None


def test_companies_stored_before_payees_decode_without_one() -> None:
    data = codec.dump(company(payee=FACTOR, other_banks=(OTHER_IBAN,)))
    assert codec.load(data, Company).payee == FACTOR
    del data["payee"], data["other_banks"]
    old = codec.load(data, Company)
    assert (old.payee, old.other_banks) == (None, ())


def test_the_http_api_takes_and_answers_the_deliver_to() -> None:
    world = make_world()
    api = world.client(world.a.key)
    body = {"customerId": world.a.customer_id, "lines": [LINE], "deliverTo": WIRE_DELIVER_TO}
    created = expect(api.post("/v1/invoices", json=body), 201)
    assert created["deliverTo"] == WIRE_DELIVER_TO
    assert expect(api.get(f"/v1/invoices/{created['id']}"), 200)["deliverTo"] == WIRE_DELIVER_TO
    path = f"/v1/invoices/{created['id']}"
    bad = expect(
        api.patch(path, json={"deliverTo": {"locationId": "1", "locationScheme": "0088"}}), 400
    )
    assert {e["property"] for e in bad["details"]["validationErrors"]} == {"deliverTo.locationId"}
    cleared = expect(api.patch(path, json={"deliverTo": None}), 200)
    assert cleared["deliverTo"] is None


# -- deliver-to: documents ----------------------------------------------------------------


def test_the_e_invoice_says_the_deliver_to(validator: OfficialRules) -> None:
    place = DeliverTo("Havnebadet", GLN, "0088", SITE)
    invoice = booked(line("100"), deliver_to=place)
    document = to_ubl(invoice, company(), customer())
    validator.check(document)
    assert xpath(document, "cac:Delivery/cbc:ActualDeliveryDate") == [DAY.isoformat()]
    assert xpath(document, "cac:Delivery/cac:DeliveryLocation/cbc:ID") == [GLN]
    (location_id,) = elements(document, "cac:Delivery/cac:DeliveryLocation/cbc:ID")
    assert location_id.get("schemeID") == "0088"
    address = "cac:Delivery/cac:DeliveryLocation/cac:Address/"
    assert xpath(document, address + "cbc:StreetName") == ["Kalvebod Brygge 1"]
    assert xpath(document, address + "cbc:PostalZone") == ["1560"]
    assert xpath(document, address + "cac:Country/cbc:IdentificationCode") == ["DK"]
    assert xpath(document, "cac:Delivery/cac:DeliveryParty/cac:PartyName/cbc:Name") == [
        "Havnebadet"
    ]


def test_a_credit_note_with_only_a_deliver_to_states_no_invented_date(
    validator: OfficialRules,
) -> None:
    invoice = booked(
        line("100"),
        deliver_to=DeliverTo(location_id="Lager 7"),
        period_start=DAY,
        period_end=DAY,
    )
    note = invoice.credit("cn", AT, DAY, reason="Returned").credit_note.book("K-1", AT).invoice
    for document in (to_ubl(invoice, company(), customer()), to_ubl(note, company(), customer())):
        validator.check(document)
        assert xpath(document, "cac:Delivery/cbc:ActualDeliveryDate") == []
        (location_id,) = elements(document, "cac:Delivery/cac:DeliveryLocation/cbc:ID")
        assert (location_id.text, location_id.get("schemeID")) == ("Lager 7", None)


def test_intra_community_supply_delivers_to_the_deliver_to_country(
    validator: OfficialRules,
) -> None:
    country = "cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode"
    k_line = line("100", "1", VatCategory.K, "0")
    abroad = DeliverTo(address=Address(city="Flensburg", postal_code="24937", country="DE"))
    for deliver_to, expected in ((abroad, "DE"), (DeliverTo(name="Lager"), "DK"), (None, "DK")):
        document = to_ubl(booked(k_line, deliver_to=deliver_to), company(), customer())
        validator.check(document)
        assert xpath(document, country) == [expected]


def test_the_pdf_shows_the_delivery_address() -> None:
    invoice = booked(line("100"), deliver_to=DeliverTo("Havnebadet", GLN, "0088", SITE))
    text = pdf_text(invoice, company(), "en")
    for expected in ("Delivery address", "Havnebadet", "Kalvebod Brygge 1", f"Location {GLN}"):
        assert expected in text, expected
    assert "Delivery address" not in pdf_text(booked(line("100")), company(), "en")


# -- payee ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "path", "rule"),
    [
        ({"name": " "}, "name", "required"),
        ({"name": "F", "identifier": "5790000435952", "identifier_scheme": "0088"}, None, "ean"),
        ({"name": "F", "legal_id": "1234", "legal_id_scheme": "0184"}, "legal_id", "cvr"),
        ({"name": "F", "legal_id": "1234", "legal_id_scheme": "01"}, "legal_id_scheme", "BR-CL-11"),
        ({"name": "F", "identifier_scheme": "0088"}, "identifier_scheme", "required"),
        ({"name": "F", "identifier": "9", "identifier_scheme": "0192"}, None, "party_id_scheme"),
    ],
)
def test_a_bad_payee_is_named(fields: dict[str, Any], path: str | None, rule: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Payee(**fields)
    error = caught.value.errors[0]
    assert error.rule == rule
    if path is not None:
        assert error.path == path


def test_the_payee_is_not_the_seller() -> None:
    with pytest.raises(ValidationError) as caught:
        company(payee=Payee("Sælger & Søn ApS"))
    assert (caught.value.field, caught.value.errors[0].rule) == ("payee.name", "BR-17")
    with pytest.raises(ValidationError) as caught:
        company(payee=Payee("Factor", identifier="DK13585628"))
    assert caught.value.field == "payee.identifier"


def test_the_e_invoice_names_the_payee(validator: OfficialRules) -> None:
    seller = company(payee=FACTOR)
    invoice = booked(line("100"))
    note = invoice.credit("cn", AT, DAY, reason="x").credit_note.book("K-1", AT).invoice
    for document in (to_ubl(invoice, seller, customer()), to_ubl(note, seller, customer())):
        validator.check(document)
        assert xpath(document, "cac:PayeeParty/cac:PartyName/cbc:Name") == [FACTOR.name]
        (identifier,) = elements(document, "cac:PayeeParty/cac:PartyIdentification/cbc:ID")
        assert (identifier.text, identifier.get("schemeID")) == (FACTOR.identifier, "0088")
        (legal,) = elements(document, "cac:PayeeParty/cac:PartyLegalEntity/cbc:CompanyID")
        assert (legal.text, legal.get("schemeID")) == ("13585628", "0184")
        tags = [child.tag.rsplit("}", 1)[-1] for child in ET.fromstring(document)]
        assert tags.index("PayeeParty") == tags.index("AccountingCustomerParty") + 1
    bare = to_ubl(booked(line("100")), company(payee=Payee("Factor ApS")), customer())
    validator.check(bare)
    assert xpath(bare, "cac:PayeeParty/cac:PartyName/cbc:Name") == ["Factor ApS"]
    assert elements(bare, "cac:PayeeParty/cac:PartyIdentification") == []
    assert elements(to_ubl(invoice, company(), customer()), "cac:PayeeParty") == []


def test_the_pdf_and_the_email_name_the_payee() -> None:
    invoice = booked(line("100"))
    lines = payment_lines(invoice, company(payee=FACTOR), "da")
    assert lines[0] == f"Betalingsmodtager: {FACTOR.name}"
    assert f"Betalingsmodtager: {FACTOR.name}" in pdf_text(invoice, company(payee=FACTOR))
    assert not any("Betalingsmodtager" in text for text in payment_lines(invoice, company(), "da"))


# -- other accounts -------------------------------------------------------------------------


def means(document: bytes) -> list[tuple[str, str, str, str | None]]:
    found = []
    for element in elements(document, "cac:PaymentMeans"):
        code = element.findtext("{*}PaymentMeansCode") or ""
        payment_id = element.findtext("{*}PaymentID") or ""
        account = element.find("{*}PayeeFinancialAccount")
        assert account is not None
        branch = account.findtext("{*}FinancialInstitutionBranch/{*}ID")
        found.append((code, payment_id, account.findtext("{*}ID") or "", branch))
    return found


def test_each_other_iban_is_one_more_sepa_transfer(validator: OfficialRules) -> None:
    seller = company(bank=EUR_BANK, other_banks=(OTHER_IBAN, BankAccount("1234", "99")))
    document = to_ubl(booked(line("100"), currency="EUR"), seller, customer())
    validator.check(document)
    assert means(document) == [
        ("58", "2026-0042", EUR_BANK.iban, EUR_BANK.bic),
        ("58", "2026-0042", OTHER_IBAN.iban, OTHER_IBAN.bic),
    ]


def test_each_other_danish_account_is_one_more_bank_transfer(validator: OfficialRules) -> None:
    other = BankAccount(reg_no="5678", account_no="1122334455")
    iban_only = BankAccount(iban="DE89370400440532013000")
    seller = company(fik_creditor=None, other_banks=(other, iban_only))
    document = to_ubl(booked(line("100")), seller, customer())
    validator.check(document)
    assert means(document) == [
        ("42", "2026-0042", "0012345678", "1234"),
        ("42", "2026-0042", "1122334455", "5678"),
    ]


def test_a_fik_payment_names_no_other_account(validator: OfficialRules) -> None:
    seller = company(other_banks=(BankAccount(reg_no="5678", account_no="1122334455"),))
    document = to_ubl(booked(line("100")), seller, customer())
    validator.check(document)
    assert [code for code, *_ in means(document)] == ["93"]


def test_other_accounts_need_a_bank_first() -> None:
    with pytest.raises(ValidationError) as caught:
        company(bank=None, other_banks=(OTHER_IBAN,))
    assert caught.value.field == "other_banks"
    with pytest.raises(ValidationError) as caught:
        company(other_banks=(OTHER_IBAN, "DK50"))
    assert caught.value.field == "other_banks.1"


def test_the_pdf_shows_every_account() -> None:
    seller = company(other_banks=(BankAccount(reg_no="5678", account_no="1122334455"),))
    text = pdf_text(booked(line("100")), seller)
    assert "Reg.nr. 1234 · Kontonr. 0012345678" in text
    assert "Reg.nr. 5678 · Kontonr. 1122334455" in text


# -- the company over the wire ------------------------------------------------------------------


def test_the_http_api_edits_payee_and_other_accounts() -> None:
    world = make_world()
    api = world.client(world.a.key)
    body = {
        "payee": {
            "name": "Nordisk Factoring A/S",
            "legalId": "13585628",
            "legalIdScheme": "0184",
        },
        "bank": {"regNo": "1234", "accountNo": "0012345678"},
        "otherBanks": [{"iban": "DK5000400440116243"}],
    }
    changed = expect(api.patch("/v1/company", json=body), 200)
    assert changed["payee"] == {
        "name": "Nordisk Factoring A/S",
        "identifier": None,
        "identifierScheme": None,
        "legalId": "13585628",
        "legalIdScheme": "0184",
    }
    assert changed["otherBanks"] == [
        {"regNo": None, "accountNo": None, "iban": "DK5000400440116243", "bic": None}
    ]
    # a partial payee merges into the one kept
    kept = expect(api.patch("/v1/company", json={"payee": {"identifier": "X-7"}}), 200)
    assert (kept["payee"]["name"], kept["payee"]["identifier"]) == ("Nordisk Factoring A/S", "X-7")
    bad = expect(
        api.patch(
            "/v1/company",
            json={"payee": {"legalIdScheme": "01"}, "otherBanks": [{}, {"iban": "DK00"}]},
        ),
        400,
    )
    properties = {e["property"] for e in bad["details"]["validationErrors"]}
    assert properties == {"payee.legalIdScheme", "otherBanks.1.iban"}
    cleared = expect(api.patch("/v1/company", json={"payee": None, "otherBanks": None}), 200)
    assert (cleared["payee"], cleared["otherBanks"]) == (None, [])


def test_a_new_payee_needs_its_name(billing: Billing) -> None:
    seller, _ = seller_and_buyer(billing)
    with pytest.raises(ValidationError) as caught:
        billing.update_company(seller.id, {"payee": {"identifier": "X"}})
    assert caught.value.fields == ("payee.name",)
    changed = billing.update_company(seller.id, {"payee": {"name": "Factor A/S"}})
    assert changed.payee == Payee("Factor A/S")
    assert attrs.evolve(changed, payee=None).payee is None
