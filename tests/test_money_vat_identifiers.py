"""Input edges of the core: decimals, currencies, identifiers and the VAT rules (DESIGN §2-3).

Every refusal is a faktura ValidationError (also a ValueError) naming the offending field,
never a float conversion, a silent rounding or a foreign exception.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura import identifiers
from faktura.commands import CompanyProfile, NewCustomer
from faktura.errors import ValidationError
from faktura.lines import ProductLine, check_text
from faktura.money import MAX_MAGNITUDE, Currency, parse_decimal
from faktura.terms import PaymentTerms
from faktura.vat import VatCategory, VatExemption, VatZone, check_categories, check_rate
from faktura.wire import new_draft

D = Decimal
FIELD = "lines.3.unitPrice"


def short_id(value: object, length: int = 30) -> str:
    """A test id that is the same in every process (pytest-xdist compares them): no
    memory addresses."""
    if isinstance(value, int) and abs(value) > 10**100:
        return "huge-int"
    if callable(value) and hasattr(value, "__name__"):
        return str(value.__name__)
    if type(value) is object:
        return "object()"
    return repr(value)[:length]


def refusal(call: Callable[[], object], field: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        call()
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.field == field
    assert field in str(error)
    assert error.to_dict()["code"] == "validation_failed"
    return error


# -- parse_decimal ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("junk", "rule"),
    [
        (1.5, "type"),
        (0.0, "type"),
        (float("nan"), "type"),
        (float("inf"), "type"),
        (True, "type"),
        (False, "type"),
        (None, "type"),
        ([], "type"),
        (["1"], "type"),
        ({}, "type"),
        ({"amount": "1"}, "type"),
        (b"12", "type"),
        (object(), "type"),
        (1j, "type"),
        (D("NaN"), "finite"),
        (D("sNaN"), "finite"),
        (D("Infinity"), "finite"),
        (D("-Infinity"), "finite"),
        ("NaN", "format"),
        ("Infinity", "format"),
        ("-inf", "format"),
        ("1e999999", "format"),
        ("1E3", "format"),
        ("", "format"),
        ("   ", "format"),
        ("1" * 1_000_000, "format"),  # a 1 MB string is refused before it is parsed
        ("1,50", "format"),
        ("1_000", "format"),
        ("0x10", "format"),
        ("+-1", "format"),
        ("١٢", "format"),  # Arabic-Indic digits are not ASCII digits
        ("12.5 DKK", "format"),
        ("0.1234567", "precision"),  # 7 decimals: more than 6 is an error, not rounding
        (D("0.1234567"), "precision"),
        (D("1E-7"), "precision"),
        (D("1e-999999"), "precision"),
        (10**12, "range"),
        (-(10**12), "range"),
        (10**5000, "range"),
        ("1000000000000", "range"),
        ("-1000000000000.5", "range"),
        (D("1E+12"), "range"),
        (D("1e999999"), "range"),
    ],
    ids=short_id,
)
def test_parse_decimal_refuses_junk_naming_the_field(junk: object, rule: str) -> None:
    error = refusal(lambda: parse_decimal(junk, FIELD), FIELD)
    assert error.errors[0].rule == rule
    assert len(str(error)) < 200  # the 1 MB string is not echoed back


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.50", D("12.50")),
        (" 12.50 ", D("12.50")),
        ("-3", D(-3)),
        (".5", D("0.5")),
        (7, D(7)),
        (D("999999999999.999999"), D("999999999999.999999")),
        ("-999999999999", D("-999999999999")),
        ("0.000001", D("0.000001")),
        (D("-0"), D(0)),
        ("-0.00", D("0.00")),
    ],
)
def test_parse_decimal_accepts_exact_decimals(value: object, expected: Decimal) -> None:
    parsed = parse_decimal(value, FIELD)
    assert parsed == expected
    assert str(parsed) == str(expected)  # same digits and exponent: nothing was rounded
    assert not parsed.is_signed() or parsed < 0


def test_parse_decimal_bounds_and_places() -> None:
    assert refusal(lambda: parse_decimal("1.005", "amount", places=2), "amount").errors[0].rule == (
        "precision"
    )
    assert parse_decimal("1.00", "amount", places=2) == D(1)
    low = refusal(lambda: parse_decimal("-0.01", "amount", minimum=D(0)), "amount")
    assert low.errors[0].rule == "minimum"
    high = refusal(lambda: parse_decimal("100.01", "percent", maximum=D(100)), "percent")
    assert high.errors[0].rule == "maximum"
    assert D(10) ** 12 == MAX_MAGNITUDE


# -- currencies --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "minor_units", "exponent"),
    [("DKK", 2, D("0.01")), ("EUR", 2, D("0.01")), ("JPY", 0, D(1)), ("KWD", 3, D("0.001"))],
)
def test_currency_minor_units(code: str, minor_units: int, exponent: Decimal) -> None:
    currency = Currency.of(code)
    assert (currency.code, currency.minor_units) == (code, minor_units)
    assert currency.exponent == exponent
    assert currency.exponent.as_tuple().exponent == -minor_units


@pytest.mark.parametrize(
    "junk",
    [None, 208, 2.0, True, b"DKK", ["DKK"], "dkk", "DK", "DKKK", "XYZ", "", " DKK", "D" * 10**6],
    ids=lambda v: short_id(v, 20),
)
def test_currency_refuses_junk_naming_the_field(junk: object) -> None:
    error = refusal(lambda: Currency.of(junk, "lines.0.currency"), "lines.0.currency")
    assert len(str(error)) < 200
    refusal(lambda: Currency.of(junk), "currency")


@pytest.mark.parametrize("code", ["XXX", "XTS"])
def test_currency_refuses_the_codes_iso_4217_reserves(code: str) -> None:
    # XXX is "no currency", XTS is for testing: nothing is invoiced in either
    error = refusal(lambda: Currency.of(code, "lines.0.currency"), "lines.0.currency")
    assert error.errors[0].rule == "currency"
    assert "reserved" in str(error)
    refusal(lambda: Currency.of(code), "currency")


@pytest.mark.parametrize("code", ["XXX", "XTS"])
def test_the_python_api_refuses_reserved_currencies_naming_the_field(code: str) -> None:
    from faktura.billing import Billing
    from faktura.storage.memory import MemoryStore

    billing = Billing(MemoryStore())
    refusal(
        lambda: billing.create_company(CompanyProfile(name="Nordlys ApS", currency=code)),
        "currency",
    )
    company = billing.create_company(CompanyProfile(name="Nordlys ApS"))
    customer = billing.create_customer(company.id, NewCustomer(name="Fjord A/S"))
    body = {"customerId": customer.id, "currency": code}
    refusal(lambda: billing.create_draft(company.id, new_draft(body)), "currency")


# -- identifiers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "value", "compact"),
    [
        (identifiers.cvr, "13585628", "13585628"),
        (identifiers.cvr, "13 58 56 28", "13585628"),
        (identifiers.ean, "5790000435951", "5790000435951"),
        (identifiers.ean, "96385074", "96385074"),  # EAN-8: 9·3+6+3·3+8+5·3+0+7·3 = 86 → 4
        (identifiers.ean13, "5790000435951", "5790000435951"),
        (identifiers.vat_id, "DK13585628", "DK13585628"),
        (identifiers.vat_id, "DK 13 58 56 28", "DK13585628"),
        (identifiers.iban, "DK5000400440116243", "DK5000400440116243"),
        (identifiers.iban, "DK50 0040 0440 1162 43", "DK5000400440116243"),
        (identifiers.bic, "DABADKKK", "DABADKKK"),
        (identifiers.bic, "DABADKKKXXX", "DABADKKKXXX"),
    ],
)
def test_valid_identifiers(check: Callable[[object, str], str], value: str, compact: str) -> None:
    assert check(value, "field") == compact


@pytest.mark.parametrize(
    ("check", "value", "rule"),
    [
        (identifiers.cvr, "13585627", "cvr"),  # check digit off by one
        (identifiers.cvr, "1358562", "cvr"),
        (identifiers.cvr, "abcdefgh", "cvr"),
        (identifiers.cvr, "", "cvr"),
        (identifiers.cvr, 13585628, "type"),
        (identifiers.cvr, None, "type"),
        (identifiers.cvr, "1" * 100_000, "cvr"),
        (identifiers.ean, "5790000435952", "ean"),
        (identifiers.ean, "57900004359", "ean"),
        (identifiers.ean13, "96385074", "ean"),  # a valid EAN-8 is no location number
        (identifiers.ean13, 5790000435951, "type"),
        (identifiers.vat_id, "DK13585627", "vat_id"),
        (identifiers.vat_id, "13585628", "vat_id"),  # no country prefix
        (identifiers.vat_id, "XX13585628", "vat_id"),
        (identifiers.iban, "DK5000400440116244", "iban"),
        (identifiers.iban, "DK500040044011624", "iban"),
        (identifiers.iban, "ÆØ5000400440116243", "iban"),
        (identifiers.bic, "DABA1KKK", "bic"),
        (identifiers.bic, "DAB", "bic"),
        (identifiers.bic, ["DABADKKK"], "type"),
    ],
    ids=lambda v: short_id(v, 24),
)
def test_invalid_identifiers_name_the_field(
    check: Callable[[object, str], str], value: object, rule: str
) -> None:
    error = refusal(lambda: check(value, "customer.ean"), "customer.ean")
    assert error.errors[0].rule == rule
    assert len(str(error)) < 300


def test_luhn_check_digit() -> None:
    # The textbook example: 7992739871 → check digit 3 (79927398713 passes Luhn).
    assert identifiers.luhn_check_digit("7992739871") == "3"


# -- robustness: nothing but ValidationError, whatever comes in -------------------------------

junk = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789 .-+eE", max_size=30),
    st.text(alphabet=st.characters(categories=("Nd", "No", "Zs", "Cc")), max_size=20),
    st.from_regex(r"[A-Z]{2}[0-9A-Z ]{0,30}", fullmatch=True),
    st.binary(max_size=20),
    st.integers(),
    st.floats(),
    st.decimals(),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=3),
    st.sampled_from(["13585628", "5790000435951", "DK13585628", "DABADKKK", "DKK", "12.50"]),
)

VALIDATORS: dict[str, Callable[[object, str], object]] = {
    "parse_decimal": parse_decimal,
    "parse_decimal_money": lambda v, f: parse_decimal(v, f, places=2, minimum=D(0)),
    "currency": Currency.of,
    "cvr": identifiers.cvr,
    "ean": identifiers.ean,
    "ean13": identifiers.ean13,
    "vat_id": identifiers.vat_id,
    "iban": identifiers.iban,
    "bic": identifiers.bic,
    "text": lambda v, f: check_text(v, f, required=True),
    "net_terms": lambda v, f: PaymentTerms.net(v, field=f),  # type: ignore[arg-type]
    "day_of_next_month": lambda v, f: PaymentTerms.day_of_next_month(v, field=f),  # type: ignore[arg-type]
    "invoice_week": lambda v, f: PaymentTerms.invoice_week(1, v, field=f),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("name", sorted(VALIDATORS))
def test_validators_raise_nothing_but_validation_errors(name: str) -> None:
    validate = VALIDATORS[name]

    @given(junk)
    def check(value: object) -> None:
        try:
            validate(value, "some.field")
        except ValidationError as error:
            fields = error.fields
        else:
            return
        assert fields == ("some.field",)

    check()


# -- VAT ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", ["25", "0.0001", "99.9999", "12.5"])
def test_standard_rate_is_above_0_and_below_100(rate: str) -> None:
    check_rate(VatCategory.S, D(rate), "vat_rate")


@pytest.mark.parametrize("rate", ["0", "100", "-25", "100.0001"])
def test_standard_rate_outside_0_100_is_refused(rate: str) -> None:
    error = refusal(
        lambda: check_rate(VatCategory.S, D(rate), "lines.0.vatRate"), "lines.0.vatRate"
    )
    assert error.errors[0].rule == "vat_rate"


@pytest.mark.parametrize("category", [c for c in VatCategory if c is not VatCategory.S])
def test_other_categories_are_zero_rated(category: VatCategory) -> None:
    check_rate(category, D(0), "vat_rate")
    check_rate(category, D("0.00"), "vat_rate")
    error = refusal(lambda: check_rate(category, D(25), "vat_rate"), "vat_rate")
    assert error.errors[0].rule == "vat_rate"


@given(st.decimals(min_value=D("0.0001"), max_value=D("99.9999"), places=4))
def test_any_standard_rate_strictly_between_0_and_100_is_accepted(rate: Decimal) -> None:
    line = ProductLine("x", D(1), D(1), VatCategory.S, rate)
    assert line.vat_rate == rate


def test_product_line_rate_rules_name_the_field() -> None:
    refusal(lambda: ProductLine("x", D(1), D(1), VatCategory.S, D(0)), "vat_rate")
    refusal(lambda: ProductLine("x", D(1), D(1), VatCategory.Z, D(25)), "vat_rate")
    refusal(lambda: ProductLine("x", D(1), D(1), VatCategory.S, D("12.12345")), "vat_rate")
    refusal(lambda: ProductLine("x", D(1), D(1), "s", D(25)), "vat_category")  # type: ignore[arg-type]
    refusal(lambda: ProductLine("x", D(1), D(1), VatCategory.S, True), "vat_rate")  # type: ignore[arg-type]
    # the category's own code is the category (as the wire and the stores write it)
    line = ProductLine("x", D(1), D(1), "S", D(25))  # type: ignore[arg-type]
    assert line.vat_category is VatCategory.S


def test_category_properties() -> None:
    assert [c for c in VatCategory if c.taxed] == [VatCategory.S]
    assert {c for c in VatCategory if c.requires_exemption} == {
        VatCategory.E,
        VatCategory.AE,
        VatCategory.K,
        VatCategory.G,
        VatCategory.O,
    }
    assert {c for c in VatCategory if c.requires_buyer_vat_id} == {VatCategory.AE, VatCategory.K}
    assert VatCategory.AE.default_exemption == VatExemption("Reverse charge", "VATEX-EU-AE")
    assert VatCategory.E.default_exemption is None  # E needs the seller's own reason
    assert VatCategory.S.default_exemption is None


def test_outside_scope_stands_alone() -> None:
    check_categories([(VatCategory.O, "lines.0.vat_category"), (VatCategory.O, "lines.1.x")])
    check_categories(
        [(VatCategory.S, "a"), (VatCategory.Z, "b"), (VatCategory.E, "c"), (VatCategory.AE, "d")]
    )
    check_categories([])
    error = refusal(
        lambda: check_categories(
            [
                (VatCategory.O, "lines.0.vat_category"),
                (VatCategory.O, "lines.1.vatCategory"),
                (VatCategory.S, "allowance_charges.0.vat_category"),
            ]
        ),
        "allowance_charges.0.vat_category",
    )
    assert error.errors[0].rule == "vat_category_combination"
    # O after another category: the other one's field is named
    refusal(
        lambda: check_categories([(VatCategory.Z, "lines.0.vat_category"), (VatCategory.O, "b")]),
        "lines.0.vat_category",
    )


@given(st.lists(st.sampled_from(list(VatCategory)), min_size=1, max_size=6))
def test_category_combination_rule(categories: list[VatCategory]) -> None:
    pairs = [(c, f"lines.{i}.vatCategory") for i, c in enumerate(categories)]
    mixed = VatCategory.O in categories and len(set(categories)) > 1
    if mixed:
        with pytest.raises(ValidationError):
            check_categories(pairs)
    else:
        check_categories(pairs)


@pytest.mark.parametrize(
    ("zone", "category", "rate"),
    [
        (VatZone.DOMESTIC, VatCategory.S, D(25)),
        (VatZone.EU, VatCategory.AE, D(0)),
        (VatZone.ABROAD, VatCategory.G, D(0)),
        (VatZone.DOMESTIC_EXEMPT, VatCategory.E, D(0)),
    ],
)
def test_vat_zone_defaults(zone: VatZone, category: VatCategory, rate: Decimal) -> None:
    assert zone.default_category is category
    assert zone.default_rate(D(25)) == rate
    check_rate(zone.default_category, zone.default_rate(D(25)), "vatRate")  # they fit
