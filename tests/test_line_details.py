"""A product line's EN 16931 terms: its note (BT-127), its period (BG-26) and its item's
buyer and standard identifiers, classifications, country of origin and attributes
(BT-156 to BT-161): given through the Python API and the wire, kept by every store,
copied to credit notes, shown on the PDF, written to the e-invoice where EN 16931 puts
them and checked there by the official rules."""

from __future__ import annotations

import datetime as dt
import io
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from pypdf import PdfReader

from einvoice_rules import OfficialRules
from faktura import ValidationError
from faktura.billing import Billing
from faktura.documents.pdf import DocumentData, render_pdf
from faktura.documents.ubl import to_ubl
from faktura.invoice import Invoice
from faktura.items import NO_ITEM_DETAILS, ItemAttribute, ItemClassification, ItemDetails
from faktura.lines import ProductLine
from faktura.storage import codec
from faktura.storage.sqlite import SqliteStore
from faktura.terms import PaymentTerms
from faktura.testing.clock import ManualClock
from faktura.testing.parties import seller_and_buyer
from faktura.testing.strategies import item_details, product_lines
from faktura.vat import VatCategory
from faktura.wire import invoice_to_wire, new_draft
from test_http_fixtures import LINE, expect, make_world

NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
GTIN = "4006381333931"
WIRE_TERMS: dict[str, Any] = {
    "note": "Delivered to gate 4",
    "periodStart": "2026-05-01",
    "periodEnd": "2026-05-31",
    "buyerItemId": "B-17",
    "standardItemId": GTIN,
    "standardItemScheme": "0160",
    "classifications": [
        {"code": "43211503", "listId": "TST", "listVersion": "19.05.01"},
        {"code": "30192000-1", "listId": "STI", "listVersion": None},
    ],
    "originCountry": "DE",
    "attributes": [{"name": "Colour", "value": "Red"}, {"name": "Size", "value": "XL"}],
}
DETAILED = {**LINE, "productNumber": "SKU-9", **WIRE_TERMS}
ITEM = ItemDetails(
    buyer_id="B-17",
    standard_id=GTIN,
    standard_scheme="0160",
    classifications=(
        ItemClassification("43211503", "TST", "19.05.01"),
        ItemClassification("30192000-1", "STI"),
    ),
    origin_country="DE",
    attributes=(ItemAttribute("Colour", "Red"), ItemAttribute("Size", "XL")),
)


@pytest.fixture
def billing(tmp_path: Path) -> Billing:
    return Billing(SqliteStore(tmp_path / "faktura.sqlite", create=True), ManualClock())


def line(**terms: Any) -> ProductLine:
    return ProductLine("Widget", Decimal(2), Decimal(10), VatCategory.S, Decimal(25), **terms)


def texts(document: bytes, path: str) -> list[str]:
    return [el.text or "" for el in ET.fromstring(document).findall(path, NS)]


def children(document: bytes, path: str) -> list[str]:
    """The local names of the children of the first element at ``path``."""
    element = ET.fromstring(document).find(path, NS)
    assert element is not None, path
    return [child.tag.rsplit("}", 1)[-1] for child in element]


def issued(billing: Billing, lines: list[dict[str, Any]], **body: Any) -> tuple[bytes, bytes]:
    """A booked invoice of ``lines`` (wire form) and its credit note, both as UBL."""
    company, customer = seller_and_buyer(billing)
    draft = billing.create_draft(
        company.id, new_draft({"customerId": customer.id, "lines": lines} | body)
    )
    invoice = billing.book(company.id, draft.id)
    note = billing.credit(company.id, invoice.id)
    credit = billing.book(company.id, note.id)
    return to_ubl(invoice, company, customer), to_ubl(credit, company, customer)


# -- the values --------------------------------------------------------------------------


def test_every_bad_item_detail_is_named_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        ItemDetails(
            buyer_id="two\nlines",
            standard_id="4006381333932",  # wrong check digit
            standard_scheme="0160",
            origin_country="XX",
            attributes=("Colour",),  # type: ignore[arg-type]
        )
    assert {(e.path, e.rule) for e in caught.value.errors} == {
        ("buyer_item_id", "one_line"),
        ("standard_item_id", "gtin"),
        ("origin_country", "BR-CL-14"),
        ("attributes.0", "type"),
    }


