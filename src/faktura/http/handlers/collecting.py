"""Getting paid over HTTP: the reminder policy, reminder runs and reminders, payments by
reference, bank statements (the camt file as the body), reversals, refunds, the credit
balance and statements of account. Each handler runs one ``Billing`` use case
(``faktura.billing.collecting``) for the caller's company."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from faktura.errors import NotFoundError
from faktura.invoice import Invoice
from faktura.ports import MAX_PAGE_SIZE
from faktura.status import DocumentKind
from faktura.wire import invoice_to_wire, unstructure

from .. import params
from ..auth import Caller
from ..body import read_xml
from ..errors import invalid
from ..schemas.collecting import (
    ApplyCreditRequest,
    BalanceRefundRequest,
    BankEntryPage,
    CreditNoteRefundRequest,
    PaymentList,
    ReceivePaymentRequest,
    ReminderPage,
    ReminderPolicyRequest,
    ReminderRunRequest,
    ReversalRequest,
    account_entry_wire,
    balance_wire,
    bank_entry_wire,
    bank_import_wire,
    payments_wire,
    plans_wire,
    policy_from_wire,
    policy_wire,
    reminder_outcome_wire,
    reminder_run_wire,
    reminder_wire,
    statement_wire,
)
from .shared import Api, Handler, etag, json_response

__all__ = [
    "STATEMENT_BODY_BYTES",
    "apply_credit",
    "customer_balance",
    "get_reminder",
    "get_reminder_policy",
    "import_bank_statement",
    "invoice_payments",
    "list_payments",
    "list_reminders",
    "receive_payment",
    "refund_balance",
    "refund_credit_note",
    "reminder_deliveries",
    "reminder_pdf",
    "reminders_due",
    "reverse_invoice_payment",
    "reverse_reminder_payment",
    "run_reminders",
    "send_reminder",
    "set_reminder_policy",
    "statement",
    "statement_pdf",
]

#: The largest bank statement file taken over HTTP (larger ones: ``faktura`` or a worker).
STATEMENT_BODY_BYTES = 20 * 1024 * 1024


def _json(value: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return json_response(unstructure(value), status, headers)


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
    )


def _limit(query: Mapping[str, str]) -> int:
    limit = params.LIMIT.of(query)
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise invalid("limit", "range", f"must be 1-{MAX_PAGE_SIZE}")
    return limit


# -- the reminder policy ---------------------------------------------------------------------


def get_reminder_policy(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        policy = await api.read(api.billing.reminder_policy, caller.company_id)
        return _json(policy_wire(policy))

    return handle


def set_reminder_policy(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        data, body = await api.parsed(request, ReminderPolicyRequest)
        policy = policy_from_wire(data, body)
        kept = await api.call(api.billing.set_reminder_policy, caller.company_id, policy)
        return _json(policy_wire(kept))

    return handle


# -- reminders ---------------------------------------------------------------------------------


def run_reminders(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        _, body = await api.parsed(request, ReminderRunRequest)
        run = await api.call(
            api.billing.run_reminders,
            caller.company_id,
            today=body.today,
            deliver=True if body.deliver is None else body.deliver,
            actor=caller.actor,
        )
        return _json(reminder_run_wire(run))

    return handle


def reminders_due(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        today = params.TODAY.of(query) or api.billing.clock.today()
        plans = await api.call(api.billing.reminders_due, caller.company_id, today=today)
        return _json(plans_wire(today, plans))

    return handle


def list_reminders(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        customer_id = params.CUSTOMER_FILTER.of(query)
        after = params.AFTER.of(query)
        limit = _limit(query)
        found = await api.call(
            api.billing.list_reminders,
            caller.company_id,
            customer_id=customer_id,
            after=after,
            limit=limit + 1,
        )
        items = found[:limit]
        page = ReminderPage(
            [reminder_wire(r) for r in items], items[-1].id if len(found) > limit else None
        )
        return _json(page)

    return handle


def get_reminder(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        reminder_id = params.REMINDER_ID.of(request.path_params)
        reminder = await api.read(api.billing.get_reminder, caller.company_id, reminder_id)
        return _json(reminder_wire(reminder), headers={"ETag": f'"{reminder.version}"'})

    return handle


def reminder_pdf(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        reminder_id = params.REMINDER_ID.of(request.path_params)

        def read() -> tuple[str, bytes]:
            reminder = api.billing.get_reminder(caller.company_id, reminder_id)
            return reminder.number, api.billing.reminder_pdf(caller.company_id, reminder_id)

        number, data = await api.call(read)
        return _pdf(data, _safe(f"reminder-{number}"))

    return handle


def reminder_deliveries(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        from faktura.delivery.wire import delivery_status_to_wire

        reminder_id = params.REMINDER_ID.of(request.path_params)
        status = await api.call(api.billing.reminder_deliveries, caller.company_id, reminder_id)
        return json_response(delivery_status_to_wire(status))

    return handle


def send_reminder(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        reminder_id = params.REMINDER_ID.of(request.path_params)
        outcome = await api.call(
            api.billing.send_reminder, caller.company_id, reminder_id, actor=caller.actor
        )
        return _json(reminder_outcome_wire(outcome))

    return handle


# -- payments and bank statements --------------------------------------------------------------


def receive_payment(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        _, body = await api.parsed(request, ReceivePaymentRequest)

        def receive() -> tuple[Any, bool]:
            seen = None
            if body.key is not None:
                with api.billing.store.unit_of_work(readonly=True) as uow:
                    uow.companies.get(caller.company_id)
                    seen = uow.accounts.bank_entry(caller.company_id, body.key)
            entry = api.billing.receive_payment(
                caller.company_id,
                body.amount,
                reference=body.reference,
                currency=body.currency,
                paid_on=body.paid_on,
                key=body.key,
                actor=caller.actor,
            )
            return entry, seen is None

        entry, new = await api.call(receive)
        return _json(bank_entry_wire(entry), 201 if new else 200)

    return handle


def list_payments(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        outcome = params.OUTCOME.of(query)
        after = params.ENTRIES_AFTER.of(query)
        limit = _limit(query)
        found = await api.call(
            api.billing.bank_entries,
            caller.company_id,
            outcome=outcome,
            after=after,
            limit=limit + 1,
        )
        items = found[:limit]
        page = BankEntryPage(
            [bank_entry_wire(e) for e in items], items[-1].key if len(found) > limit else None
        )
        return _json(page)

    return handle


def import_bank_statement(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        data = await read_xml(request, max(api.max_body_bytes, STATEMENT_BODY_BYTES))
        result = await api.call(
            api.billing.import_bank_statement, caller.company_id, data, actor=caller.actor
        )
        return _json(bank_import_wire(result))

    return handle


def invoice_payments(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        invoice_id = params.ID.of(request.path_params)
        invoice = await api.read(api.document, caller.company_id, invoice_id, DocumentKind.INVOICE)
        return _json(PaymentList(payments_wire(invoice.payments)))

    return handle


# -- reversals, refunds, the credit balance ------------------------------------------------------


def reverse_invoice_payment(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        invoice_id = params.ID.of(request.path_params)
        payment_id = params.PAYMENT_ID.of(request.path_params)
        _, body = await api.parsed(request, ReversalRequest)

        def reverse() -> Invoice:
            api.document(caller.company_id, invoice_id, DocumentKind.INVOICE)
            reversed_ = api.billing.reverse_payment(
                caller.company_id, invoice_id, payment_id, reason=body.reason, actor=caller.actor
            )
            if not isinstance(reversed_, Invoice):  # cannot be: the id is an invoice's
                raise NotFoundError("invoice", invoice_id)
            return reversed_

        invoice = await api.call(reverse)
        return json_response(invoice_to_wire(invoice), headers=etag(invoice))

    return handle


def reverse_reminder_payment(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        reminder_id = params.REMINDER_ID.of(request.path_params)
        payment_id = params.PAYMENT_ID.of(request.path_params)
        _, body = await api.parsed(request, ReversalRequest)

        def reverse() -> Any:
            api.billing.get_reminder(caller.company_id, reminder_id)
            return api.billing.reverse_payment(
                caller.company_id, reminder_id, payment_id, reason=body.reason, actor=caller.actor
            )

        reminder = await api.call(reverse)
        if isinstance(reminder, Invoice):  # an invoice's id under /reminders is unknown
            raise NotFoundError("reminder", reminder_id)
        return _json(reminder_wire(reminder))

    return handle


def refund_credit_note(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        note_id = params.ID.of(request.path_params)
        _, body = await api.parsed(request, CreditNoteRefundRequest)

        def refund() -> Invoice:
            api.document(caller.company_id, note_id, DocumentKind.CREDIT_NOTE)
            return api.billing.refund_credit_note(
                caller.company_id,
                note_id,
                amount=body.amount,
                paid_on=body.paid_on,
                reference=body.reference,
                actor=caller.actor,
            )

        note = await api.call(refund)
        return json_response(invoice_to_wire(note), headers=etag(note))

    return handle


def customer_balance(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        customer_id = params.CUSTOMER_ID.of(request.path_params)
        currency = params.CURRENCY.of(query)

        def read() -> Any:
            company_id = caller.company_id
            api.billing.get_customer(company_id, customer_id)
            chosen = currency or api.billing.get_company(company_id).currency
            balance = api.billing.credit_balance(company_id, customer_id, currency=chosen)
            entries = api.billing.account_entries(company_id, customer_id)
            return balance_wire(chosen, balance, entries)

        return _json(await api.call(read))

    return handle


def refund_balance(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        customer_id = params.CUSTOMER_ID.of(request.path_params)
        _, body = await api.parsed(request, BalanceRefundRequest)

        def refund() -> Any:
            api.billing.get_customer(caller.company_id, customer_id)
            return api.billing.refund_credit_balance(
                caller.company_id,
                customer_id,
                body.amount,
                currency=body.currency,
                paid_on=body.paid_on,
                reference=body.reference,
                actor=caller.actor,
            )

        entry = await api.call(refund)
        return _json(account_entry_wire(entry), 201)

    return handle


def apply_credit(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        invoice_id = params.ID.of(request.path_params)
        _, body = await api.parsed(request, ApplyCreditRequest)

        def apply() -> Invoice:
            api.document(caller.company_id, invoice_id, DocumentKind.INVOICE)
            return api.billing.apply_credit_balance(
                caller.company_id, invoice_id, amount=body.amount, actor=caller.actor
            )

        invoice = await api.call(apply)
        return json_response(invoice_to_wire(invoice), headers=etag(invoice))

    return handle


# -- statements ------------------------------------------------------------------------------


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name)


def _statement_args(request: Request, query: Mapping[str, str]) -> dict[str, Any]:
    start = params.FROM.of(query)
    if start is None:
        raise invalid("from", "required", "is required (the statement's first day)")
    return {
        "start": start,
        "end": params.TO.of(query),
        "currency": params.CURRENCY.of(query),
    }


def _wants_pdf(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    media = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    return "application/pdf" in media and "application/json" not in media


async def _statement_pdf(
    api: Api, request: Request, caller: Caller, query: Mapping[str, str]
) -> Response:
    customer_id = params.CUSTOMER_ID.of(request.path_params)
    await api.read(api.billing.get_customer, caller.company_id, customer_id)
    args = _statement_args(request, query)
    language = params.LANGUAGE.of(query)
    data = await api.call(
        api.billing.statement_pdf, caller.company_id, customer_id, language=language, **args
    )
    return _pdf(data, _safe(f"statement-{customer_id}-{args['start']}"))


def statement(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        if _wants_pdf(request):
            return await _statement_pdf(api, request, caller, query)
        customer_id = params.CUSTOMER_ID.of(request.path_params)
        await api.read(api.billing.get_customer, caller.company_id, customer_id)
        args = _statement_args(request, query)
        params.LANGUAGE.of(query)  # for the PDF only; checked all the same
        made = await api.call(api.billing.statement, caller.company_id, customer_id, **args)
        return _json(statement_wire(made))

    return handle


def statement_pdf(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        return await _statement_pdf(api, request, caller, query)

    return handle
