"""Property tests for the EN 16931 arithmetic of DESIGN §2, over 0-, 2- and 3-decimal currencies.

Amounts have EN 16931's two decimals in every currency; the payable amount has the
currency's minor units (at most two), the difference being the rounding amount.

Where a property needs expected numbers, they come from an independent reference written
here with ``fractions.Fraction`` (exact rationals, rounding half away from zero by hand),
never from faktura's own helpers.
"""

from __future__ import annotations

import decimal
import math
import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

import attrs
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from faktura.errors import ValidationError
from faktura.invoice import Invoice, Status
from faktura.lines import AllowanceCharge, Line, ProductLine
from faktura.money import Currency
from faktura.terms import PaymentTerms
from faktura.testing.strategies import (
    allowance_charges,
    currencies,
    document_lines,
    drafts,
    product_lines,
    quantities,
    vat_groups,
)
from faktura.totals import Totals, compute_totals
from faktura.vat import VatCategory

AT = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
# Cash rounding increments by the decimals of the payable amount (min(minor units, 2)).
_INCREMENTS = {
    0: ("1", "5", "10", "100"),
    2: ("0.50", "0.25", "0.05", "1.00"),
}
#: The decimals of every EN 16931 amount (BR-DEC-*), in every currency.
PLACES = 2


def paid_places(currency: Currency) -> int:
    """The decimals of the payable amount: the currency's minor units, at most two."""
    return min(currency.minor_units, PLACES)


class Doc(NamedTuple):
    """The inputs of one compute_totals call."""

    currency: Currency
    lines: tuple[Line, ...]
    allowance_charges: tuple[AllowanceCharge, ...]
    prices_include_vat: bool
    prepaid: Decimal
    cash_increment: Decimal | None
    exemption_reason: str | None

    def totals(self, **changes: Any) -> Totals:
        doc = self._replace(**changes)
        return compute_totals(
            doc.lines,
            doc.allowance_charges,
            currency=doc.currency,
            prices_include_vat=doc.prices_include_vat,
            prepaid=doc.prepaid,
            cash_increment=doc.cash_increment,
            exemption_reason=doc.exemption_reason,
        )


@st.composite
def documents(
    draw: st.DrawFn, prices_include_vat: bool | None = None, negative_quantities: bool = True
) -> Doc:
    currency = draw(currencies())
    groups = draw(vat_groups())
    if (
        negative_quantities and draw(st.integers(0, 3)) == 0
    ):  # return lines: negative quantities too
        products = product_lines(groups, quantities=quantities(min_value=-1000, max_value=1000))
    else:
        products = product_lines(groups)
    doc_lines = draw(document_lines(groups, products=products, max_size=7))
    extras = draw(st.lists(allowance_charges(currency, groups), max_size=3))
    if draw(st.booleans()):
        # Whole amounts written without decimals ("5" for 5.00) are valid input too.
        extras = [
            attrs.evolve(
                a,
                amount=None if a.amount is None else Decimal(draw(st.integers(0, 50))),
                base=None if a.base is None else Decimal(draw(st.integers(0, 500))),
            )
            for a in extras
        ]
    incl = draw(st.booleans()) if prices_include_vat is None else prices_include_vat
    prepaid = Decimal(draw(st.integers(0, 1000)))
    increment = draw(st.none() | st.sampled_from(_INCREMENTS[paid_places(currency)]))
    exempt = any(category is VatCategory.E for category, _ in groups)
    return Doc(
        currency,
        doc_lines,
        tuple(extras),
        incl,
        prepaid,
        None if increment is None else Decimal(increment),
        "Exempt under the VAT Act" if exempt else None,
    )


# -- an independent reference, in exact rationals -----------------------------------------


def rnd(value: Fraction, places: int) -> Fraction:
    """Round half away from zero to ``places`` decimals."""
    scaled = value * 10**places
    whole = math.floor(abs(scaled) + Fraction(1, 2))
    return Fraction(whole if scaled >= 0 else -whole, 10**places)


