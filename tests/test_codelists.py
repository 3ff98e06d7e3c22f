"""The official code lists: generated from Peppol's files, checked where codes come in.

``faktura.codelists`` is written by tools/codelists.py from the code list files of Peppol
BIS Billing 3.0.19 in the rules folder (``EN16931_RULES_DIR``); the first test fails when
the module differs from what the files give (an edit by hand, or new files), and is
skipped without the folder except under CI=true. The others need no folder: currencies,
address countries, units and allowance/charge reason codes are refused at the edge with
the field and the BR-CL rule named, over the Python API and over HTTP, and every code
faktura writes itself in a UBL document is on its list.
"""

from __future__ import annotations

import hashlib
import importlib.util
import string
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import einvoice_rules
from faktura import codelists
from faktura.errors import ValidationError
from faktura.invoice import BOOKED_STATUSES, Invoice, Status
from faktura.lines import AllowanceCharge, ProductLine
from faktura.money import RESERVED_CODES, Currency
from faktura.parties import Address, BankAccount
from faktura.testing.strategies import CURRENCY_CODES, invoices
from faktura.vat import VatCategory
from test_http_fixtures import ALL_SCOPES, LINE, Client, World, expect, make_world
from test_ubl import NS, company, customer, line

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "tools" / "codelists.py"
MODULE = ROOT / "src" / "faktura" / "codelists.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("faktura_codelists_generator", GENERATOR)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


gen = _generator()


