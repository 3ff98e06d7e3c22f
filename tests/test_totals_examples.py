"""Worked examples of the EN 16931 arithmetic, every number derived by hand in the comments."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from faktura.invoice import Invoice, Status
from faktura.lines import AllowanceCharge, Line, ProductLine, TextLine
from faktura.money import ZERO, Currency
from faktura.terms import PaymentTerms
from faktura.totals import AmountRule, LineAmounts, compute_totals
from faktura.vat import VatCategory

D = Decimal
S, Z = VatCategory.S, VatCategory.Z
DKK, SEK, JPY, KWD = (Currency.of(c) for c in ("DKK", "SEK", "JPY", "KWD"))
AT = datetime(2024, 5, 2, 8, 30, tzinfo=UTC)


def line(
    qty: str, price: str, rate: str = "25", category: VatCategory = S, discount_percent: D = ZERO
) -> ProductLine:
    return ProductLine(
        "Item", D(qty), D(price), category, D(rate), discount_percent=discount_percent
    )


def test_line_net_with_discount() -> None:
    # gross    = 3 × 199.95              = 599.85
    # discount = 599.85 × 10 / 100       =  59.985  → 59.99 (half away from zero)
    # net      = 599.85 − 59.99          = 539.86
    # VAT 25 % = 539.86 × 0.25           = 134.965 → 134.97
    # amount   = 539.86 + 134.97         = 674.83
    totals = compute_totals([line("3", "199.95", discount_percent=D(10))], currency=DKK)
    assert totals.lines == (LineAmounts(D("599.85"), D("59.99"), D("539.86")),)
    assert totals.vat_breakdown[0].taxable == D("539.86")
    assert totals.vat == D("134.97")
    assert totals.amount == D("674.83")
    assert totals.payable == D("674.83")


def test_two_vat_groups_and_vat_per_group_not_per_line() -> None:
    # SEK, three lines of 0.10 at 25 % and one of 2 × 45.55 at 12 %.
    # S 25 %: taxable 0.10 + 0.10 + 0.10 = 0.30; VAT 0.30 × 0.25 = 0.075 → 0.08
    #         (per line it would be 3 × round(0.025) = 3 × 0.03 = 0.09: never done)
    # S 12 %: taxable 2 × 45.55 = 91.10;         VAT 91.10 × 0.12 = 10.932 → 10.93
    # subtotal 0.30 + 91.10 = 91.40; VAT 0.08 + 10.93 = 11.01; amount 102.41
    lines = [line("1", "0.10"), line("1", "0.10"), line("2", "45.55", "12"), line("1", "0.10")]
    totals = compute_totals(lines, currency=SEK)
    # Breakdown in category order, then by rate.
    assert [(g.category, g.rate, g.taxable, g.vat) for g in totals.vat_breakdown] == [
        (S, D(12), D("91.10"), D("10.93")),
        (S, D(25), D("0.30"), D("0.08")),
    ]
    assert totals.subtotal == D("91.40")
    assert totals.vat == D("11.01")
    assert totals.amount == D("102.41")


def test_document_allowances_and_charges_fixed_and_percent() -> None:
    # Lines: 10 × 80.00 at S 25 % = 800.00; 1 × 150.00 zero rated (Z) = 150.00.
    # Allowance 3.333 % of the S 25 % nets:   800.00 × 3.333 / 100 = 26.664 → 26.66
    # Charge, fixed freight at S 25 %:                                          49.00
    # Charge 2 % of a given base 1000.00 at S 25 %:                             20.00
    # Allowance, fixed, in Z:                                                  10.00
    # S 25 %: taxable 800.00 − 26.66 + 49.00 + 20.00 = 842.34; VAT × 0.25 = 210.585 → 210.59
    # Z:      taxable 150.00 − 10.00 = 140.00;             VAT 0.00
    # line total 950.00; allowances 26.66 + 10.00 = 36.66; charges 49.00 + 20.00 = 69.00
    # subtotal 950.00 − 36.66 + 69.00 = 982.34; VAT 210.59; amount 1192.93
    extras = [
        AllowanceCharge(False, "Loyalty", S, D(25), percent=D("3.333")),
        AllowanceCharge(True, "Freight", S, D(25), amount=D("49.00")),
        AllowanceCharge(True, "Handling", S, D(25), percent=D(2), base=D("1000.00")),
        AllowanceCharge(False, "Damaged box", Z, D(0), amount=D("10.00")),
    ]
    totals = compute_totals(
        [line("10", "80.00"), line("1", "150.00", "0", Z)], extras, currency=DKK
    )
    assert totals.allowance_charges == (D("26.66"), D("49.00"), D("20.00"), D("10.00"))
    assert [(g.category, g.taxable, g.vat) for g in totals.vat_breakdown] == [
        (S, D("842.34"), D("210.59")),
        (Z, D("140.00"), D("0.00")),
    ]
    assert totals.line_total == D("950.00")
    assert totals.allowance_total == D("36.66")
    assert totals.charge_total == D("69.00")
    assert totals.subtotal == D("982.34")
    assert totals.vat == D("210.59")
    assert totals.amount == D("1192.93")


def test_prices_including_vat_with_largest_remainder() -> None:
    # Customer-facing line amounts (incl. 25 % VAT): 10.01, 20.03, 5.57; gross 35.61.
    # taxable = 35.61 × 100 / 125 = 28.488 → 28.49;  VAT = 35.61 − 28.49 = 7.12
    # exact excl. nets: 10.01 / 1.25 = 8.008, 20.03 / 1.25 = 16.024, 5.57 / 1.25 = 4.456
    # floors 8.00 + 16.02 + 4.45 = 28.47: two cents missing to reach 28.49; they go to the
    # largest remainders 0.008 (line 1) and 0.006 (line 3), not 0.004 (line 2):
    # nets 8.01, 16.02, 4.46 (Σ 28.49)
    lines: list[Line] = [line("1", "10.01"), TextLine("--"), line("1", "20.03"), line("1", "5.57")]
    totals = compute_totals(lines, currency=DKK, prices_include_vat=True)
    nets = [a.net for a in totals.lines if a is not None]
    assert nets == [D("8.01"), D("16.02"), D("4.46")]
    assert [a.net_incl for a in totals.lines if a is not None] == [
        D("10.01"),
        D("20.03"),
        D("5.57"),
    ]
    assert totals.lines[1] is None  # the text line
    (group,) = totals.vat_breakdown
    assert (group.taxable, group.vat) == (D("28.49"), D("7.12"))
    assert totals.amount == D("35.61")  # what the customer saw is what they pay


def test_prices_including_vat_tie_goes_to_the_first_line() -> None:
    # Three lines of 9.99 incl. 25 %: gross 29.97; taxable 29.97 / 1.25 = 23.976 → 23.98;
    # VAT 29.97 − 23.98 = 5.99. Exact nets 7.992 each, floors 3 × 7.99 = 23.97: one cent
    # missing, remainders tie (0.002 each), so document order decides: 8.00, 7.99, 7.99.
    totals = compute_totals([line("1", "9.99")] * 3, currency=DKK, prices_include_vat=True)
    assert [a.net for a in totals.lines if a is not None] == [D("8.00"), D("7.99"), D("7.99")]
    assert (totals.subtotal, totals.vat, totals.amount) == (D("23.98"), D("5.99"), D("29.97"))


def test_prices_including_vat_with_a_line_discount_and_an_allowance() -> None:
    # 1 × 100.00 incl. 25 % VAT, 10 % line discount: discount incl. 10.00, net incl. 90.00.
    # Allowance of 9.00 incl. VAT in the same group.
    # group gross = 90.00 − 9.00 = 81.00; taxable = 81.00 / 1.25 = 64.80; VAT 16.20
    # exact excl.: line 90.00 / 1.25 = 72.00, allowance −9.00 / 1.25 = −7.20 (no remainders)
    # line discount excl. = 10.00 / 1.25 = 8.00; line gross excl. = 72.00 + 8.00 = 80.00
    totals = compute_totals(
        [line("1", "100.00", discount_percent=D(10))],
        [AllowanceCharge(False, "Voucher", S, D(25), amount=D("9.00"))],
        currency=DKK,
        prices_include_vat=True,
    )
    assert totals.lines == (LineAmounts(D("80.00"), D("8.00"), D("72.00"), D("90.00")),)
    assert totals.allowance_charges == (D("7.20"),)
    assert (totals.subtotal, totals.vat, totals.amount) == (D("64.80"), D("16.20"), D("81.00"))


def test_cash_rounding_dkk_to_half_krone() -> None:
    # 1 × 33.37 at 25 %: VAT 8.3425 → 8.34; amount 41.71
    # 41.71 / 0.50 = 83.42 → 83 steps → 41.50; rounding −0.21 (BT-114)
    totals = compute_totals([line("1", "33.37")], currency=DKK, cash_increment=D("0.50"))
    assert (totals.amount, totals.rounding, totals.payable) == (
        D("41.71"),
        D("-0.21"),
        D("41.50"),
    )
    # 1 × 33.40: VAT 8.35; amount 41.75; 41.75 / 0.50 = 83.5 → 84 (half up) → 42.00, +0.25
    totals = compute_totals([line("1", "33.40")], currency=DKK, cash_increment=D("0.50"))
    assert (totals.amount, totals.rounding, totals.payable) == (D("41.75"), D("0.25"), D("42.00"))
    # With 20.00 prepaid: 41.71 − 20.00 = 21.71; 43.42 steps → 43 → 21.50; rounding −0.21
    totals = compute_totals(
        [line("1", "33.37")], currency=DKK, prepaid=D("20.00"), cash_increment=D("0.50")
    )
    assert (totals.prepaid, totals.rounding, totals.payable) == (
        D("20.00"),
        D("-0.21"),
        D("21.50"),
    )


def _booked_invoice() -> Invoice:
    draft = Invoice.draft(
        id="inv-1",
        company_id="company-1",
        customer_id="customer-1",
        issue_date=date(2024, 5, 2),
        currency="DKK",
        payment_terms=PaymentTerms.net(14),
        at=AT,
        lines=[line("4", "250.00"), line("2", "75.00")],
        allowance_charges=[
            AllowanceCharge(False, "Volume discount", S, D(25), percent=D(10)),
            AllowanceCharge(True, "Freight", S, D(25), amount=D("50.00")),
        ],
    ).invoice
    return draft.book("2024-0001", AT).invoice


def test_credit_note_for_part_of_an_invoice() -> None:
    # Invoice: 4 × 250.00 + 2 × 75.00 = 1150.00; 10 % allowance 115.00; freight 50.00
    #   taxable 1150.00 − 115.00 + 50.00 = 1085.00; VAT 271.25; amount 1356.25
    invoice = _booked_invoice()
    assert (invoice.totals.subtotal, invoice.totals.amount) == (D("1085.00"), D("1356.25"))

    # Credit 1 of the 4 items of line 0; the percent allowance of the group goes along,
    # the fixed freight charge does not:
    #   250.00 − 10 % (25.00) = 225.00; VAT 56.25; amount 281.25
    step = invoice.credit("cn-1", AT, date(2024, 5, 10), [(0, D(1))])
    note = step.credit_note
    assert [(ln.quantity, ln.unit_price) for ln in note.lines if isinstance(ln, ProductLine)] == [
        (D(1), D("250.00"))
    ]
    assert note.totals.allowance_charges == (D("25.00"),)
    assert (note.totals.subtotal, note.totals.vat, note.totals.amount) == (
        D("225.00"),
        D("56.25"),
        D("281.25"),
    )
    invoice = step.invoice
    assert invoice.credited_amount == D("281.25")
    assert invoice.remaining_quantities() == (D(3), D(2))
    assert invoice.status is Status.SENDING  # not fully credited
    assert invoice.outstanding == D("1075.00")  # 1356.25 − 281.25

    # The rest: 3 × 250.00 + 2 × 75.00 = 900.00 − 10 % (90.00) + freight 50.00 = 860.00;
    # VAT 215.00; amount 1075.00. Σ credits 281.25 + 1075.00 = 1356.25 = the invoice.
    step = invoice.credit("cn-2", AT, date(2024, 5, 11))
    assert step.credit_note.totals.amount == D("1075.00")
    assert step.invoice.credited_amount == D("1356.25")
    assert step.invoice.status is Status.CREDITED
    assert step.invoice.outstanding == D("0.00")


def test_minor_units_rule_rounds_jpy_to_whole_yen() -> None:
    # The rule of documents drafted before amounts had two decimals in every currency.
    # S 10 %: 3 × 1333 = 3999; 0.5 × 999 = 499.5 → 500 (half away from zero); taxable 4499
    #         VAT 449.9 → 450
    # S 8 %:  2 × 498 = 996; VAT 79.68 → 80
    # subtotal 4499 + 996 = 5495; VAT 530; amount 6025
    lines = [line("3", "1333", "10"), line("2", "498", "8"), line("0.5", "999", "10")]
    totals = compute_totals(lines, currency=JPY, rule=AmountRule.MINOR_UNITS)
    assert totals.lines[2] == LineAmounts(D("500"), D("0"), D("500"))
    assert [(g.rate, g.taxable, g.vat) for g in totals.vat_breakdown] == [
        (D(8), D("996"), D("80")),
        (D(10), D("4499"), D("450")),
    ]
    assert (totals.subtotal, totals.vat, totals.amount) == (D("5495"), D("530"), D("6025"))
    assert totals.amount.as_tuple().exponent == 0


def test_minor_units_rule_rounds_kwd_to_three_decimals() -> None:
    # S 5 %: 7 × 1.2345 = 8.6415 → 8.642; 1 × 0.0005 → 0.001 (half away from zero)
    # taxable 8.643; VAT 8.643 × 0.05 = 0.43215 → 0.432; amount 9.075
    # cash rounding to 0.050: 9.075 / 0.05 = 181.5 → 182 → 9.100; rounding +0.025
    lines = [line("7", "1.2345", "5"), line("1", "0.0005", "5")]
    totals = compute_totals(
        lines, currency=KWD, cash_increment=D("0.050"), rule=AmountRule.MINOR_UNITS
    )
    assert [a.net for a in totals.lines if a is not None] == [D("8.642"), D("0.001")]
    assert (totals.subtotal, totals.vat, totals.amount) == (D("8.643"), D("0.432"), D("9.075"))
    assert (totals.rounding, totals.payable) == (D("0.025"), D("9.100"))
    assert totals.payable.as_tuple().exponent == -3


def test_jpy_amounts_have_two_decimals_and_the_payable_amount_none() -> None:
    # The same lines under EN 16931 (the rule of every new document):
    # S 10 %: 3 × 1333 = 3999.00; 0.5 × 999 = 499.50; taxable 4498.50; VAT 449.85
    # S 8 %:  2 × 498 = 996.00; VAT 79.68
    # subtotal 5494.50; VAT 529.53; amount 6024.03; payable 6024, rounding −0.03
    lines = [line("3", "1333", "10"), line("2", "498", "8"), line("0.5", "999", "10")]
    totals = compute_totals(lines, currency=JPY)
    assert totals.lines[2] == LineAmounts(D("499.50"), D("0.00"), D("499.50"))
    assert [(g.rate, g.taxable, g.vat) for g in totals.vat_breakdown] == [
        (D(8), D("996.00"), D("79.68")),
        (D(10), D("4498.50"), D("449.85")),
    ]
    assert (totals.subtotal, totals.vat, totals.amount) == (
        D("5494.50"),
        D("529.53"),
        D("6024.03"),
    )
    assert (totals.rounding, totals.payable) == (D("-0.03"), D("6024"))
    assert str(totals.payable) == "6024"  # whole yen, written without decimals


def test_a_fractional_quantity_of_yen_keeps_its_half() -> None:
    # 10.5 × 1 JPY = 10.50 (not 11: Peppol's R120 allows 0.02 off quantity × price);
    # VAT 10 % 1.05; amount 11.55; payable 12 (11.55 → 12, half away from zero), +0.45
    totals = compute_totals([line("10.5", "1", "10")], currency=JPY)
    assert totals.lines == (LineAmounts(D("10.50"), D("0.00"), D("10.50")),)
    assert (totals.vat, totals.amount) == (D("1.05"), D("11.55"))
    assert (totals.rounding, totals.payable) == (D("0.45"), D("12"))


def test_a_yen_line_discount_has_two_decimals() -> None:
    # 99 × 7 = 693.00 less 5 %: discount 34.65 (not 35, R120), net 658.35
    # VAT 10 % 65.835 → 65.84; amount 724.19; payable 724, rounding −0.19
    totals = compute_totals([line("99", "7", "10", discount_percent=D(5))], currency=JPY)
    assert totals.lines == (LineAmounts(D("693.00"), D("34.65"), D("658.35")),)
    assert (totals.vat, totals.amount) == (D("65.84"), D("724.19"))
    assert (totals.rounding, totals.payable) == (D("-0.19"), D("724"))
    # With a cash rounding to 10 yen: 724.19 → 720, rounding −4.19.
    cash = compute_totals(
        [line("99", "7", "10", discount_percent=D(5))], currency=JPY, cash_increment=D(10)
    )
    assert (cash.rounding, cash.payable) == (D("-4.19"), D("720"))
    # Prepaid 100: 724.19 − 100.00 = 624.19 → 624, rounding −0.19.
    paid = compute_totals(
        [line("99", "7", "10", discount_percent=D(5))], currency=JPY, prepaid=D(100)
    )
    assert (paid.prepaid, paid.rounding, paid.payable) == (D("100.00"), D("-0.19"), D("624"))


def test_a_yen_allowance_has_two_decimals() -> None:
    # 3 % of 1658 = 49.74 (not 50, Peppol's R040); taxable 1608.26
    # VAT 10 % 160.826 → 160.83; amount 1769.09; payable 1769, rounding −0.09
    loyalty = AllowanceCharge(False, "Loyalty", S, D(10), percent=D(3))
    totals = compute_totals([line("1", "1658", "10")], [loyalty], currency=JPY)
    assert totals.allowance_charges == (D("49.74"),)
    assert totals.vat_breakdown[0].taxable == D("1608.26")
    assert (totals.vat, totals.amount) == (D("160.83"), D("1769.09"))
    assert (totals.rounding, totals.payable) == (D("-0.09"), D("1769"))


def test_kwd_amounts_have_two_decimals() -> None:
    # 7 × 1.2345 = 8.6415 → 8.64; 1 × 0.0005 → 0.00; taxable 8.64; VAT 5 % 0.432 → 0.43
    # amount 9.07, a whole number of fils: payable 9.07 without rounding.
    # Cash rounding to 0.05: 9.07 / 0.05 = 181.4 → 181 → 9.05, rounding −0.02.
    lines = [line("7", "1.2345", "5"), line("1", "0.0005", "5")]
    totals = compute_totals(lines, currency=KWD)
    assert [a.net for a in totals.lines if a is not None] == [D("8.64"), D("0.00")]
    assert (totals.subtotal, totals.vat, totals.amount) == (D("8.64"), D("0.43"), D("9.07"))
    assert (totals.rounding, totals.payable) == (D("0.00"), D("9.07"))
    cash = compute_totals(lines, currency=KWD, cash_increment=D("0.05"))
    assert (cash.rounding, cash.payable) == (D("-0.02"), D("9.05"))


def test_return_line_rounds_half_away_from_zero() -> None:
    # −1 × 2.345 = −2.345 → −2.35 (half away from zero, not −2.34 as half-up-to-+∞ gives);
    # VAT 25 %: −0.5875 → −0.59; amount −2.94: exactly the negation of +1 × 2.345.
    plus = compute_totals([line("1", "2.345")], currency=DKK)
    minus = compute_totals([line("-1", "2.345")], currency=DKK)
    assert (plus.subtotal, plus.vat, plus.amount) == (D("2.35"), D("0.59"), D("2.94"))
    assert (minus.subtotal, minus.vat, minus.amount) == (D("-2.35"), D("-0.59"), D("-2.94"))
