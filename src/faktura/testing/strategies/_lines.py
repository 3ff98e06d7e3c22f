"""Lines: product lines (with their item details and line terms), text and separator
lines, and the lines of one document."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from faktura import codelists
from faktura.items import GTIN_SCHEME, ItemAttribute, ItemClassification, ItemDetails
from faktura.lines import Line, ProductLine, SeparatorLine, TextLine
from faktura.money import ZERO

from ._draw import MAX_DATE, MIN_DATE, strategy_of
from ._numbers import PERCENTS, QUANTITIES, UNIT_PRICES
from ._text import DESCRIPTION, HEADING, OPTIONAL_TEXT
from ._vat import VatGroupKey, draw_group, draw_vat_groups

_UNITS = ("H87", "C62", "HUR", "DAY", "KGM", "MTR", "LTR", "EA")
_UNIT = st.sampled_from(_UNITS)
_PRODUCT_NUMBER = st.none() | st.sampled_from(("P-1", "SKU 42", "ÆØÅ-7"))
_ITEM_ID = st.sampled_from(("B-17", "4711", "Kaffe 500 g", "ÆØÅ-9"))
_GTINS = st.sampled_from(("4006381333931", "5790000435951", "96385074", "012345678905"))
_OTHER_SCHEMES = st.sampled_from(sorted(set(codelists.PARTY_ID_SCHEMES) - {GTIN_SCHEME}))
_CLASSIFICATION = st.builds(
    ItemClassification,
    code=st.sampled_from(("43211503", "30192000-1", "0901.21", "ÆØÅ 7")),
    list_id=st.sampled_from(sorted(codelists.ITEM_CLASSIFICATIONS)),
    list_version=st.none() | st.sampled_from(("19.05.01", "26.08.01")),
)
_ATTRIBUTE = st.builds(
    ItemAttribute,
    name=st.sampled_from(("Colour", "Size", "Farve", "Größe", "配送")),
    value=st.sampled_from(("Red", "XL", "42 mm", "Blå", "ü – 7")),
)


def draw_item_details(draw: st.DrawFn) -> ItemDetails:
    """``item_details``, drawn."""
    standard_id = standard_scheme = None
    if draw(st.booleans()):
        if draw(st.booleans()):
            standard_id, standard_scheme = draw(_GTINS), GTIN_SCHEME
        else:
            standard_id, standard_scheme = draw(_ITEM_ID), draw(_OTHER_SCHEMES)
    return ItemDetails(
        buyer_id=draw(st.none() | _ITEM_ID),
        standard_id=standard_id,
        standard_scheme=standard_scheme,
        classifications=tuple(draw(st.lists(_CLASSIFICATION, max_size=3))),
        origin_country=draw(st.none() | st.sampled_from(sorted(codelists.COUNTRIES))),
        attributes=tuple(draw(st.lists(_ATTRIBUTE, max_size=3))),
    )


def item_details() -> st.SearchStrategy[ItemDetails]:
    """A product line's item details (BT-156 to BT-161): a buyer's item id, a standard
    id (a GTIN, or an id of another ICD scheme), classifications, the country of origin
    and attributes, each present or not."""
    return strategy_of(draw_item_details)


def _draw_line_terms(draw: st.DrawFn) -> dict[str, object]:
    """The EN 16931 line terms of a product line: mostly none, else a note, a period
    and item details, each present or not."""
    if draw(st.integers(0, 3)):
        return {}
    terms: dict[str, object] = {"note": draw(OPTIONAL_TEXT)}
    if draw(st.booleans()):
        start = draw(st.dates(MIN_DATE, MAX_DATE - timedelta(days=366)))
        terms["period_start"] = start
        terms["period_end"] = start + timedelta(days=draw(st.integers(0, 365)))
    if draw(st.booleans()):
        terms["item"] = draw_item_details(draw)
    return terms


def draw_product_line(
    draw: st.DrawFn,
    groups: Sequence[VatGroupKey] | None,
    quantity: st.SearchStrategy[Decimal],
    price: st.SearchStrategy[Decimal],
    discounts: bool,
) -> ProductLine:
    """``product_lines``, drawn."""
    category, rate = draw_group(draw, groups)
    discount = draw(PERCENTS) if discounts and draw(st.booleans()) else ZERO
    return ProductLine(
        description=draw(DESCRIPTION),
        quantity=draw(quantity),
        unit_price=draw(price),
        vat_category=category,
        vat_rate=rate,
        unit=draw(_UNIT),
        discount_percent=discount,
        product_number=draw(_PRODUCT_NUMBER),
        **_draw_line_terms(draw),  # type: ignore[arg-type]
    )


def product_lines(
    groups: Sequence[VatGroupKey] | None = None,
    *,
    quantities: st.SearchStrategy[Decimal] | None = None,
    unit_prices: st.SearchStrategy[Decimal] | None = None,
    discounts: bool = True,
) -> st.SearchStrategy[ProductLine]:
    """Product lines in one of ``groups`` (any legal group when None), with or without a
    discount percent. ``quantities`` and ``unit_prices`` default to the strategies of the
    same name in this module."""
    return strategy_of(
        draw_product_line,
        None if groups is None else tuple(groups),
        quantities if quantities is not None else QUANTITIES,
        unit_prices if unit_prices is not None else UNIT_PRICES,
        discounts,
    )


def text_lines() -> st.SearchStrategy[TextLine]:
    """Free-text lines (possibly empty)."""
    return st.builds(TextLine, HEADING)


def separator_lines() -> st.SearchStrategy[SeparatorLine]:
    """Separator lines, with or without a heading."""
    return st.builds(SeparatorLine, HEADING)


_TEXT_OR_SEPARATOR = st.one_of(text_lines(), separator_lines())


def lines(groups: Sequence[VatGroupKey] | None = None) -> st.SearchStrategy[Line]:
    """One invoice line of any type: product (most often), text or separator."""
    return st.one_of(product_lines(groups), product_lines(groups), _TEXT_OR_SEPARATOR)


def draw_document_lines(
    draw: st.DrawFn,
    groups: Sequence[VatGroupKey] | None,
    min_products: int,
    max_size: int,
    products: st.SearchStrategy[ProductLine] | None,
) -> tuple[Line, ...]:
    """``document_lines``, drawn: product lines in ``groups`` (drawn when None) unless
    ``products`` is given."""
    if groups is None:
        groups = draw_vat_groups(draw, 3)
    found: list[Line] = []
    for _ in range(draw(st.integers(min_products, max_size))):
        if products is None:
            found.append(draw_product_line(draw, groups, QUANTITIES, UNIT_PRICES, True))
        else:
            found.append(draw(products))
    for _ in range(draw(st.integers(0, min(2, max_size - len(found))))):
        found.insert(draw(st.integers(0, len(found))), draw(_TEXT_OR_SEPARATOR))
    return tuple(found)


def document_lines(
    groups: Sequence[VatGroupKey] | None = None,
    *,
    min_products: int = 1,
    max_size: int = 6,
    products: st.SearchStrategy[ProductLine] | None = None,
) -> st.SearchStrategy[tuple[Line, ...]]:
    """The lines of one document: at least ``min_products`` product lines (from
    ``products``, else product lines in ``groups``, drawn when None) with text and
    separator lines mixed in."""
    if not 0 <= min_products <= max_size:
        raise InvalidArgument("document_lines: need 0 <= min_products <= max_size")
    return strategy_of(
        draw_document_lines,
        None if groups is None else tuple(groups),
        min_products,
        max_size,
        products,
    )