def rnd_to(value: Fraction, increment: Fraction) -> Fraction:
    steps = value / increment
    whole = math.floor(abs(steps) + Fraction(1, 2))
    return (whole if steps >= 0 else -whole) * increment


class Ref(NamedTuple):
    line_nets: list[Fraction | None]  # in the document's price mode
    signed_extras: list[Fraction]  # in the document's price mode, allowances negative
    groups: dict[tuple[VatCategory, Fraction], tuple[Fraction, Fraction]]  # taxable, vat
    subtotal: Fraction
    vat: Fraction
    amount: Fraction
    rounding: Fraction
    payable: Fraction


def F(value: Decimal | int) -> Fraction:
    return Fraction(value)


def reference(doc: Doc) -> Ref:
    places = PLACES
    nets: list[Fraction | None] = []
    by_group: dict[tuple[VatCategory, Fraction], Fraction] = defaultdict(Fraction)
    for line in doc.lines:
        if not isinstance(line, ProductLine):
            nets.append(None)
            continue
        gross = rnd(F(line.quantity) * F(line.unit_price), places)
        net = gross - rnd(gross * F(line.discount_percent) / 100, places)
        nets.append(net)
        by_group[(line.vat_category, F(line.vat_rate))] += net
    signed: list[Fraction] = []
    gross_by_group = dict(by_group)
    for item in doc.allowance_charges:
        key = (item.vat_category, F(item.vat_rate))
        if item.amount is not None:
            value = F(item.amount)
        else:
            assert item.percent is not None
            base = F(item.base) if item.base is not None else by_group.get(key, Fraction(0))
            value = rnd(base * F(item.percent) / 100, places)
        signed.append(value if item.charge else -value)
        gross_by_group[key] = gross_by_group.get(key, Fraction(0)) + signed[-1]
    groups = {}
    for (category, rate), gross in gross_by_group.items():
        if doc.prices_include_vat:
            taxable = rnd(gross * 100 / (100 + rate), places)
            groups[(category, rate)] = (taxable, gross - taxable)
        else:
            groups[(category, rate)] = (gross, rnd(gross * rate / 100, places))
    subtotal = sum((t for t, _ in groups.values()), Fraction(0))
    vat = sum((v for _, v in groups.values()), Fraction(0))
    payable = subtotal + vat - F(doc.prepaid)
    if doc.cash_increment is not None:
        rounding = rnd_to(payable, F(doc.cash_increment)) - payable
    else:
        rounding = rnd(payable, paid_places(doc.currency)) - payable
    return Ref(nets, signed, groups, subtotal, vat, subtotal + vat, rounding, payable + rounding)


def breakdown(totals: Totals) -> dict[tuple[VatCategory, Fraction], tuple[Fraction, Fraction]]:
    return {(g.category, F(g.rate)): (F(g.taxable), F(g.vat)) for g in totals.vat_breakdown}


def aggregate(totals: Totals) -> tuple[object, ...]:
    """Everything but the per-line and per-allowance amounts."""
    return (
        breakdown(totals),
        totals.line_total,
        totals.allowance_total,
        totals.charge_total,
        totals.subtotal,
        totals.vat,
        totals.amount,
        totals.prepaid,
        totals.rounding,
        totals.payable,
    )


# -- DESIGN §2 invariants -------------------------------------------------------------------


@given(documents())
def test_amount_is_subtotal_plus_vat(doc: Doc) -> None:
    totals = doc.totals()
    assert totals.amount == totals.subtotal + totals.vat


def _flagged(totals: Totals, doc: Doc, charge: bool) -> Decimal:
    pairs = zip(totals.allowance_charges, doc.allowance_charges, strict=True)
    return sum((v for v, item in pairs if item.charge is charge), Decimal(0))


@given(documents())
def test_subtotal_is_line_total_less_allowance_total_plus_charge_total(doc: Doc) -> None:
    totals = doc.totals()
    assert totals.line_total == sum(a.net for a in totals.lines if a is not None)
    assert totals.subtotal == totals.line_total - totals.allowance_total + totals.charge_total


