"""Booking: a draft becomes an issued document with its number, in the caller's unit of
work.

Booking takes what the document is issued with (``Invoice.issued``: the company and
customer as they are now, the language, the template, the digest of the logo, whose
bytes are archived in the same unit of work), passes the issuability gate (what the
seller's jurisdiction and EN 16931 require the document to say, and every text the PDF's
font must draw), states the VAT in the seller's VAT accounting currency when the document
is in another one, and only then allocates the next number of the company's series for
the document's kind. Whatever fails rolls the unit of work back, the number counter
included: no number is used without its document.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from faktura.billing.work import Work
from faktura.documents.fonts import check_before_booking
from faktura.documents.source import issue
from faktura.errors import NotFoundError, ValidationError
from faktura.exchange import AccountingVat, ExchangeRates, vat_accounting_currency
from faktura.invoice import Invoice
from faktura.issuability import Parties, RuleSet, issuability_errors, rules_for
from faktura.issued import ArchiveKind, logo_media_type, sha256
from faktura.parties import Company, Customer
from faktura.ports import UnitOfWork

__all__ = ["Booking"]


@attrs.frozen
class Booking:
    """The booking use case of one Billing (see the module). ``jurisdictions``: what a
    document must say before it is numbered, by the seller's country; ``exchange_rates``:
    the host's rates for the VAT of a foreign-currency document."""

    work: Work
    jurisdictions: Mapping[str, RuleSet]
    exchange_rates: ExchangeRates | None = None

    def book(
        self,
        uow: UnitOfWork,
        company_id: str,
        invoice_id: str,
        actor: str | None,
        invoice: Invoice | None = None,
        template_id: str | None = None,
        company: Company | None = None,
    ) -> Invoice:
        """Book in ``uow`` (not committed: the caller commits); ``invoice`` is the draft
        as the caller read it in ``uow`` (a concurrent change since then is a
        ConflictError when it is written); ``template_id`` a send's template, else the
        customer's, else the company's; ``company`` the company as read in ``uow``.

        Every check that can refuse the document (the issuability gate, the exchange
        rate, back-dating) runs before anything is written: a refused document leaves
        ``uow`` as it was, so a batch (``book_many``) goes on with the next one."""
        work = self.work
        if company is None:
            company = uow.companies.get(company_id)
        if invoice is None:
            invoice = uow.invoices.get(company_id, invoice_id)
        customer = work.directory(uow).get(company_id, invoice.customer_id)
        now = work.clock.now()
        logo = None if company.logo is None else sha256(company.logo)
        issued = issue(invoice, company, customer, template_id=template_id, logo_sha256=logo)
        # Whatever fails from here on (the issuability gate, back-dating, a document that
        # cannot be booked, a crash) rolls the unit of work back, counter included: no
        # number is used. The checks come before the first write.
        invoice.check_bookable()
        self.gate(invoice, company, customer, issued.template_id)
        invoice = self._with_accounting_vat(invoice, company)
        series = company.series_for(invoice.kind)
        seq = uow.numbers.allocate(
            company_id,
            invoice.kind.value,
            series.period(invoice.issue_date),
            series.start,
            invoice.issue_date,
            series.allow_backdating,
        )
        number = series.format(seq, invoice.issue_date)
        booked, event = invoice.book(number, now, issued=issued)
        if company.logo is not None:
            uow.archive.put(
                company_id,
                invoice.id,
                ArchiveKind.LOGO,
                company.logo,
                logo_media_type(company.logo),
                now,
            )
        work.save(uow, invoice, booked, work.stamp(event, actor))
        return booked

    def gate(
        self, invoice: Invoice, company: Company, customer: Customer, template_id: str | None
    ) -> None:
        """The issuability gate: ValidationError naming every field that keeps the
        document from being issued (what the seller's jurisdiction and EN 16931 require
        it to say, and any text the PDF's font cannot draw), all at once."""
        parties = Parties(company, customer, invoice, invoice.customer_department_id)
        errors = issuability_errors(parties, rules_for(company, self.jurisdictions))
        try:
            check_before_booking(invoice, company, customer, template_id)
        except ValidationError as exc:
            errors.extend(exc.errors)
        if errors:
            raise ValidationError._from_errors(errors)

    def _with_accounting_vat(self, invoice: Invoice, company: Company) -> Invoice:
        """The draft with its VAT in the seller's VAT accounting currency (BT-6, BT-111)
        at the host's rate of the issue date, when it is in another currency and carries
        VAT. ValidationError (``currency``) when the host has no rate for it."""
        target = vat_accounting_currency(company.address.country)
        vat = invoice.amounts.vat
        if target is None or target == invoice.currency or not vat:
            return invoice
        try:
            if self.exchange_rates is None:
                raise NotFoundError("exchange rate", f"{invoice.currency}/{target}")
            rate = self.exchange_rates.rate(invoice.currency, target, invoice.issue_date)
        except NotFoundError:
            raise ValidationError(
                f"an exchange rate {invoice.currency}/{target} for "
                f"{invoice.issue_date.isoformat()} is needed to state the VAT in {target}",
                field="currency",
                rule="exchange_rate",
            ) from None
        return attrs.evolve(invoice, vat_accounting=AccountingVat.of(rate, vat))
