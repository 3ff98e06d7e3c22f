"""The wire format: the seed's JSON shapes, round trips and junk that must be refused."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import attrs
import cattrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faktura import (
    AllowanceCharge,
    Invoice,
    PaymentTerms,
    ProductLine,
    Status,
    TextLine,
    ValidationError,
    VatCategory,
    WireFormatError,
)
from faktura.commands import resolve_allowance_charges, resolve_lines
from faktura.summary import InvoiceSummary
from faktura.testing import strategies
from faktura.wire import (
    CreateDraftRequest,
    InvoicePage,
    InvoiceResponse,
    invoice_to_wire,
    list_item_to_wire,
    page_to_wire,
    parse_create_draft,
    structure,
    unstructure,
)

AT = datetime(2026, 11, 25, 9, 30, 15, 123456, tzinfo=UTC)
LINE = {"description": "Hours", "quantity": "2", "unitPrice": "950.00"}
DEFAULTS = (VatCategory.S, Decimal(25))

#: Every field the seed's "Get an invoice by ID" response names.
SEED_RESPONSE_FIELDS = {
    "id",
    "status",
    "date",
    "currency",
    "subtotal",
    "vat",
    "amount",
    "lines",
    "createdAt",
    "updatedAt",
    "number",
    "dueDate",
    "customerId",
    "reference",
    "ourReference",
    "notes",
}


def _invoice(**fields: Any) -> Invoice:
    draft, _ = Invoice.draft(
        id="inv-1",
        company_id="co-1",
        customer_id="cu-1",
        issue_date=date(2026, 11, 25),
        currency="DKK",
        payment_terms=PaymentTerms.net(14),
        at=AT,
        lines=[
            ProductLine(
                "Hours",
                Decimal(3),
                Decimal("800.00"),
                VatCategory.S,
                Decimal(25),
                discount_percent=Decimal(5),
            ),
            TextLine("On site"),
            ProductLine("Book", Decimal(1), Decimal("99.95"), VatCategory.Z, Decimal(0)),
        ],
        allowance_charges=[
            AllowanceCharge(True, "Freight", VatCategory.S, Decimal(25), amount=Decimal("50.00"))
        ],
        reference="PO-1",
        our_reference="MH",
        notes="Thanks",
        **fields,
    )
    return draft


def test_response_has_every_seed_field_with_seed_types() -> None:
    wire = invoice_to_wire(_invoice())
    assert wire.keys() >= SEED_RESPONSE_FIELDS
    # 3 × 800 = 2400, less 5 % = 2280; + 99.95 + 50 freight = 2429.95
    assert wire["subtotal"] == "2429.95"
    # VAT only on the S group: (2280 + 50) × 25 % = 582.50
    assert wire["vat"] == "582.50"
    assert wire["amount"] == "3012.45"
    assert wire["number"] is None
    assert wire["status"] == "draft"
    assert wire["date"] == "2026-11-25"
    assert wire["dueDate"] == "2026-12-09"
    assert wire["createdAt"] == "2026-11-25T09:30:15.123Z"
    assert wire["lines"][0]["amount"] == "2280.00"
    assert wire["lines"][1] == {
        "description": "On site",
        "lineType": "text",
        "quantity": None,
        "unit": None,
        "unitPrice": None,
        "discountPercent": None,
        "vatCategory": None,
        "vatRate": None,
        "productNumber": None,
        # the EN 16931 line terms (extensions): only product lines have them
        "note": None,
        "periodStart": None,
        "periodEnd": None,
        "buyerItemId": None,
        "standardItemId": None,
        "standardItemScheme": None,
        "classifications": None,
        "originCountry": None,
        "attributes": None,
        "amount": None,
    }
    json.dumps(wire)  # JSON-ready: nothing but str, int, bool, None, list, dict


def test_list_item_omits_lines() -> None:
    item = list_item_to_wire(_invoice())
    assert "lines" not in item
    assert SEED_RESPONSE_FIELDS - {"lines"} <= item.keys()


def test_page_shape() -> None:
    page = page_to_wire([_invoice()], total=41, page=2, limit=20)
    assert set(page) == {"items", "total", "page", "limit", "totalPages"}
    assert page["totalPages"] == 3
    assert page["items"][0]["id"] == "inv-1"
    assert page_to_wire([], total=0, page=1, limit=20)["totalPages"] == 0


def test_response_round_trip() -> None:
    wire = invoice_to_wire(_invoice())
    parsed = structure(wire, InvoiceResponse)
    assert unstructure(parsed) == wire
    page = page_to_wire([_invoice()], total=1, page=1, limit=20)
    assert unstructure(structure(page, InvoicePage)) == page


def test_credit_note_amounts_are_negative_on_the_wire() -> None:
    invoice, _ = _invoice().book("7", AT)
    credit = invoice.credit("cn-1", AT, date(2026, 11, 26)).credit_note
    inv_wire, cn_wire = invoice_to_wire(invoice), invoice_to_wire(credit)
    for name in ("subtotal", "vat", "amount", "payableAmount"):
        assert Decimal(cn_wire[name]) == -Decimal(inv_wire[name])
    assert cn_wire["kind"] == "credit_note"
    assert cn_wire["creditedInvoiceId"] == "inv-1"
    assert cn_wire["creditedInvoiceNumber"] == "7"
    assert [ln["amount"] for ln in cn_wire["lines"]] == ["-2280.00", None, "-99.95"]


def test_create_draft_request_maps_to_domain() -> None:
    body = {
        "customerId": "cu-1",
        "date": "2026-02-28",
        "lines": [
            {"description": "Hours", "quantity": "2.5", "unitPrice": "1000", "vatRate": "25"},
            {
                "description": "Reverse charged",
                "quantity": 1,
                "unitPrice": "10",
                "vatCategory": "AE",
            },
            {"lineType": "text", "description": "note"},
        ],
        "customerDepartmentId": "d1",
        "customerContactId": "c1",
        "dueDate": "2026-03-31",
        "currency": "EUR",
        "paymentTerms": 30,
        "reference": "PO",
        "ourReference": "me",
        "description": "desc",
        "notes": "n",
        "allowanceCharges": [{"type": "allowance", "reason": "Loyalty", "percent": "10"}],
    }
    request = parse_create_draft(body)
    assert isinstance(request, CreateDraftRequest)
    assert request.issue_date == date(2026, 2, 28)
    assert request.payment_terms == 30
    lines = resolve_lines(request.lines, DEFAULTS)
    assert isinstance(lines[0], ProductLine)
    assert lines[0].quantity == Decimal("2.5")
    assert (lines[0].vat_category, lines[0].vat_rate) == (VatCategory.S, Decimal(25))
    assert isinstance(lines[1], ProductLine)
    assert (lines[1].vat_category, lines[1].vat_rate) == (VatCategory.AE, Decimal(0))
    assert isinstance(lines[2], TextLine)
    (allowance,) = resolve_allowance_charges(request.allowance_charges, DEFAULTS)
    assert not allowance.charge
    assert allowance.percent == Decimal(10)


def test_vat_defaults_follow_the_customer_zone() -> None:
    request = parse_create_draft(
        {"customerId": "c", "lines": [{"description": "x", "quantity": "1", "unitPrice": "1"}]}
    )
    (line,) = resolve_lines(request.lines, (VatCategory.G, Decimal(25)))
    assert isinstance(line, ProductLine)
    assert (line.vat_category, line.vat_rate) == (VatCategory.G, Decimal(0))


def _paths(body: object) -> set[str]:
    with pytest.raises(WireFormatError) as info:
        parse_create_draft(body)
    assert info.value.code == "wire_format_invalid"
    return set(info.value.fields)


@pytest.mark.parametrize(
    ("body", "paths"),
    [
        ({}, {"customerId"}),
        ({"customerId": 5}, {"customerId"}),
        ({"customerId": ""}, {"customerId"}),
        ({"customerId": "c", "colour": "red"}, {"colour"}),
        ({"customerId": "c", "lines": {"0": {}}}, {"lines"}),
        ({"customerId": "c", "lines": [{"quantity": 1.5}]}, {"lines.0.quantity"}),
        ({"customerId": "c", "lines": [{"quantity": "1e999999"}]}, {"lines.0.quantity"}),
        ({"customerId": "c", "lines": [{"quantity": "NaN"}]}, {"lines.0.quantity"}),
        ({"customerId": "c", "lines": [{"unitPrice": "Infinity"}]}, {"lines.0.unitPrice"}),
        ({"customerId": "c", "lines": [{"unitPrice": ""}]}, {"lines.0.unitPrice"}),
        ({"customerId": "c", "lines": [{"unitPrice": True}]}, {"lines.0.unitPrice"}),
        ({"customerId": "c", "lines": [{"quantity": "0.0000001"}]}, {"lines.0.quantity"}),
        ({"customerId": "c", "lines": [{"quantity": "1000000000000"}]}, {"lines.0.quantity"}),
        ({"customerId": "c", "lines": [1, "x", None]}, {"lines.0", "lines.1", "lines.2"}),
        ({"customerId": "c", "lines": [{"lines": [{"a": [{}]}]}]}, {"lines.0.lines"}),
        ({"customerId": "c", "lines": [{"vatCategory": "XX"}]}, {"lines.0.vatCategory"}),
        ({"customerId": "c", "lines": [{"lineType": "image"}]}, {"lines.0.lineType"}),
        ({"customerId": "c", "date": "2026-02-30"}, {"date"}),
        ({"customerId": "c", "date": "20260201"}, {"date"}),
        ({"customerId": "c", "dueDate": 20260201}, {"dueDate"}),
        ({"customerId": "c", "paymentTerms": 8.0}, {"paymentTerms"}),
        ({"customerId": "c", "paymentTerms": "8"}, {"paymentTerms"}),
        ({"customerId": "c", "paymentTerms": True}, {"paymentTerms"}),
        ({"customerId": "c", "pricesIncludeVat": "false"}, {"pricesIncludeVat"}),
        ({"customerId": "c", "notes": ["a"]}, {"notes"}),
        (
            {"customerId": "c", "allowanceCharges": [{"type": "charge", "amount": {}}]},
            {"allowanceCharges.0.amount"},
        ),
        ({"customerId": "c", "allowanceCharges": [{}]}, {"allowanceCharges.0.type"}),
        ({"customerId": "c", "prepaidAmount": "-"}, {"prepaidAmount"}),
        # output only: a line's net amount is computed, never taken
        ({"customerId": "c", "lines": [{**LINE, "amount": "2.00"}]}, {"lines.0.amount"}),
        ({"customerId": "c", "lines": [LINE, {**LINE, "amount": None}]}, {"lines.1.amount"}),
    ],
)
def test_junk_names_the_field(body: object, paths: set[str]) -> None:
    assert _paths(body) == paths


@pytest.mark.parametrize("body", [None, [], "x", 1, 1.5, True, [{"customerId": "c"}]])
def test_junk_documents_are_refused(body: object) -> None:
    assert _paths(body) == {""}


def test_every_offending_field_is_reported_at_once() -> None:
    paths = _paths(
        {"customerId": 1, "date": "x", "lines": [{"quantity": 0.1}, {"unitPrice": "y"}], "z": 1}
    )
    assert paths == {"customerId", "date", "lines.0.quantity", "lines.1.unitPrice", "z"}


def test_one_megabyte_strings_are_refused_in_the_domain_step() -> None:
    huge = "x" * 1_000_000
    with pytest.raises(WireFormatError):
        parse_create_draft({"customerId": huge})
    request = parse_create_draft(
        {"customerId": "c", "lines": [{"description": huge, "quantity": "1", "unitPrice": "1"}]}
    )
    with pytest.raises(ValidationError) as info:
        resolve_lines(request.lines, DEFAULTS)
    assert info.value.fields == ("lines.0.description",)


def test_domain_errors_of_every_line_are_reported() -> None:
    request = parse_create_draft(
        {
            "customerId": "c",
            "lines": [
                {"description": "", "quantity": "1", "unitPrice": "1"},
                {"description": "ok", "quantity": "1", "unitPrice": "-1"},
                {"description": "ok", "unitPrice": "1"},
                {"lineType": "text", "description": "t", "quantity": "1"},
                {
                    "description": "ok",
                    "quantity": "1",
                    "unitPrice": "1",
                    "vatCategory": "S",
                    "vatRate": "0",
                },
                {"description": "ok", "quantity": "1", "unitPrice": "1", "unit": "piece"},
            ],
        }
    )
    with pytest.raises(ValidationError) as info:
        resolve_lines(request.lines, DEFAULTS)
    assert info.value.fields == (  # the core names fields in Python
        "lines.0.description",
        "lines.1.unit_price",
        "lines.2.quantity",
        "lines.3.quantity",
        "lines.4.vat_rate",
        "lines.5.unit",
    )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["1e999999", "NaN", "-0", "1.0000001", "", " 1 ", "S", "text"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "customerId",
                    "lines",
                    "quantity",
                    "unitPrice",
                    "vatCategory",
                    "date",
                    "x",
                    "lineType",
                    "allowanceCharges",
                    "type",
                    "amount",
                    "paymentTerms",
                    "dueDate",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=20,
)


def _parse_all(body: object) -> ValidationError | None:
    """Run the whole request path; the ValidationError it raised, or None. Any other
    exception escapes and fails the test."""
    try:
        request = parse_create_draft(body)
        resolve_lines(request.lines, DEFAULTS)
        resolve_allowance_charges(request.allowance_charges, DEFAULTS)
    except ValidationError as exc:
        return exc
    return None


@given(json_values)
def test_fuzzed_bodies_only_ever_raise_validation_errors(body: object) -> None:
    error = _parse_all(body)
    if error is not None:
        assert error.errors, "a validation error names at least one field"
        for field_error in error.errors:
            assert field_error.rule
            assert field_error.message


@given(
    st.fixed_dictionaries(
        {"customerId": st.just("c")},
        optional={
            "lines": st.lists(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "quantity": json_values,
                        "unitPrice": json_values,
                        "description": json_values,
                        "vatRate": json_values,
                        "discountPercent": json_values,
                    },
                ),
                max_size=3,
            )
        },
    )
)
def test_fuzzed_lines_name_their_fields(body: dict[str, Any]) -> None:
    error = _parse_all(body)
    if error is not None:
        assert all(path.startswith("lines") for path in error.fields)


# -- the generated response encoders agree with cattrs' own ---------------------------------


def _cattrs_oracle() -> cattrs.Converter:
    """A plain cattrs converter with the wire's formats and names: the reference the
    generated encoders are held to."""
    from cattrs.gen import make_dict_unstructure_fn, override

    from faktura.wire.converter import _format_timestamp

    conv = cattrs.Converter()
    conv.register_unstructure_hook(Decimal, lambda d: format(d, "f"))
    conv.register_unstructure_hook(date, lambda d: d.isoformat())
    conv.register_unstructure_hook(datetime, _format_timestamp)

    def factory(cls: type) -> Any:
        names = {
            a.name: override(rename=a.metadata.get("wire") or _camel(a.name))
            for a in attrs.fields(cls)
        }
        return make_dict_unstructure_fn(cls, conv, **names)

    conv.register_unstructure_hook_factory(attrs.has, factory)
    return conv


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(invoice=strategies.invoices(sorted(Status)))
def test_responses_are_what_cattrs_makes_of_the_wire_classes(invoice: Invoice) -> None:
    from faktura.wire import InvoiceListItem, response_of
    from faktura.wire.invoices import _list_fields

    oracle = _cattrs_oracle()
    assert invoice_to_wire(invoice) == oracle.unstructure(response_of(invoice))
    summary = InvoiceSummary.of(invoice)
    expected_item = oracle.unstructure(InvoiceListItem(**_list_fields(summary)))
    assert list_item_to_wire(summary) == expected_item
    assert page_to_wire([summary], 41, 3, 20) == {
        "items": [expected_item],
        "total": 41,
        "page": 3,
        "limit": 20,
        "totalPages": 3,
    }


@given(st.datetimes(min_value=datetime(1000, 1, 1), timezones=st.timezones()))
def test_timestamps_are_utc_with_milliseconds(moment: datetime) -> None:
    from faktura.wire.converter import _format_timestamp

    utc = moment.astimezone(UTC)
    expected = utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    assert _format_timestamp(moment) == expected


def test_output_only_fields_are_refused_as_unknown() -> None:
    with pytest.raises(WireFormatError) as caught:
        parse_create_draft({"customerId": "c", "lines": [{**LINE, "amount": "1900.00"}]})
    assert [(e.path, e.rule) for e in caught.value.errors] == [("lines.0.amount", "unknown_field")]


@pytest.mark.parametrize(
    ("given", "answered"),
    [
        ("Email", "email"),
        ("Sproom", "sproom"),
        ("Manual", "manual"),
        ("manual", "manual"),
        ("MANUAL", "manual"),
        ("sPrOoM", "sproom"),
        ("Fax", "Fax"),  # unknown: left for the send to refuse, naming deliveryType
    ],
)
def test_delivery_types_take_the_seed_spellings_in_any_case(given: str, answered: str) -> None:
    from faktura.delivery.wire import parse_send_request

    assert parse_send_request({"deliveryType": given}).delivery_type == answered


# -- the fast paths of parsing agree with the full checks ----------------------------------

#: The characters the text checks are about, mixed into any other (surrogates included).
_TEXT_EDGES = (
    "\x00\x08\t\n\x0b\x0c\r\x1b\x1f\x7f\x80\x85\x9f\xa0\u200b\u2028\u2029\ud800\udfff\ufffe\uffff"
)
_any_text = st.text(
    st.one_of(st.characters(exclude_categories=()), st.sampled_from(_TEXT_EDGES)), max_size=12
)


def _outcome(check: Any, *args: Any, **kwargs: Any) -> object:
    """What a check answers: its value (with its type and repr), or its error's fields."""
    try:
        value = check(*args, **kwargs)
    except ValidationError as exc:
        return [(e.path, e.rule, e.message) for e in exc.errors]
    return (type(value), repr(value), value)