@given(documents(negative_quantities=False))
def test_subtotal_is_line_nets_less_allowances_plus_charges(doc: Doc) -> None:
    """Per item as a Peppol validator checks it (BR-CO-11, BR-CO-12, BR-CO-13)."""
    totals = doc.totals()
    allowances = _flagged(totals, doc, charge=False)
    charges = _flagged(totals, doc, charge=True)
    assert totals.allowance_total == allowances
    assert totals.charge_total == charges
    assert totals.subtotal == totals.line_total - allowances + charges


def test_percent_allowance_of_a_negative_group_stays_an_allowance() -> None:
    """Return line -1 × 1.00 with a 1 % allowance: the allowance is 1 % of -1.00 = -0.01."""
    doc = Doc(
        Currency.of("DKK"),
        (ProductLine("Return", Decimal(-1), Decimal("1.00"), VatCategory.Z, Decimal(0)),),
        (AllowanceCharge(False, "Loyalty", VatCategory.Z, Decimal(0), percent=Decimal(1)),),
        False,
        Decimal(0),
        None,
        None,
    )
    totals = doc.totals()
    assert totals.subtotal == Decimal("-0.99")  # -1.00 - (-0.01)
    # found: allowance_charges (0.01,), allowance_total 0.00, charge_total 0.01
    assert totals.allowance_total == _flagged(totals, doc, charge=False)
    assert totals.charge_total == _flagged(totals, doc, charge=True)


@given(documents())
def test_subtotal_and_vat_are_sums_over_the_vat_breakdown(doc: Doc) -> None:
    totals = doc.totals()
    assert totals.subtotal == sum(g.taxable for g in totals.vat_breakdown)
    assert totals.vat == sum(g.vat for g in totals.vat_breakdown)
    used = {
        (item.vat_category, item.vat_rate)
        for item in (*doc.lines, *doc.allowance_charges)
        if isinstance(item, ProductLine | AllowanceCharge)
    }
    assert {(g.category, g.rate) for g in totals.vat_breakdown} == used
    assert len(totals.vat_breakdown) == len(used)  # one group per (category, rate)


@given(documents())
def test_totals_match_an_independent_exact_reference(doc: Doc) -> None:
    totals = doc.totals()
    ref = reference(doc)
    assert breakdown(totals) == ref.groups
    assert F(totals.subtotal) == ref.subtotal
    assert F(totals.vat) == ref.vat
    assert F(totals.amount) == ref.amount
    assert F(totals.rounding) == ref.rounding
    assert F(totals.payable) == ref.payable
    for amounts, net in zip(totals.lines, ref.line_nets, strict=True):
        assert (amounts is None) == (net is None)
        if amounts is not None:
            shown = amounts.net_incl if doc.prices_include_vat else amounts.net
            assert shown is not None
            assert F(shown) == net
    if not doc.prices_include_vat:
        # an allowance is reported as the amount taken off, a charge as the amount added
        assert [F(v) for v in totals.allowance_charges] == [
            v if item.charge else -v
            for v, item in zip(ref.signed_extras, doc.allowance_charges, strict=True)
        ]


@given(documents(), st.randoms(use_true_random=False))
def test_totals_do_not_depend_on_line_order(doc: Doc, rng: random.Random) -> None:
    order = list(range(len(doc.lines)))
    rng.shuffle(order)
    extras = list(doc.allowance_charges)
    rng.shuffle(extras)
    shuffled = doc.totals(lines=tuple(doc.lines[i] for i in order), allowance_charges=extras)
    totals = doc.totals()
    assert aggregate(shuffled) == aggregate(totals)
    assert [g.category for g in shuffled.vat_breakdown] == [
        g.category for g in totals.vat_breakdown
    ]
    if not doc.prices_include_vat:
        # Each line's amounts depend on that line alone.
        assert list(shuffled.lines) == [totals.lines[i] for i in order]


