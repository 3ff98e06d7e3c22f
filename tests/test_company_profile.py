"""A company's complete profile through the Python API: logo, document template, partial
changes of address, bank and number series, every bad field named, series in use kept."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from faktura.billing import Billing
from faktura.commands import CompanyChanges, CompanyProfile, CustomerChanges, NewCustomer
from faktura.errors import NumberingError, ValidationError
from faktura.numbering import NumberSeries, Reset
from faktura.parties import Address, BankAccount, Company, Customer
from faktura.storage.memory import MemoryStore
from faktura.testing.contract import PNG_LOGO
from faktura.testing.parties import BUYER_ADDRESS, SELLER
from faktura.wire import new_draft

JPEG_LOGO = b"\xff\xd8\xff\xe0" + b"\x00" * 16
AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


class Clock:
    def now(self) -> datetime:
        return AT

    def today(self) -> date:
        return AT.date()


@pytest.fixture
def billing() -> Billing:
    return Billing(MemoryStore(), Clock())


def fields(err: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return set(err.value.fields)


def test_a_logo_is_png_or_jpeg_of_at_most_one_mebibyte() -> None:
    assert Company(id="k", name="N", logo=PNG_LOGO).logo == PNG_LOGO
    assert Company(id="k", name="N", logo=JPEG_LOGO).logo == JPEG_LOGO
    for bad in (b"GIF89a....", b"", "not bytes", PNG_LOGO + b"\0" * (1024 * 1024)):
        with pytest.raises(ValidationError) as err:
            Company(id="k", name="N", logo=bad)  # type: ignore[arg-type]
        assert fields(err) == {"logo"}


def test_template_ids_are_short_identifiers() -> None:
    assert Company(id="k", name="N").document_template == "default"
    assert Customer(id="c", company_id="k", name="F").document_template is None
    assert Customer(id="c", company_id="k", name="F", document_template="modern-2")
    for bad in ("", "Modern", "has space", "x" * 41, "../etc", 7):
        with pytest.raises(ValidationError) as err:
            Company(id="k", name="N", document_template=bad)  # type: ignore[arg-type]
        assert fields(err) == {"document_template"}
        with pytest.raises(ValidationError) as err:
            Customer(id="c", company_id="k", name="F", document_template=bad)  # type: ignore[arg-type]
        assert fields(err) == {"document_template"}


def test_billing_refuses_templates_that_are_not_registered(billing: Billing) -> None:
    pytest.importorskip("reportlab")
    with pytest.raises(ValidationError) as err:
        billing.create_company(CompanyProfile(name="N", document_template="fancy"))
    assert fields(err) == {"document_template"}
    company = billing.create_company(CompanyProfile(name="N", document_template="modern"))
    with pytest.raises(ValidationError) as err:
        billing.update_company(company.id, CompanyChanges(document_template="fancy"))
    assert fields(err) == {"document_template"}
    with pytest.raises(ValidationError) as err:
        billing.create_customer(company.id, NewCustomer(name="F", document_template="fancy"))
    assert fields(err) == {"document_template"}
    customer = billing.create_customer(
        company.id, NewCustomer(name="F", document_template="default")
    )
    with pytest.raises(ValidationError):
        billing.update_customer(company.id, customer.id, CustomerChanges(document_template="fancy"))
    assert billing.get_company(company.id).document_template == "modern"


def test_a_complete_profile_in_part(billing: Billing) -> None:
    company = billing.create_company(
        CompanyProfile(
            name="Nordlys ApS",
            cvr="13585628",
            address={"street": "Vestergade 2", "postal_code": "8000", "city": "Aarhus C"},
            bank={"reg_no": "1234", "account_no": "1234567890"},
            payment_terms=14,
            logo=PNG_LOGO,
        ),
    )
    assert company.address == Address("Vestergade 2", "Aarhus C", "8000")
    assert company.payment_terms.days == 14
    changed = billing.update_company(
        company.id,
        {
            "address": {"city": "Aarhus N"},
            "bank": {"iban": "DK5000400440116243", "bic": "DABADKKK"},
            "invoice_series": {"pattern": "{year}-{seq:04}", "reset": "yearly", "start": 100},
            "fik_creditor": "12345678",
            "locale": "en",
            "logo": None,
        },
    )
    assert changed.address == Address("Vestergade 2", "Aarhus N", "8000")
    assert changed.bank == BankAccount("1234", "1234567890", "DK5000400440116243", "DABADKKK")
    assert changed.invoice_series == NumberSeries("{year}-{seq:04}", 100, Reset.YEARLY)
    assert changed.logo is None
    assert billing.get_company(company.id) == changed
    cleared = billing.update_company(company.id, CompanyChanges(bank=None, address=None))
    assert (cleared.bank, cleared.address) == (None, Address())


def test_every_bad_field_is_named_and_nothing_changes(billing: Billing) -> None:
    company = billing.create_company(CompanyProfile(name="Nordlys ApS"))
    with pytest.raises(ValidationError) as err:
        billing.update_company(
            company.id,
            {
                "name": "",
                "address": {"postal_code": "x" * 201, "country": "Denmark"},
                "bank": {"reg_no": "12", "iban": "DK00"},
                "invoice_series": {"reset": "monthly"},
                "credit_note_series": {"start": 0, "reset": "weekly"},
                "fik_creditor": "12",
                "locale": "Danish",
                "logo": b"nope",
                "payment_terms": -1,
                "colour": "blue",
            },
        )
    assert fields(err) == {
        "name",
        "address.postal_code",
        "address.country",
        "bank.reg_no",
        "bank.iban",
        "invoice_series.pattern",
        "credit_note_series.reset",
        "fik_creditor",
        "locale",
        "logo",
        "payment_terms",
        "colour",
    }
    assert billing.get_company(company.id) == company
    with pytest.raises(ValidationError) as err:
        billing.create_company({"cvr": "1"})  # a CompanyProfile cannot leave the name out
    assert fields(err) == {"name"}


def _book(billing: Billing, company_id: str) -> str:
    customer = billing.create_customer(
        company_id, NewCustomer(name="Fjord A/S", address=BUYER_ADDRESS)
    )
    draft = billing.create_draft(
        company_id,
        new_draft(
            {
                "customerId": customer.id,
                "lines": [{"description": "Hours", "quantity": "1", "unitPrice": "100.00"}],
            }
        ),
    )
    booked = billing.book(company_id, draft.id)
    assert booked.number is not None
    return booked.number


def test_a_series_in_use_keeps_its_pattern_start_and_reset(billing: Billing) -> None:
    company = billing.create_company(CompanyProfile(**SELLER))
    # unused: changes freely
    billing.update_company(company.id, {"invoice_series": {"pattern": "F-{seq}", "start": 500}})
    assert _book(billing, company.id) == "F-500"
    with pytest.raises(NumberingError) as err:
        billing.update_company(
            company.id, {"invoice_series": {"pattern": "{year}-{seq}", "reset": "yearly"}}
        )
    assert fields(err) == {"invoice_series.pattern", "invoice_series.reset"}
    with pytest.raises(NumberingError):
        billing.update_company(company.id, {"invoice_series": {"start": 1000}})
    # what does not change the numbers may change; the credit-note series is unused
    billing.update_company(
        company.id,
        {
            "invoice_series": {"pattern": "F-{seq}"},
            "credit_note_series": {"pattern": "K-{seq}"},
            "name": "Nordlys A/S",
        },
    )
    billing.update_company(
        company.id,
        CompanyChanges(invoice_series=NumberSeries("F-{seq}", 500, allow_backdating=True)),
    )
    assert _book(billing, company.id) == "F-501"


def test_series_start_is_bounded() -> None:
    with pytest.raises(ValidationError):
        NumberSeries("{seq}", start=10**12)