def refused(call: Callable[[], object], field: str, rule: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        call()
    error = caught.value
    assert (error.field, error.errors[0].rule) == (field, rule)
    assert field in str(error)
    assert len(str(error)) < 300
    return error


# -- the generated module ------------------------------------------------------------------


def test_the_module_is_what_the_official_files_give() -> None:
    folder = einvoice_rules.peppol_rules_dir()
    if folder is None or not (folder / "codelists" / "SHA256SUMS").is_file():
        message = f"no code list files: {einvoice_rules.HOW_TO_GET} (with codelists/)"
        if einvoice_rules.ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    expected = gen.render(folder)
    assert MODULE.read_text(encoding="utf-8") == expected, (
        "src/faktura/codelists.py differs from the code list files: "
        "run EN16931_RULES_DIR=... python tools/codelists.py"
    )


def test_the_module_says_where_it_comes_from() -> None:
    assert codelists.SOURCE["tag"] == "v" + codelists.SOURCE["version"] == "v3.0.19"
    assert len(codelists.SOURCE["commit"]) == 40
    for spec in gen.SPECS:
        provenance = codelists.PROVENANCE[spec.constant]
        assert provenance["file"] == spec.file
        assert len(provenance["sha256"]) == 64
        assert getattr(codelists, spec.constant)
    assert "do not edit by hand" in (codelists.__doc__ or "")


def _fake_rules(folder: Path, lists: dict[str, list[str]], cen_only: dict[str, str]) -> Path:
    """A rules folder holding a code list file per generated list with ``lists``'s codes
    (A1, B2 where not given), and two CEN stylesheets whose BR-CL rules accept every code
    but, in the first, the rules named in ``cen_only`` accept only the code given."""
    (folder / "codelists").mkdir(parents=True)
    (folder / "cen").mkdir()
    (folder / "peppol").mkdir()
    sums = []
    rules: dict[str, list[str]] = {}
    for spec in gen.SPECS:
        codes = lists.get(spec.constant, ["A1", "B2"])
        body = "".join(f"<Code><Id> {c} </Id><Name>Name  of {c}</Name></Code>" for c in codes)
        data = (
            f'<CodeList xmlns="urn:fdc:difi.no:2017:vefa:structure:CodeList-1"><Title>T '
            f"{spec.constant}</Title><Identifier>{spec.constant}</Identifier><Version>1"
            f"</Version>{body}</CodeList>"
        ).encode()
        (folder / "codelists" / spec.file).write_bytes(data)
        sums.append(f"{hashlib.sha256(data).hexdigest()}  {spec.file}")
        for rule, index in spec.rules:
            rules.setdefault(rule, ["", ""])[index] = " ".join(codes)
    (folder / "codelists" / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="utf-8")
    digests = {}
    for layer, name in gen.CEN_LAYERS.items():
        parts = []
        for rule, (first, second) in rules.items():
            if layer == "cen" and rule in cen_only:
                first = cen_only[rule]
            parts.append(
                f"<xsl:when test=\"contains(' {first} ', .) or contains(' {second} ', .)\"/>"
                f'<xsl:attribute name="id">{rule}</xsl:attribute>'
            )
        data = "\n".join(parts).encode()
        (folder / name).write_bytes(data)
        digests[layer] = hashlib.sha256(data).hexdigest()
    manifest = {
        "layers": {
            "peppol": {"source": {"repo": "o/r", "tag": "v3.0.19", "commit": "c" * 40}},
            **{layer: {"sha256": digest} for layer, digest in digests.items()},
        }
    }
    (folder / "MANIFEST.json").write_text(repr(manifest).replace("'", '"'), encoding="utf-8")
    return folder


def _run(text: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(text, "codelists.py", "exec"), namespace)
    return namespace


def test_the_generator_keeps_what_every_layer_accepts(tmp_path: Path) -> None:
    folder = _fake_rules(tmp_path, {"CURRENCIES": ["AAA", "BBB", "CCC"]}, {"BR-CL-04": "BBB"})
    made = _run(gen.render(folder))
    assert dict(made["CURRENCIES"]) == {"BBB": "Name of BBB"}  # names with one space
    assert dict(made["LEFT_OUT"]["CURRENCIES"]) == {"AAA": "cen BR-CL-04", "CCC": "cen BR-CL-04"}
    assert made["UNITS"] == frozenset({"A1", "B2"})
    assert dict(made["CREDIT_NOTE_TYPES"]) == {"A1": "Name of A1", "B2": "Name of B2"}
    assert made["PROVENANCE"]["CURRENCIES"]["identifier"] == "CURRENCIES"
    assert made["SOURCE"]["commit"] == "c" * 40


def test_the_generator_refuses_a_file_that_is_not_what_its_digest_says(tmp_path: Path) -> None:
    folder = _fake_rules(tmp_path, {}, {})
    (folder / "codelists" / "UNCL5189.xml").write_bytes(b"<changed/>")
    with pytest.raises(gen.SourceError, match=r"UNCL5189\.xml"):
        gen.render(folder)


def test_the_generator_refuses_a_rule_it_cannot_find(tmp_path: Path) -> None:
    folder = _fake_rules(tmp_path, {}, {})
    path = folder / gen.CEN_LAYERS["peppol-cen"]
    path.write_text(path.read_text(encoding="utf-8").replace("BR-CL-23", "BR-CL-99"))
    with pytest.raises(gen.SourceError):
        gen.render(folder)


# -- currencies (BR-CL-04) -----------------------------------------------------------------


@pytest.mark.parametrize("code", ["HRK", "DEM", "FRF", "CNH", "STN", "BGN"])
def test_currencies_outside_the_official_list_are_refused(code: str) -> None:
    # HRK, DEM, FRF: withdrawn, babel knows them; CNH, STN, BGN: a CEN layer refuses them
    error = refused(lambda: Currency.of(code, "lines.0.currency"), "lines.0.currency", "BR-CL-04")
    assert repr(code) in str(error)


@given(st.text(alphabet=string.ascii_uppercase, min_size=3, max_size=3))
def test_a_currency_is_accepted_exactly_when_it_is_on_the_list(code: str) -> None:
    if code in codelists.CURRENCIES and code not in RESERVED_CODES:
        assert Currency.of(code).code == code
    else:
        with pytest.raises(ValidationError) as caught:
            Currency.of(code)
        assert caught.value.field == "currency"


def test_every_listed_currency_has_its_minor_units() -> None:
    for code in codelists.CURRENCIES.keys() - RESERVED_CODES.keys():
        assert 0 <= Currency.of(code).minor_units <= 4


def test_the_strategies_draw_listed_currencies() -> None:
    assert set(CURRENCY_CODES) <= codelists.CURRENCIES.keys()


# -- address countries (BR-CL-14) ----------------------------------------------------------


@pytest.mark.parametrize(("code", "instead"), [("UK", "GB"), ("EL", "GR")])
def test_vat_prefixes_are_refused_in_addresses_naming_the_code(code: str, instead: str) -> None:
    error = refused(lambda: Address(country=code), "country", "BR-CL-14")
    assert repr(instead) in str(error)
    assert Address(country=instead).country == instead


@pytest.mark.parametrize("code", ["XX", "EU", "ZZ", "dk", "DNK", "", 45])
def test_countries_outside_iso_3166_are_refused(code: object) -> None:
    refused(lambda: Address(country=code), "country", "BR-CL-14")  # type: ignore[arg-type]


@given(st.text(alphabet=string.ascii_uppercase + string.digits, min_size=2, max_size=2))
def test_a_country_is_accepted_exactly_when_it_is_on_the_list(code: str) -> None:
    if code in codelists.COUNTRIES:
        assert Address(country=code).country == code
    else:
        refused(lambda: Address(country=code), "country", "BR-CL-14")


def test_northern_ireland_and_kosovo_are_addresses() -> None:
    assert Address(country="XI").country == "XI"
    assert Address(country="1A").country == "1A"


# -- units (BR-CL-23) ----------------------------------------------------------------------


@pytest.mark.parametrize("unit", ["PCS", "PCE", "KG", "pcs", "H 87", "", "X" * 100])
def test_units_outside_rec_20_are_refused(unit: str) -> None:
    error = refused(lambda: line("10", unit=unit), "unit", "BR-CL-23")
    assert "'H87'" in str(error)


@given(
    st.sampled_from(sorted(codelists.UNITS))
    | st.text(alphabet=string.ascii_uppercase + string.digits, min_size=1, max_size=3)
)
def test_a_unit_is_accepted_exactly_when_it_is_on_the_list(unit: str) -> None:
    if unit in codelists.UNITS:
        assert line("10", unit=unit).unit == unit
    else:
        refused(lambda: line("10", unit=unit), "unit", "BR-CL-23")


# -- allowance and charge reason codes (BR-CL-19, BR-CL-20) --------------------------------


def _allowance_charge(charge: bool, code: str) -> AllowanceCharge:
    return AllowanceCharge(
        charge,
        "Reason",
        VatCategory.S,
        25,
        amount=10,
        reason_code=code,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("charge", "code", "rule"),
    [(False, "FC", "BR-CL-19"), (True, "95", "BR-CL-20"), (False, "ZZZ", "BR-CL-19")],
)
def test_reason_codes_from_the_other_list_are_refused(charge: bool, code: str, rule: str) -> None:
    refused(lambda: _allowance_charge(charge, code), "reason_code", rule)


@given(
    st.booleans(),
    st.sampled_from(sorted({*codelists.ALLOWANCE_REASONS, *codelists.CHARGE_REASONS})),
)
def test_a_reason_code_is_accepted_exactly_on_the_list_of_its_kind(charge: bool, code: str) -> None:
    listed = codelists.CHARGE_REASONS if charge else codelists.ALLOWANCE_REASONS
    if code in listed:
        assert _allowance_charge(charge, code).reason_code == code
    else:
        refused(
            lambda: _allowance_charge(charge, code),
            "reason_code",
            "BR-CL-20" if charge else "BR-CL-19",
        )


def test_an_allowance_refused_names_the_codes_to_use() -> None:
    error = refused(lambda: _allowance_charge(False, "FC"), "reason_code", "BR-CL-19")
    assert all(code in str(error) for code in codelists.ALLOWANCE_REASONS)


# -- what faktura writes itself ------------------------------------------------------------


def test_the_fixed_codes_are_on_their_lists() -> None:
    assert {c.value for c in VatCategory} <= codelists.VAT_CATEGORIES.keys()
    for category in VatCategory:
        exemption = category.default_exemption
        if exemption is not None:
            assert exemption.code in codelists.VATEX


def _sellers() -> Iterator[Any]:
    yield company()  # FIK (93)
    yield company(fik_creditor=None)  # a Danish account (42)
    yield company(fik_creditor=None, bank=BankAccount(iban="DK5000400440116243", bic="DABADKKK"))
    yield company(ean="5790000435951")  # an EAN endpoint (0088)


_CHECKED: dict[tuple[str, str | None], Any] = {
    (".//cbc:DocumentCurrencyCode", None): codelists.CURRENCIES,
    (".//*[@currencyID]", "currencyID"): codelists.CURRENCIES,
    (".//*[@unitCode]", "unitCode"): codelists.UNITS,
    (".//cac:Country/cbc:IdentificationCode", None): codelists.COUNTRIES,
    (".//cbc:PaymentMeansCode", None): codelists.PAYMENT_MEANS,
    (".//cbc:EndpointID", "schemeID"): codelists.ENDPOINT_SCHEMES,
    (".//cac:PartyLegalEntity/cbc:CompanyID", "schemeID"): codelists.PARTY_ID_SCHEMES,
    (".//cac:PartyIdentification/cbc:ID", "schemeID"): codelists.PARTY_ID_SCHEMES,
    (".//cbc:InvoiceTypeCode", None): codelists.INVOICE_TYPES,
    (".//cbc:CreditNoteTypeCode", None): codelists.CREDIT_NOTE_TYPES,
    (".//cac:TaxCategory/cbc:ID", None): codelists.VAT_CATEGORIES,
    (".//cac:ClassifiedTaxCategory/cbc:ID", None): codelists.VAT_CATEGORIES,
    (".//cbc:TaxExemptionReasonCode", None): codelists.VATEX,
}


def codes_off_their_lists(document: bytes) -> list[str]:
    root = ET.fromstring(document)
    wrong = []
    for (path, attribute), listed in _CHECKED.items():
        for element in root.findall(path, NS):
            value = element.get(attribute) if attribute else element.text
            if value is None or value.strip() not in listed:
                wrong.append(f"{path} {attribute or ''}: {value!r}")
    for item in root.findall(".//cac:AllowanceCharge", NS):
        charge = item.findtext("cbc:ChargeIndicator", namespaces=NS) == "true"
        listed = codelists.CHARGE_REASONS if charge else codelists.ALLOWANCE_REASONS
        code = item.findtext("cbc:AllowanceChargeReasonCode", namespaces=NS)
        if code is not None and code.strip() not in listed:
            wrong.append(f"AllowanceChargeReasonCode (charge={charge}): {code!r}")
    return wrong


def test_the_check_of_written_codes_can_fail() -> None:
    cac, cbc = NS["cac"], NS["cbc"]
    document = (
        f'<Invoice xmlns:cac="{cac}" xmlns:cbc="{cbc}"><cbc:InvoiceTypeCode>999'
        "</cbc:InvoiceTypeCode><cbc:DocumentCurrencyCode>DKK</cbc:DocumentCurrencyCode>"
        '<cbc:Amount currencyID="HRK">1</cbc:Amount></Invoice>'
    ).encode()
    assert codes_off_their_lists(document) == [
        ".//*[@currencyID] currencyID: 'HRK'",
        ".//cbc:InvoiceTypeCode : '999'",
    ]


def test_every_code_faktura_writes_is_on_its_list() -> None:
    from faktura.documents.ubl import to_ubl

    written: list[bytes] = []

    @given(
        st.sampled_from(CURRENCY_CODES).flatmap(
            lambda code: invoices(sorted(BOOKED_STATUSES), currency=code)
        ),
        st.sampled_from(list(_sellers())),
        st.booleans(),
    )
    def run(invoice: Invoice, seller: Any, by_ean: bool) -> None:
        seller = attrs.evolve(seller, id=invoice.company_id)
        buyer = customer(
            id=invoice.customer_id,
            company_id=invoice.company_id,
            ean="5790000000012" if by_ean else None,
        )
        documents = [invoice]
        if invoice.status is not Status.CREDITED:
            credit = invoice.credit("cn", invoice.updated_at, invoice.issue_date)
            documents.append(credit.credit_note.book("CN-1", invoice.updated_at).invoice)
        for document in documents:
            try:
                xml = to_ubl(document, seller, buyer)
            except ValidationError:
                continue  # refused before it is written: nothing to check here
            assert codes_off_their_lists(xml) == []
            written.append(xml)

    run()
    assert len(written) >= 200
    kinds = b"".join(written)
    for code in (b">93<", b">42<", b">31<", b">58<", b'schemeID="0088"', b'schemeID="0184"'):
        assert code in kinds, code  # every payment means and endpoint scheme was written


def test_the_strategies_draw_listed_units_and_reason_codes() -> None:
    seen: list[str] = []

    @given(invoices())
    def run(invoice: Invoice) -> None:
        for item in invoice.lines:
            if isinstance(item, ProductLine):
                assert item.unit in codelists.UNITS
        for ac in invoice.allowance_charges:
            listed = codelists.CHARGE_REASONS if ac.charge else codelists.ALLOWANCE_REASONS
            assert ac.reason_code is None or ac.reason_code in listed
        seen.append(invoice.currency)

    run()
    assert set(seen) <= codelists.CURRENCIES.keys()


# -- over HTTP -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api() -> Client:
    world: World = make_world()
    return world.client(world.key(world.a.company_id, ALL_SCOPES))


@pytest.fixture(scope="module")
def customer_id(api: Client) -> str:
    created = expect(api.post("/v1/customers", json={"name": "Fjord A/S"}), 201)
    return str(created["id"])


def _problems(body: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {e["property"]: e["constraints"] for e in body["details"]["validationErrors"]}


def test_http_a_vat_prefix_as_country_is_a_400_naming_the_field(api: Client) -> None:
    body = expect(
        api.post("/v1/customers", json={"name": "Hellas AE", "address": {"country": "EL"}}), 400
    )
    problems = _problems(body)
    assert set(problems) == {"address.country"}
    assert "'GR'" in problems["address.country"]["BR-CL-14"]


def _refused_draft(api: Client, customer_id: str, **fields: Any) -> dict[str, dict[str, str]]:
    body = expect(api.post("/v1/invoices", json={"customerId": customer_id, **fields}), 400)
    return _problems(body)


def test_http_codes_off_their_lists_are_a_400_naming_each_field(
    api: Client, customer_id: str
) -> None:
    problems = _refused_draft(api, customer_id, lines=[LINE, {**LINE, "unit": "PCS"}])
    assert set(problems) == {"lines.1.unit"}
    assert "BR-CL-23" in problems["lines.1.unit"]
    problems = _refused_draft(api, customer_id, currency="HRK", lines=[LINE])
    assert set(problems) == {"currency"}
    assert "BR-CL-04" in problems["currency"]
    allowance = {"type": "allowance", "reason": "Rabat", "amount": "10", "reasonCode": "FC"}
    problems = _refused_draft(api, customer_id, lines=[LINE], allowanceCharges=[allowance])
    assert set(problems) == {"allowanceCharges.0.reasonCode"}
    assert "BR-CL-19" in problems["allowanceCharges.0.reasonCode"]