@given(documents())
def test_every_amount_has_two_decimals_and_the_payable_amount_the_currencys(doc: Doc) -> None:
    totals = doc.totals()
    exponent = -PLACES
    # The payable amount is a whole number of the currency's minor units (at most two
    # decimals), written with exactly that many: 1000 JPY, 9.07 KWD.
    payable = totals.payable
    assert payable.as_tuple().exponent == -paid_places(doc.currency), payable
    amounts: list[tuple[str, Decimal | None]] = [
        (name, getattr(totals, name))
        for name in (
            "line_total",
            "allowance_total",
            "charge_total",
            "subtotal",
            "vat",
            "amount",
            "prepaid",
            "rounding",
        )
    ]
    for i, line in enumerate(totals.lines):
        if line is not None:
            amounts += [(f"lines.{i}.{f}", getattr(line, f)) for f in ("gross", "discount", "net")]
            if doc.prices_include_vat:
                amounts.append((f"lines.{i}.net_incl", line.net_incl))
    for i, group in enumerate(totals.vat_breakdown):
        amounts += [(f"vat.{i}.taxable", group.taxable), (f"vat.{i}.vat", group.vat)]
    amounts += [(f"allowanceCharges.{i}", v) for i, v in enumerate(totals.allowance_charges)]
    wrong = {name: v for name, v in amounts if v is None or v.as_tuple().exponent != exponent}
    assert not wrong, f"not at two decimals ({doc.currency.code}): {wrong}"


@given(documents(prices_include_vat=False))
def test_vat_rounding_error_is_at_most_half_a_unit_per_group(doc: Doc) -> None:
    totals = doc.totals()
    exact = sum(F(g.taxable) * F(g.rate) / 100 for g in totals.vat_breakdown)
    unit = Fraction(1, 10**PLACES)
    assert abs(exact - F(totals.vat)) <= unit / 2 * len(totals.vat_breakdown)


@given(documents(prices_include_vat=True))
def test_prices_including_vat_keep_the_customer_facing_gross(doc: Doc) -> None:
    totals = doc.totals()
    places = PLACES
    unit = Fraction(1, 10**places)
    gross: dict[tuple[VatCategory, Fraction], Fraction] = defaultdict(Fraction)
    nets: dict[tuple[VatCategory, Fraction], Fraction] = defaultdict(Fraction)
    for line, amounts in zip(doc.lines, totals.lines, strict=True):
        if isinstance(line, ProductLine):
            assert amounts is not None
            assert amounts.net_incl is not None
            key = (line.vat_category, F(line.vat_rate))
            gross[key] += F(amounts.net_incl)
            nets[key] += F(amounts.net)
            # Largest remainder: each net is within one unit of its exact share.
            exact = F(amounts.net_incl) * 100 / (100 + F(line.vat_rate))
            assert abs(F(amounts.net) - exact) < unit
            assert amounts.gross - amounts.discount == amounts.net
    # Customer-facing allowance/charge amounts (incl. VAT), derived by hand.
    for item, excl in zip(doc.allowance_charges, totals.allowance_charges, strict=True):
        key = (item.vat_category, F(item.vat_rate))
        if item.amount is not None:
            value = F(item.amount)
        else:
            assert item.percent is not None
            base = F(item.base) if item.base is not None else sum_incl(doc, totals, key)
            value = rnd(base * F(item.percent) / 100, places)
        signed = value if item.charge else -value
        gross[key] += signed
        # Totals report an allowance as the amount taken off, a charge as the amount added.
        nets[key] += F(excl) if item.charge else -F(excl)
    for group in totals.vat_breakdown:
        key = (group.category, F(group.rate))
        assert F(group.taxable) + F(group.vat) == gross[key]
        assert F(group.taxable) == rnd(gross[key] * 100 / (100 + key[1]), places)
        # Σ line nets − allowances + charges of the group, distributed = the taxable.
        assert nets[key] == F(group.taxable)


def sum_incl(doc: Doc, totals: Totals, key: tuple[VatCategory, Fraction]) -> Fraction:
    return sum(
        (
            F(a.net_incl)
            for line, a in zip(doc.lines, totals.lines, strict=True)
            if isinstance(line, ProductLine)
            and (line.vat_category, F(line.vat_rate)) == key
            and a is not None
            and a.net_incl is not None
        ),
        Fraction(0),
    )