def _text_by_the_expressions(value: str, *, one_line: bool) -> str:
    """check_text's text rules without its fast path: the expressions alone."""
    from faktura.checks import _BREAK, _CONTROL

    if _CONTROL.search(value):
        raise ValidationError(
            "must not contain control characters or unpaired surrogates", field="f", rule="text"
        )
    if one_line and _BREAK.search(value):
        raise ValidationError("must be one line (no line breaks)", field="f", rule="one_line")
    return value


@given(_any_text, st.booleans())
def test_text_fast_path_agrees_with_the_expressions(value: str, one_line: bool) -> None:
    from faktura.checks import check_text
    from faktura.wire.converter import _strict_str

    expected = _outcome(_text_by_the_expressions, value, one_line=one_line)
    assert _outcome(check_text, value, "f", one_line=one_line) == expected
    assert _outcome(_strict_str, value, str) == _outcome(check_text, value, "", limit=10**9)


@given(
    st.one_of(
        st.from_regex(r"[+-]?\d{0,14}(\.\d{0,8})?", fullmatch=True),
        st.from_regex(r"\s?[+-]?0{0,3}\d{0,3}\.?\d{0,3}\s?", fullmatch=True),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.decimals().map(lambda d: format(d, "f")),
        st.text(max_size=8),
        st.integers(),
        st.floats(),
        st.none(),
    )
)
def test_decimal_fast_path_agrees_with_parse_decimal(value: object) -> None:
    from faktura.money import parse_decimal
    from faktura.wire.converter import _decimal, _optional_decimal

    def sign_and_digits(check: Any, *args: Any) -> object:
        outcome = _outcome(check, *args)
        if isinstance(outcome, tuple) and isinstance(outcome[2], Decimal):
            return (*outcome, outcome[2].as_tuple())  # -0 and 0, 1.0 and 1 told apart
        return outcome

    expected = sign_and_digits(parse_decimal, value, "")
    assert sign_and_digits(_decimal, value, Decimal) == expected
    if value is not None:
        assert sign_and_digits(_optional_decimal, value, Decimal) == expected


@given(st.one_of(st.sampled_from([*VatCategory, *(c.value for c in VatCategory)]), json_values))
def test_enum_fast_path_agrees_with_the_enum(value: object) -> None:
    from faktura.wire.converter import _enum_hook

    try:
        expected: object = VatCategory(value)
    except (ValueError, TypeError):
        expected = None
    outcome = _outcome(_enum_hook(VatCategory), value, VatCategory)
    if expected is None:
        assert isinstance(outcome, list)
        assert [rule for _, rule, _ in outcome] == ["enum"]
    else:
        assert outcome == (type(expected), repr(expected), expected)
