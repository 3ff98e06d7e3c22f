"""Every e-invoice faktura emits passes all four official layers (issue 15, point 5).

Random sellers of every national rule set Peppol BIS 3.0 carries (DK, SE, NO, DE, NL, IT,
GR) and of FR, BE and FI, their buyers in every VAT zone, invoices in every currency
Peppol accepts with every VAT category: each invoice is booked through ``Billing`` (its
issuability gate and the VAT in the seller's accounting currency included), credited in
full or in part, the credit note booked, and the UBL of both (``Billing.render_ubl``) run
through the UBL 2.1 XSD, CEN's EN 16931 rules, the CEN rules Peppol bundles and Peppol
BIS 3.0's own (tests/einvoice_rules.py).

Texts the PDF's font cannot draw are replaced by texts it draws: booking refuses them by
design (tests/test_pdf_fonts.py), whatever the e-invoice. A document faktura refuses
(booking, crediting or ``render_ubl`` raising ValidationError) is no failure when every
error names a field and a rule; the refusals are counted by (stage, field, rule) and
printed, so refusals by design stay visible, and their share of the documents is
bounded, so the test cannot pass by refusing. Any
finding of an official layer fails the test, listed by (layer, rule) with its count and
the first document that broke it.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import einvoice_rules
from einvoice_rules import Finding, OfficialRules
from faktura import ValidationError, codelists
from faktura.billing import Billing
from faktura.documents.fonts import default_font
from faktura.exchange import FixedRates
from faktura.invoice import Invoice
from faktura.issued import ArchiveKind
from faktura.items import ItemAttribute
from faktura.lines import Line, ProductLine
from faktura.money import Currency
from faktura.parties import Company, Customer
from faktura.storage.memory import MemoryStore
from faktura.testing.clock import ManualClock
from faktura.testing.strategies import (
    SELLER_COUNTRIES,
    SUPPORTING_CONTENT,
    companies,
    customers,
    drafts,
)
from faktura.vat import VatCategory, VatZone


def _peppol_currencies() -> tuple[str, ...]:
    # Every currency of the official code list (faktura.codelists, generated from
    # Peppol's and kept to what both CEN rule sets accept) that a document may be in:
    # all but XXX and XTS, which ISO 4217 reserves for "no currency" and for testing.
    accepted = []
    for code in sorted(codelists.CURRENCIES):
        try:
            Currency.of(code)
        except ValidationError:
            continue
        accepted.append(code)
    return tuple(accepted)


CURRENCIES = _peppol_currencies()
#: Invoices drawn; each gives an invoice and a credit note.
EXAMPLES = 800
#: Documents that must reach the official rules per run.
MIN_DOCUMENTS = 1_000
#: The largest share of documents faktura may refuse. The parties are drawn with every
#: optional field sometimes missing, so some are refused by design (a German seller
#: without a phone, DE-R-006; a Swedish rate of 21 %, SE-R-006 ...; each has its hand
#: case): 15-25 % of the documents, varying between runs as the examples do.
MAX_REFUSED = 0.3
#: The fewest documents that must pass for each seller country: none is refused wholesale.
#: (Swedish sellers pass least often: the drafts' rates are drawn for every country, and
#: Sweden's rule SE-R-006 takes only 25, 12, 6 and 0 %.)
MIN_PER_COUNTRY = 10
#: Denmark is faktura's home: its sellers are drawn as often as three other countries.
_SELLER_COUNTRIES = ("DK", "DK", "DK", *SELLER_COUNTRIES)
#: Greek sellers' e-invoices are refused by design (the Greek number format and the myDATA
#: MARK are not modelled: GR-R-001-1, GR-R-004-1; tests/test_national_rules.py): the
#: sweep checks their refusals name the field and the rule, and asks no document to pass.
_REFUSED_COUNTRIES = frozenset({"GR"})
#: Below 0.5 % a VAT rate with VAT of 0.50 or more is refused by design (CEN's BR-CO-17
#: rounds the rate to a whole percent first), as tests/test_ubl.py checks; the drafts
#: drawn have rates of 0 or from 0.5 %.
_HALF_PERCENT = Decimal("0.5")


@attrs.frozen
class Case:
    """One drawn document pair: the parties, the draft, how to credit it, the rate."""

    company: Company
    customer: Customer
    draft: Invoice
    partial: bool
    rate: Decimal

    def describe(self, kind: str) -> str:
        zone = self.customer.vat_zone.value
        groups = sorted({f"{g.category.value}" for g in self.draft.amounts.vat_breakdown})
        return (
            f"{kind} {self.company.address.country}→{self.customer.address.country} ({zone}) "
            f"in {self.draft.currency}, VAT {'/'.join(groups)}"
        )


#: Texts for where a drawn text holds a character the PDF's font cannot draw.
_DRAWABLE_TEXTS = st.sampled_from(
    (
        "Konsulentbistand",
        'Fragt & <emballage> "ekspres"',
        "Ærøskøbing levering – 2 dage",
        "Läderväska",
        "Λογιστικές υπηρεσίες",
        "Montage, Straße 5",
        "Ünïcödé façade №7",
    )
)


def _drawable(draw: st.DrawFn, text: str | None) -> str | None:
    """``text`` when the PDF's font draws it, else a text it draws: booking refuses a
    document whose PDF could not be made (``undrawable_character``, tested in
    tests/test_pdf_fonts.py), which says nothing about the e-invoice."""
    if not text or default_font().first_missing(text) is None:
        return text
    return draw(_DRAWABLE_TEXTS)


def _drawable_line(draw: st.DrawFn, line: Line) -> Line:
    if isinstance(line, ProductLine) and (line.note is not None or line.item.attributes):
        attributes = tuple(
            ItemAttribute(_drawable(draw, a.name) or "", _drawable(draw, a.value) or "")
            for a in line.item.attributes
        )
        return attrs.evolve(
            line,
            description=_drawable(draw, line.description),
            note=_drawable(draw, line.note),
            item=attrs.evolve(line.item, attributes=attributes),
        )
    return attrs.evolve(line, description=_drawable(draw, line.description))


def _drawable_texts(draw: st.DrawFn, draft: Invoice) -> dict[str, object]:
    return {
        "lines": tuple(_drawable_line(draw, line) for line in draft.lines),
        "allowance_charges": tuple(
            attrs.evolve(item, reason=_drawable(draw, item.reason))
            for item in draft.allowance_charges
        ),
        **{
            name: _drawable(draw, getattr(draft, name))
            for name in ("reference", "our_reference", "description", "notes")
        },
    }


def _expressible_rates(draft: Invoice) -> bool:
    return all(not g.rate or g.rate >= _HALF_PERCENT for g in draft.amounts.vat_breakdown)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    currency = draw(st.sampled_from(CURRENCIES))
    draft = draw(drafts(currency=currency).filter(_expressible_rates))
    country = draw(st.sampled_from(_SELLER_COUNTRIES))
    company = draw(companies(country, ids=st.just(draft.company_id)))
    # Reverse charge (AE) and intra-community supply (K) go to buyers elsewhere in the EU.
    cross_border = not {VatCategory.AE, VatCategory.K}.isdisjoint(
        group.category for group in draft.amounts.vat_breakdown
    )
    zone = VatZone.EU if cross_border else None
    customer = draw(customers(company, zone=zone, ids=st.just(draft.customer_id)))
    department = draw(st.none() | st.sampled_from([None, *(d.id for d in customer.departments)]))
    contact = draw(st.none() | st.sampled_from([None, *(c.id for c in customer.contacts)]))
    draft = draft.update(
        draft.updated_at,
        customer_department_id=department,
        customer_contact_id=contact,
        **_drawable_texts(draw, draft),
    ).invoice
    rate = draw(st.decimals(Decimal("0.0001"), Decimal(1000), places=4))
    return Case(company, customer, draft, draw(st.booleans()), rate)


@attrs.define
class Tally:
    """What the run saw: documents validated, refusals by (stage, field, rule), and
    findings by (layer, rule) with the first document of each."""

    attempted: int = 0
    validated: int = 0
    refused: Counter[tuple[str, str, str]] = attrs.Factory(Counter)
    failures: Counter[tuple[str, str]] = attrs.Factory(Counter)
    failed_documents: int = 0
    examples: dict[tuple[str, str], str] = attrs.Factory(dict)
    by_country: Counter[str] = attrs.Factory(Counter)  # documents validated per seller

    def refuse(self, stage: str, error: ValidationError) -> None:
        for found in error.errors:
            assert found.path, f"a refusal names no field: {error}"
            assert found.rule, f"a refusal names no rule: {error}"
            self.refused[(stage, found.path, found.rule)] += 1

    def judge(self, what: str, country: str, findings: list[Finding]) -> None:
        """Count the document once for each (layer, rule) it breaks."""
        self.validated += 1
        self.by_country[country] += 1
        self.failed_documents += bool(findings)
        for finding in findings:
            key = (finding.layer, finding.rule)
            self.examples.setdefault(key, f"{what}: {finding.message[:160]}")
        self.failures.update({(f.layer, f.rule) for f in findings})

    def summary(self) -> str:
        lines = [
            f"e-invoice conformance: {self.attempted} documents, {self.validated} validated, "
            f"{self.attempted - self.validated} refused, {self.failed_documents} failed",
            "validated by seller country: "
            + ", ".join(f"{c} {n}" for c, n in sorted(self.by_country.items())),
            "refused by design (stage, field, rule):",
            *(f"  {n:5} {stage} {field} {rule}" for (stage, field, rule), n in _top(self.refused)),
            "failures (layer, rule): documents, the first of them",
            *(
                f"  {n:5} {layer} {rule}: {self.examples[(layer, rule)]}"
                for (layer, rule), n in _top(self.failures)
            ),
        ]
        return "\n".join(lines)


def _top(counter: Counter[tuple[str, ...]]) -> list[tuple[tuple[str, ...], int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


def _billing(case: Case) -> Billing:
    clock = ManualClock(case.draft.updated_at + timedelta(hours=1))
    rates = FixedRates({(case.draft.currency, "DKK"): case.rate})
    billing = Billing(MemoryStore(), clock, exchange_rates=rates)
    with billing.store.unit_of_work() as uow:
        uow.companies.add(case.company)
        uow.customers.add(case.customer)
        uow.invoices.add(case.draft)
        for item in case.draft.attachments:  # the drawn supporting documents' bytes
            if item.sha256 is not None and item.mime_code is not None:
                content = SUPPORTING_CONTENT[item.sha256]
                kind = ArchiveKind.ATTACHMENT
                uow.archive.put(
                    case.company.id, case.draft.id, kind, content, item.mime_code, clock.now()
                )
        uow.commit()
    return billing


def _credit_lines(invoice: Invoice, partial: bool) -> list[tuple[int, Decimal]] | None:
    """The first open product line in full when asked for a partial credit and another
    line stays open, else None (everything)."""
    left = invoice.remaining_quantities()
    open_lines = [i for i, q in enumerate(left) if q and isinstance(invoice.lines[i], ProductLine)]
    if not partial or len(open_lines) < 2:
        return None
    return [(open_lines[0], left[open_lines[0]])]


def _documents(case: Case, tally: Tally) -> Iterator[tuple[str, bytes]]:
    """The UBL of the booked invoice and of its booked credit note, each refusal tallied."""
    billing = _billing(case)
    company_id = case.company.id
    tally.attempted += 1
    try:
        invoice = billing.book(company_id, case.draft.id)
    except ValidationError as err:
        tally.refuse("book", err)
        return
    tally.attempted += 1  # the credit note, once there is an invoice to credit
    try:
        yield case.describe("invoice"), billing.render_ubl(company_id, invoice.id)
    except ValidationError as err:
        tally.refuse("to_ubl", err)
    try:
        try:
            credit = billing.credit(
                company_id,
                invoice.id,
                _credit_lines(invoice, case.partial),
                issue_date=invoice.issue_date,
            )
        except ValidationError as err:
            # one line can be worth more than the whole invoice (a document allowance)
            if err.errors[0].rule != "exceeds_invoice":
                raise
            credit = billing.credit(company_id, invoice.id, issue_date=invoice.issue_date)
        credit = billing.book(company_id, credit.id)
    except ValidationError as err:
        tally.refuse("credit", err)
        return
    try:
        yield case.describe("credit note"), billing.render_ubl(company_id, credit.id)
    except ValidationError as err:
        tally.refuse("to_ubl", err)


def test_every_document_passes_the_official_rules(validator: OfficialRules) -> None:
    einvoice_rules.require_peppol(validator)
    tally = Tally()
    started = time.perf_counter()

    @settings(
        max_examples=EXAMPLES,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )
    @given(cases())
    def run(case: Case) -> None:
        for what, document in _documents(case, tally):
            tally.judge(what, case.company.address.country, validator.findings(document))

    run()
    summary = tally.summary() + f"\n{time.perf_counter() - started:.1f} s"
    print(summary)
    refused = tally.attempted - tally.validated
    problems = [
        *(
            [f"only {tally.validated} documents validated"]
            if tally.validated < MIN_DOCUMENTS
            else []
        ),
        *(
            [f"{refused} of {tally.attempted} documents refused"]
            if refused >= MAX_REFUSED * tally.attempted
            else []
        ),
        *([f"{tally.failed_documents} documents not conformant"] if tally.failures else []),
        *(
            f"only {tally.by_country[country]} documents of sellers in {country} validated"
            for country in sorted(set(_SELLER_COUNTRIES) - _REFUSED_COUNTRIES)
            if tally.by_country[country] < MIN_PER_COUNTRY
        ),
    ]
    assert not problems, "; ".join(problems) + "\n" + summary