@given(documents())
def test_payable_is_amount_less_prepaid_plus_cash_rounding(doc: Doc) -> None:
    totals = doc.totals()
    assert totals.payable == totals.amount - totals.prepaid + totals.rounding
    if doc.cash_increment is None:
        # only a currency with fewer than two minor units rounds: by half a unit at most
        unit = Fraction(1, 10 ** paid_places(doc.currency))
        assert abs(F(totals.rounding)) <= (unit / 2 if unit > Fraction(1, 100) else 0)
    else:
        steps = F(totals.payable) / F(doc.cash_increment)
        assert steps.denominator == 1, f"{totals.payable} is no multiple of {doc.cash_increment}"
        assert abs(F(totals.rounding)) <= F(doc.cash_increment) / 2


def negated(doc: Doc) -> Doc:
    """The same document with every sign turned: quantities, fixed amounts, prepaid."""
    flipped = []
    for item in doc.allowance_charges:
        # A percent of the group's (now negative) nets turns its sign by itself; a fixed
        # amount or a percent of a fixed base turns by swapping allowance and charge.
        # The reason code goes: allowances and charges have codes of their own lists.
        if item.amount is not None or item.base is not None:
            reason = item.reason if item.reason.strip() else item.kind
            item = attrs.evolve(item, charge=not item.charge, reason_code=None, reason=reason)
        flipped.append(item)
    return doc._replace(
        lines=tuple(
            attrs.evolve(ln, quantity=-ln.quantity) if isinstance(ln, ProductLine) else ln
            for ln in doc.lines
        ),
        allowance_charges=tuple(flipped),
        prepaid=-doc.prepaid,
    )


@given(documents())
def test_negated_document_has_exactly_negated_totals(doc: Doc) -> None:
    """Half away from zero is symmetric: a credit note is the exact negation of its invoice."""
    totals, minus = doc.totals(), negated(doc).totals()
    for name in ("subtotal", "vat", "amount", "prepaid", "rounding", "payable"):
        assert getattr(minus, name) == -getattr(totals, name), name
    assert breakdown(minus) == {k: (-t, -v) for k, (t, v) in breakdown(totals).items()}
    if not doc.prices_include_vat:
        for mine, theirs in zip(minus.lines, totals.lines, strict=True):
            if theirs is not None:
                assert mine == theirs._replace(
                    gross=-theirs.gross, discount=-theirs.discount, net=-theirs.net
                )


HOSTILE_CONTEXTS = [
    pytest.param(decimal.Context(prec=3, rounding=decimal.ROUND_DOWN), id="prec3-down"),
    pytest.param(
        decimal.Context(
            prec=2, rounding=decimal.ROUND_CEILING, traps=[decimal.Inexact, decimal.Rounded]
        ),
        id="prec2-ceiling-trapping",
    ),
]


@pytest.mark.parametrize("context", HOSTILE_CONTEXTS)
def test_compute_totals_ignores_the_callers_decimal_context(context: decimal.Context) -> None:
    @given(documents())
    def check(doc: Doc) -> None:
        expected = doc.totals()
        with decimal.localcontext(context):
            found = doc.totals()
        assert found == expected

    check()


# -- credit notes -------------------------------------------------------------------------


def _booked(draft: Invoice) -> Invoice:
    return draft.book("2024-00001", draft.updated_at + timedelta(minutes=1)).invoice


def _nonzero_groups(
    totals: Totals,
) -> dict[tuple[VatCategory, Fraction], tuple[Fraction, Fraction]]:
    # A percent allowance in a group without lines makes an all-zero group on the invoice
    # that the credit note (which only carries percents of credited groups) leaves out.
    return {k: v for k, v in breakdown(totals).items() if any(v)}


