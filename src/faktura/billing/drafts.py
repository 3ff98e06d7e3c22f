"""Drafts: creating and changing a draft (its customer, department and contact checked
against the company's; its lines and allowances/charges resolved with the VAT defaults
of the customer's zone and the company's standard rate), cancelling it, and keeping its
supporting documents, for ``Billing``'s methods of the same names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from faktura.attachments import Attachment, SupportingDocument, check_supporting
from faktura.billing.work import Work, as_terms, check_actor, check_ids, command
from faktura.checks import check_id, check_text
from faktura.commands import (
    DraftChanges,
    NewDraft,
    VatDefaults,
    given,
    resolve_allowance_charges,
    resolve_lines,
)
from faktura.errors import ConflictError, FieldError, NotFoundError, ValidationError
from faktura.invoice import Invoice
from faktura.issued import ArchiveKind, sha256
from faktura.money import ZERO
from faktura.parties import Company, Customer
from faktura.ports import UnitOfWork
from faktura.references import NO_REFERENCES

__all__ = ["Drafts", "vat_defaults"]

T = TypeVar("T")


@attrs.frozen
class Drafts:
    """The draft use cases of one Billing (each public method is the Billing method of
    its name: see its docstring there)."""

    _work: Work

    def create(self, company_id: str, draft: NewDraft, *, actor: str | None = None) -> Invoice:
        check_ids(company_id=company_id)
        check_actor(actor)
        command(draft, NewDraft, "draft")
        check_id(draft.customer_id, "customer_id")
        with self._work.store.unit_of_work() as uow:
            invoice = self.create_in(uow, uow.companies.get(company_id), draft, actor=actor)
            uow.commit()
        return invoice

    def create_in(
        self,
        uow: UnitOfWork,
        company: Company,
        draft: NewDraft,
        *,
        actor: str | None = None,
        invoice_id: str | None = None,
    ) -> Invoice:
        """Write a new draft of ``company`` in ``uow`` (not committed), its id
        ``invoice_id`` or a new one. Every check runs before the write: a refused draft
        leaves ``uow`` as it was."""
        customer = self._customer_of(uow, company.id, draft.customer_id)
        fields = self._draft_fields(company, customer, draft)
        invoice, event = Invoice.draft(
            id=self._work.ids() if invoice_id is None else invoice_id,
            company_id=company.id,
            at=self._work.clock.now(),
            **fields,
        )
        self._work.save(uow, None, invoice, self._work.stamp(event, actor))
        return invoice

    def _customer_of(self, uow: UnitOfWork, company_id: str, customer_id: str) -> Customer:
        try:
            return self._work.directory(uow).get(company_id, customer_id)
        except NotFoundError:
            raise ValidationError(
                "is not a customer of this company", field="customer_id", rule="unknown_customer"
            ) from None

    def _draft_fields(
        self, company: Company, customer: Customer, draft: NewDraft
    ) -> dict[str, Any]:
        """The fields of the new draft: what ``draft`` gives, the defaults for the rest."""
        errors: list[FieldError] = []
        fields = {"lines": (), "allowance_charges": (), **given(draft)}
        _resolve_items(fields, vat_defaults(company, customer), errors)
        department = fields.get("customer_department_id")
        if department is not None and customer.department(department) is None:
            errors.append(
                _field_error("customer_department_id", "is not a department of the customer")
            )
        contact = fields.get("customer_contact_id")
        if contact is not None and customer.contact(contact) is None:
            errors.append(_field_error("customer_contact_id", "is not a contact of the customer"))
        if fields.get("payment_terms") is not None:
            terms = _collect(errors, as_terms, fields["payment_terms"]) or company.payment_terms
        else:
            terms = customer.payment_terms or company.payment_terms
        if errors:
            raise ValidationError._from_errors(errors)
        return {
            **fields,
            "customer_id": customer.id,
            "issue_date": fields.get("issue_date") or self._work.clock.today(),
            "currency": fields.get("currency") or company.currency,
            "payment_terms": terms,
            "prepaid_amount": fields.get("prepaid_amount", ZERO),
            "references": fields.get("references") or NO_REFERENCES,
        }

    def update(
        self,
        company_id: str,
        invoice_id: str,
        changes: DraftChanges,
        *,
        expected_version: int | None = None,
        actor: str | None = None,
    ) -> Invoice:
        check_ids(company_id=company_id, invoice_id=invoice_id)
        check_actor(actor)
        fields = given(command(changes, DraftChanges, "changes"))
        if expected_version is not None and (
            isinstance(expected_version, bool) or not isinstance(expected_version, int)
        ):
            raise ValidationError("must be a whole number", field="expected_version", rule="type")
        if "customer_id" in fields:
            check_id(fields["customer_id"], "customer_id")
        if "payment_terms" in fields:
            fields["payment_terms"] = as_terms(fields["payment_terms"])
        with self._work.store.unit_of_work() as uow:
            invoice = uow.invoices.get(company_id, invoice_id)
            if expected_version is not None and expected_version != invoice.version:
                raise ConflictError(
                    f"invoice {invoice_id!r} is at version {invoice.version}, "
                    f"not {expected_version}"
                )
            customer_id = fields.get("customer_id", invoice.customer_id)
            if "lines" in fields or "allowance_charges" in fields or "customer_id" in fields:
                customer = self._customer_of(uow, company_id, customer_id)
                defaults = vat_defaults(uow.companies.get(company_id), customer)
                errors: list[FieldError] = []
                _resolve_items(fields, defaults, errors)
                if errors:
                    raise ValidationError._from_errors(errors)
            updated, event = invoice.update(self._work.clock.now(), **fields)
            self._check_references(uow, updated)
            self._work.save(uow, invoice, updated, self._work.stamp(event, actor))
            uow.commit()
        return updated

    def _check_references(self, uow: UnitOfWork, invoice: Invoice) -> None:
        customer = self._customer_of(uow, invoice.company_id, invoice.customer_id)
        department, contact = invoice.customer_department_id, invoice.customer_contact_id
        if department is not None and customer.department(department) is None:
            raise ValidationError(
                "is not a department of the customer", field="customer_department_id"
            )
        if contact is not None and customer.contact(contact) is None:
            raise ValidationError("is not a contact of the customer", field="customer_contact_id")

    def cancel(self, company_id: str, invoice_id: str, *, actor: str | None = None) -> Invoice:
        check_ids(company_id=company_id, invoice_id=invoice_id)
        check_actor(actor)
        now = self._work.clock.now()
        with self._work.store.unit_of_work() as uow:
            invoice = uow.invoices.get(company_id, invoice_id)
            cancelled, event = invoice.cancel(now)
            self._work.save(uow, invoice, cancelled, self._work.stamp(event, actor))
            if invoice.credited_invoice_id is not None:
                credited = uow.invoices.get(company_id, invoice.credited_invoice_id)
                released, release = credited.release_credit(invoice.id, now)
                self._work.save(uow, credited, released, self._work.stamp(release, actor))
            uow.commit()
        return cancelled

    def add_attachment(
        self,
        company_id: str,
        invoice_id: str,
        attachment: Attachment,
        *,
        actor: str | None = None,
    ) -> SupportingDocument:
        check_ids(company_id=company_id, invoice_id=invoice_id)
        check_actor(actor)
        if not isinstance(attachment, Attachment):
            raise ValidationError("must be an Attachment", field="attachment", rule="type")
        content = attachment.content
        kept = SupportingDocument.kept(attachment, None if content is None else sha256(content))
        now = self._work.clock.now()
        with self._work.store.unit_of_work() as uow:
            invoice = uow.invoices.get(company_id, invoice_id)
            updated, event = invoice.attach(now, (*invoice.attachments, kept))
            check_supporting(invoice.attachments, attachment)
            if content is not None:
                assert attachment.mime_code is not None  # (Attachment checked it)
                uow.archive.put(
                    company_id,
                    invoice_id,
                    ArchiveKind.ATTACHMENT,
                    content,
                    attachment.mime_code,
                    now,
                )
            self._work.save(uow, invoice, updated, self._work.stamp(event, actor))
            uow.commit()
        return kept

    def remove_attachment(
        self, company_id: str, invoice_id: str, attachment_id: str, *, actor: str | None = None
    ) -> tuple[SupportingDocument, ...]:
        check_ids(company_id=company_id, invoice_id=invoice_id)
        check_actor(actor)
        check_text(attachment_id, "attachment_id", required=True, limit=200, one_line=True)
        with self._work.store.unit_of_work() as uow:
            invoice = uow.invoices.get(company_id, invoice_id)
            left = tuple(item for item in invoice.attachments if item.id != attachment_id)
            updated, event = invoice.attach(self._work.clock.now(), left)
            if len(left) == len(invoice.attachments):
                raise NotFoundError("attachment", attachment_id)
            self._work.save(uow, invoice, updated, self._work.stamp(event, actor))
            uow.commit()
        return left


def _field_error(field: str, message: str) -> FieldError:
    return FieldError(field, "reference", message)


def vat_defaults(company: Company, customer: Customer) -> VatDefaults:
    """The VAT a LineInput leaves out: the customer's zone's category, the company's
    standard rate."""
    return customer.vat_zone.default_category, company.standard_vat_rate


def _collect(errors: list[FieldError], build: Callable[..., T], *args: Any) -> T | None:
    """``build(*args)``, or None with its ValidationError's fields added to ``errors``."""
    try:
        return build(*args)
    except ValidationError as exc:
        errors.extend(exc.errors)
        return None


def _resolve_items(fields: dict[str, Any], defaults: VatDefaults, errors: list[FieldError]) -> None:
    """The lines and allowances/charges among a draft's ``fields`` made domain values
    with the VAT ``defaults``; the fields of every bad one added to ``errors``."""
    if "lines" in fields:
        fields["lines"] = _collect(errors, resolve_lines, fields["lines"], defaults) or ()
    if "allowance_charges" in fields:
        fields["allowance_charges"] = (
            _collect(errors, resolve_allowance_charges, fields["allowance_charges"], defaults) or ()
        )