@pytest.mark.parametrize(
    ("standard_id", "scheme", "field", "rule"),
    [
        (GTIN, None, "standard_item_scheme", "BR-64"),
        (None, "0160", "standard_item_id", "required"),
        (GTIN, "9999", "standard_item_scheme", "BR-CL-21"),
        ("ABC", "0160", "standard_item_id", "gtin"),
    ],
)
def test_a_standard_id_needs_a_known_scheme_and_a_gtin_its_check_digit(
    standard_id: str | None, scheme: str | None, field: str, rule: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        ItemDetails(standard_id=standard_id, standard_scheme=scheme)
    assert [(e.path, e.rule) for e in caught.value.errors] == [(field, rule)]


def test_a_standard_id_of_another_scheme_is_not_a_gtin() -> None:
    assert ItemDetails(standard_id="ABC-1", standard_scheme="0203").standard_id == "ABC-1"


def test_a_classification_names_its_uncl_7143_list() -> None:
    with pytest.raises(ValidationError) as caught:
        ItemClassification("43211503", "UNSPSC")
    assert (caught.value.field, caught.value.errors[0].rule) == ("list_id", "BR-CL-13")
    with pytest.raises(ValidationError) as caught:
        ItemAttribute("Colour", " ")
    assert caught.value.field == "value"


@pytest.mark.parametrize(
    ("terms", "field", "rule"),
    [
        ({"period_start": dt.date(2026, 5, 1)}, "period_end", "required"),
        ({"period_end": dt.date(2026, 5, 1)}, "period_start", "required"),
        (
            {"period_start": dt.date(2026, 5, 2), "period_end": dt.date(2026, 5, 1)},
            "period_end",
            "BR-30",
        ),
        ({"period_start": "2026-05-01", "period_end": dt.date(2026, 5, 1)}, "period_start", "type"),
        ({"note": "x" * 1001}, "note", "length"),
        ({"note": "  "}, "note", "required"),
        ({"item": {"buyer_id": "B"}}, "item", "type"),
    ],
)
def test_a_bad_line_term_is_named(terms: dict[str, Any], field: str, rule: str) -> None:
    with pytest.raises(ValidationError) as caught:
        line(**terms)
    assert [(e.path, e.rule) for e in caught.value.errors] == [(field, rule)]


@given(item_details())
def test_texts_name_every_text_given(item: ItemDetails) -> None:
    expected = [t for t in (item.buyer_id, item.standard_id) if t is not None]
    expected += [c.code for c in item.classifications]
    expected += [t for a in item.attributes for t in (a.name, a.value)]
    assert [text for _, text in item.texts()] == expected
    assert bool(item) == (item != ItemDetails())


def test_a_line_period_lies_within_the_invoice_period() -> None:
    clock = ManualClock()

    def draft(start: dt.date, end: dt.date) -> Invoice:
        return Invoice.draft(
            id="d",
            company_id="c",
            customer_id="k",
            issue_date=clock.today(),
            currency="DKK",
            payment_terms=PaymentTerms.net(8),
            at=clock.now(),
            lines=[line(period_start=start, period_end=end)],
            period_start=dt.date(2026, 5, 1),
            period_end=dt.date(2026, 5, 31),
        ).invoice

    assert draft(dt.date(2026, 5, 1), dt.date(2026, 5, 31)).lines[0] is not None
    for start, end, field, rule in (
        (dt.date(2026, 4, 30), dt.date(2026, 5, 31), "period_start", "PEPPOL-EN16931-R110"),
        (dt.date(2026, 5, 1), dt.date(2026, 6, 1), "period_end", "PEPPOL-EN16931-R111"),
    ):
        with pytest.raises(ValidationError) as caught:
            draft(start, end)
        assert (caught.value.field, caught.value.errors[0].rule) == (f"lines.0.{field}", rule)


# -- the stores ---------------------------------------------------------------------------


def test_a_line_without_the_terms_is_stored_as_before() -> None:
    assert codec._converter.dumper(ProductLine)(line()) == {
        "description": "Widget",
        "quantity": "2",
        "unit_price": "10",
        "vat_category": "S",
        "vat_rate": "25",
        "unit": "H87",
        "discount_percent": "0",
        "product_number": None,
    }


def test_a_line_stored_before_the_terms_reads_without_them() -> None:
    stored = codec._converter.dumper(ProductLine)(line())
    read = codec._converter.loader(ProductLine)(stored)
    assert read == line()
    assert read.item is NO_ITEM_DETAILS
    assert (read.note, read.period_start, read.period_end) == (None, None, None)


@given(product_lines())
def test_every_line_reads_back_as_written(drawn: ProductLine) -> None:
    assert (
        codec._converter.loader(ProductLine)(codec._converter.dumper(ProductLine)(drawn)) == drawn
    )


# -- through Billing, the store and the wire --------------------------------------------


def test_the_wire_sets_and_answers_every_line_term(billing: Billing) -> None:
    company, customer = seller_and_buyer(billing)
    draft = billing.create_draft(
        company.id, new_draft({"customerId": customer.id, "lines": [DETAILED]})
    )
    stored = billing.get_invoice(company.id, draft.id).lines[0]
    assert stored == ProductLine(
        description="Consulting",
        quantity=Decimal(2),
        unit_price=Decimal("500.00"),
        vat_category=VatCategory.S,
        vat_rate=Decimal(25),
        product_number="SKU-9",
        note="Delivered to gate 4",
        period_start=dt.date(2026, 5, 1),
        period_end=dt.date(2026, 5, 31),
        item=ITEM,
    )
    answered = invoice_to_wire(billing.get_invoice(company.id, draft.id))["lines"][0]
    assert {key: answered[key] for key in WIRE_TERMS} == WIRE_TERMS


def test_bad_line_terms_on_the_wire_are_named_and_nothing_is_stored(billing: Billing) -> None:
    company, customer = seller_and_buyer(billing)
    bad = {
        **LINE,
        "periodStart": "2026-05-01",
        "standardItemId": "12345",
        "standardItemScheme": "0160",
        "classifications": [{"code": "1", "listId": "XX"}],
        "attributes": [{"name": "Colour"}],
    }
    text = {"lineType": "text", "description": "Note", "note": "no"}
    with pytest.raises(ValidationError) as caught:
        billing.create_draft(
            company.id, new_draft({"customerId": customer.id, "lines": [bad, text]})
        )
    paths = {e.path for e in caught.value.errors}
    assert {
        "lines.0.classifications.0.list_id",
        "lines.0.attributes.0.value",
    } <= paths
    assert billing.list_invoices(company.id).total == 0
    with pytest.raises(ValidationError) as caught:
        billing.create_draft(company.id, new_draft({"customerId": customer.id, "lines": [text]}))
    assert caught.value.field == "lines.0.note"
    for half, path in (
        ({"periodStart": "2026-05-01"}, "lines.0.period_end"),
        ({"standardItemId": "12345"}, "lines.0.standard_item_scheme"),
    ):
        with pytest.raises(ValidationError) as caught:
            billing.create_draft(
                company.id, new_draft({"customerId": customer.id, "lines": [LINE | half]})
            )
        assert {e.path for e in caught.value.errors} == {path}


def test_a_credit_note_keeps_the_line_terms(billing: Billing) -> None:
    company, customer = seller_and_buyer(billing)
    draft = billing.create_draft(
        company.id, new_draft({"customerId": customer.id, "lines": [DETAILED]})
    )
    invoice = billing.book(company.id, draft.id)
    whole = billing.get_invoice(company.id, billing.credit(company.id, invoice.id).id)
    assert whole.lines == invoice.lines
    other = billing.book(
        company.id,
        billing.create_draft(
            company.id, new_draft({"customerId": customer.id, "lines": [DETAILED]})
        ).id,
    )
    part = billing.credit(company.id, other.id, lines=[(0, Decimal(1))])
    credited = billing.get_invoice(company.id, part.id).lines[0]
    assert isinstance(credited, ProductLine)
    assert credited.quantity == 1
    assert (credited.note, credited.period_end, credited.item) == (
        "Delivered to gate 4",
        dt.date(2026, 5, 31),
        ITEM,
    )


def test_the_http_api_takes_and_answers_line_terms() -> None:
    world = make_world()
    api = world.client(world.a.key)
    body = {"customerId": world.a.customer_id, "lines": [DETAILED]}
    created = expect(api.post("/v1/invoices", json=body), 201)
    assert {key: created["lines"][0][key] for key in WIRE_TERMS} == WIRE_TERMS
    bad_line = {**LINE, "originCountry": "Germany"}
    bad = expect(api.patch(f"/v1/invoices/{created['id']}", json={"lines": [bad_line]}), 400)
    properties = {e["property"] for e in bad["details"]["validationErrors"]}
    assert properties == {"lines.0.originCountry"}
    plain = expect(api.patch(f"/v1/invoices/{created['id']}", json={"lines": [LINE]}), 200)
    assert plain["lines"][0]["note"] is None
    assert plain["lines"][0]["classifications"] == []


# -- documents ---------------------------------------------------------------------------


def test_the_pdf_shows_the_note_period_and_item(billing: Billing) -> None:
    company, customer = seller_and_buyer(billing)
    draft = billing.create_draft(
        company.id, new_draft({"customerId": customer.id, "lines": [DETAILED]})
    )
    pdf = render_pdf(DocumentData(draft, company, customer, locale="en"), draft=True)
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    for shown in (
        "Delivered to gate 4",
        "Delivery period",
        "Your item no. B-17",
        f"GTIN {GTIN}",
        "Country of origin: Germany",
        "Classification TST 43211503",
        "Colour: Red",
        "Size: XL",
    ):
        assert shown in text, shown


def test_the_e_invoice_says_every_line_term(billing: Billing, validator: OfficialRules) -> None:
    invoice, credit = issued(billing, [DETAILED], periodStart="2026-05-01", periodEnd="2026-06-30")
    for document, name in ((invoice, "cac:InvoiceLine"), (credit, "cac:CreditNoteLine")):
        validator.check(document)
        assert texts(document, f"{name}/cbc:Note") == ["Delivered to gate 4"]
        assert texts(document, f"{name}/cac:InvoicePeriod/cbc:StartDate") == ["2026-05-01"]
        assert texts(document, f"{name}/cac:InvoicePeriod/cbc:EndDate") == ["2026-05-31"]
        item = f"{name}/cac:Item"
        assert texts(document, f"{item}/cac:BuyersItemIdentification/cbc:ID") == ["B-17"]
        assert texts(document, f"{item}/cac:SellersItemIdentification/cbc:ID") == ["SKU-9"]
        standard = ET.fromstring(document).find(f"{item}/cac:StandardItemIdentification/cbc:ID", NS)
        assert standard is not None
        assert (standard.text, standard.get("schemeID")) == (GTIN, "0160")
        assert texts(document, f"{item}/cac:OriginCountry/cbc:IdentificationCode") == ["DE"]
        codes = ET.fromstring(document).findall(
            f"{item}/cac:CommodityClassification/cbc:ItemClassificationCode", NS
        )
        assert [(c.text, c.get("listID"), c.get("listVersionID")) for c in codes] == [
            ("43211503", "TST", "19.05.01"),
            ("30192000-1", "STI", None),
        ]
        assert texts(document, f"{item}/cac:AdditionalItemProperty/cbc:Name") == ["Colour", "Size"]
        assert texts(document, f"{item}/cac:AdditionalItemProperty/cbc:Value") == ["Red", "XL"]
        assert children(document, item) == [
            "Name",
            "BuyersItemIdentification",
            "SellersItemIdentification",
            "StandardItemIdentification",
            "OriginCountry",
            "CommodityClassification",
            "CommodityClassification",
            "ClassifiedTaxCategory",
            "AdditionalItemProperty",
            "AdditionalItemProperty",
        ]
        assert children(document, name)[:5] == [
            "ID",
            "Note",
            "CreditedQuantity" if name == "cac:CreditNoteLine" else "InvoicedQuantity",
            "LineExtensionAmount",
            "InvoicePeriod",
        ]


def test_a_line_without_terms_writes_none_of_their_elements(billing: Billing) -> None:
    for document in issued(billing, [LINE]):
        root = ET.fromstring(document)
        for line_name in ("cac:InvoiceLine", "cac:CreditNoteLine"):
            for path in (
                "cbc:Note",
                "cac:InvoicePeriod",
                "cac:Item/cac:BuyersItemIdentification",
                "cac:Item/cac:StandardItemIdentification",
                "cac:Item/cac:OriginCountry",
                "cac:Item/cac:CommodityClassification",
                "cac:Item/cac:AdditionalItemProperty",
            ):
                assert root.findall(f"{line_name}/{path}", NS) == [], path
