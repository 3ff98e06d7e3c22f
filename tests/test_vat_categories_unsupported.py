"""EN 16931's VAT categories faktura does not issue (B: Italian split payment; L and M:
the Canary Islands' and Ceuta and Melilla's own taxes) are refused by name, with why,
wherever a category enters: a line, an allowance or charge, the wire, HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura.errors import ValidationError
from faktura.lines import AllowanceCharge, ProductLine
from faktura.vat import UNSUPPORTED_CATEGORIES, VatCategory, vat_category
from faktura.wire import new_draft

NAMES = {"B": "split payment", "L": "IGIC", "M": "IPSI"}


@pytest.mark.parametrize("code", sorted(UNSUPPORTED_CATEGORIES))
def test_a_line_in_an_unsupported_category_is_refused_naming_it(code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ProductLine("Hours", Decimal(1), Decimal(100), code, Decimal(0))  # type: ignore[arg-type]
    assert caught.value.field == "vat_category"
    assert caught.value.errors[0].rule == "category_unsupported"
    assert f"VAT category {code}" in caught.value.message
    assert NAMES[code] in caught.value.message


@pytest.mark.parametrize("code", sorted(UNSUPPORTED_CATEGORIES))
def test_an_allowance_in_an_unsupported_category_is_refused_naming_it(code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        AllowanceCharge(False, "Discount", code, Decimal(0), Decimal(10))  # type: ignore[arg-type]
    assert caught.value.errors[0].rule == "category_unsupported"


@pytest.mark.parametrize("code", sorted(UNSUPPORTED_CATEGORIES))
def test_the_wire_refuses_them_by_name_at_the_lines_path(code: str) -> None:
    body = {
        "customerId": "cu-1",
        "lines": [
            {"description": "Hours", "quantity": "1", "unitPrice": "100", "vatCategory": code}
        ],
    }
    with pytest.raises(ValidationError) as caught:
        new_draft(body)
    (error,) = caught.value.errors
    assert error.path == "lines.0.vatCategory"
    assert error.rule == "category_unsupported"
    assert NAMES[code] in error.message


@given(st.text(max_size=4))
def test_every_other_code_is_a_category_or_the_list_of_those_taken(code: str) -> None:
    try:
        category = vat_category(code, "vat_category")
    except ValidationError as err:
        rule = err.errors[0].rule
        assert rule == ("category_unsupported" if code in UNSUPPORTED_CATEGORIES else "enum")
    else:
        assert category is VatCategory(code)