@given(drafts())
def test_full_credit_note_has_the_totals_of_its_invoice(draft: Invoice) -> None:
    invoice = _booked(draft)
    transition = invoice.credit("credit-1", AT, invoice.issue_date)
    note_totals, totals = transition.credit_note.totals, invoice.totals
    for name in ("line_total", "allowance_total", "charge_total", "subtotal", "vat", "amount"):
        assert getattr(note_totals, name) == getattr(totals, name), name
    assert _nonzero_groups(note_totals) == _nonzero_groups(totals)
    assert note_totals.lines == totals.lines
    assert transition.invoice.status is Status.CREDITED
    assert transition.invoice.credited_amount == totals.amount


@st.composite
def credit_plans(draw: st.DrawFn) -> tuple[Invoice, list[tuple[int, Fraction]]]:
    """A booked invoice (amount > 0) and partial credits: (line, share of what is left)."""
    draft = draw(drafts().filter(lambda d: d.totals.amount > 0))
    products = [i for i, ln in enumerate(draft.lines) if isinstance(ln, ProductLine)]
    steps = draw(
        st.lists(
            st.tuples(
                st.sampled_from(products),
                st.fractions(min_value=0, max_value=1).filter(lambda f: f > 0),
            ),
            max_size=5,
        )
    )
    return _booked(draft), steps


def _share(left: Decimal, share: Fraction) -> Decimal:
    """``share`` of ``left`` at 6 decimals, rounded towards zero, at least one millionth."""
    millionths = max(1, math.floor(F(left) * share * 10**6))
    return Decimal(millionths).scaleb(-6)


@given(credit_plans())
def test_partial_credits_never_exceed_the_invoice_and_a_full_credit_ends_it(
    plan: tuple[Invoice, Sequence[tuple[int, Fraction]]],
) -> None:
    invoice, steps = plan
    amount = invoice.totals.amount
    at = AT
    for n, (index, share) in enumerate(steps):
        left = invoice.remaining_quantities()[index]
        assert left is not None
        if not left or invoice.status is Status.CREDITED:
            continue
        at += timedelta(minutes=1)
        try:
            transition = invoice.credit(
                f"partial-{n}", at, date(2024, 4, 1), [(index, _share(left, share))]
            )
        except ValidationError as err:
            rule = err.errors[0].rule
            # The one refusal allowed: this part, rounded on its own, exceeds what is left.
            assert rule == "exceeds_invoice"
            continue
        assert transition.invoice.credits[-1].amount == transition.credit_note.totals.amount
        invoice = transition.invoice
        note(f"credited {invoice.credits[-1].amount}, total {invoice.credited_amount}")
        assert invoice.credited_amount <= amount
    if invoice.status is not Status.CREDITED:
        invoice = invoice.credit("full", at + timedelta(minutes=1), date(2024, 4, 2)).invoice
    assert invoice.status is Status.CREDITED
    assert invoice.credited_amount <= amount
    assert invoice.outstanding == 0
    assert all(not q for q in invoice.remaining_quantities() if q is not None)


def test_completing_credit_settles_the_rest_exactly() -> None:
    """3 × 0.0033 = 0.0099 → 0.01 on the invoice, but each part of 1 × 0.0033 rounds to 0.00."""
    draft = Invoice.draft(
        id="inv",
        company_id="c",
        customer_id="k",
        issue_date=date(2024, 3, 1),
        currency="DKK",
        payment_terms=PaymentTerms.net(8),
        at=AT,
        lines=[ProductLine("Screws", Decimal(3), Decimal("0.0033"), VatCategory.Z, Decimal(0))],
    ).invoice
    invoice = _booked(draft)
    assert invoice.totals.amount == Decimal("0.01")
    for n in range(2):
        invoice = invoice.credit(f"part-{n}", AT, date(2024, 3, 2), [(0, Decimal(1))]).invoice
    invoice = invoice.credit("rest", AT, date(2024, 3, 2)).invoice
    assert invoice.status is Status.CREDITED
    # The last credit note states a "Rounding adjustment" charge of 0.01 to land on 0.01.
    assert invoice.credited_amount == invoice.totals.amount
    assert invoice.outstanding == 0
