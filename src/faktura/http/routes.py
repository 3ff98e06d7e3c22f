"""The route table: every operation of the API, one row each, with the handler it runs.

The router, the scope checks, the allowed query parameters and the OpenAPI document all
come from ``ROUTES``. The operations invoices and credit notes share are written once,
in ``_EACH_KIND``, and made for both: ``{noun}``, ``{Kind}``, ``{base}`` and ``{one}``
(the path of one document) are filled in per kind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from faktura.apikeys import Scope
from faktura.attachments import MAX_ATTACHMENTS, MAX_DOCUMENT_BYTES, MAX_FILE_BYTES
from faktura.delivery.wire import DeliveryStatusResponse, SendRequest, SendResponse
from faktura.status import DocumentKind
from faktura.webhooks import SIGNATURE_HEADER
from faktura.wire import CreateDraftRequest, InvoiceResponse

from .handlers import (
    access_point,
    attachments,
    collecting,
    company,
    credit_notes,
    customers,
    documents,
    invoices,
    runs,
    schedules,
    webhook_endpoints,
)
from .handlers.attachments import ATTACHMENT_BODY_BYTES
from .handlers.collecting import STATEMENT_BODY_BYTES
from .handlers.shared import Api, Handler
from .openapi import Operation
from .params import (
    AFTER,
    ATTACHMENT_ID,
    CURRENCY,
    CUSTOMER_FILTER,
    CUSTOMER_ID,
    DRAFT,
    ENTRIES_AFTER,
    FROM,
    ID,
    IDEMPOTENCY_KEY,
    IF_MATCH,
    LANGUAGE,
    LIMIT,
    OUTCOME,
    PAGE,
    PAYMENT_ID,
    REMINDER_ID,
    SCHEDULE_ID,
    SEARCH_CUSTOMERS,
    SEARCH_INVOICES,
    STATUS,
    TO,
    TODAY,
    WEBHOOK_ENDPOINT_ID,
    Parameter,
)
from .schemas import (
    AccessPointStatusRequest,
    AccessPointStatusResponse,
    AttachmentList,
    AttachmentRequest,
    AttachmentWire,
    BatchBookingResponse,
    BillingRunRequest,
    BookInvoicesRequest,
    CompanyResponse,
    CreateCreditNoteRequest,
    CreateCustomerRequest,
    CreateScheduleRequest,
    CreateWebhookEndpointRequest,
    CustomerPage,
    CustomerResponse,
    InvoicePage,
    PaymentRequest,
    RunSummaryResponse,
    ScheduleLinesRequest,
    SchedulePage,
    ScheduleResponse,
    UpdateCompanyRequest,
    UpdateCustomerRequest,
    UpdateDraftRequest,
    UpdateScheduleRequest,
    UpdateWebhookEndpointRequest,
    WebhookEndpointList,
    WebhookEndpointResponse,
    WebhookEndpointSecret,
)
from .schemas.collecting import (
    AccountEntryWire,
    ApplyCreditRequest,
    BalanceRefundRequest,
    BalanceResponse,
    BankEntryPage,
    BankEntryWire,
    BankImportResponse,
    CreditNoteRefundRequest,
    PaymentList,
    ReceivePaymentRequest,
    ReminderOutcomeWire,
    ReminderPage,
    ReminderPlanList,
    ReminderPolicyRequest,
    ReminderPolicyResponse,
    ReminderResponse,
    ReminderRunRequest,
    ReminderRunResponse,
    ReversalRequest,
    StatementResponse,
)
from .schemas.runs import MAX_RUN_DAYS

__all__ = ["ROUTES", "MakeHandler"]

#: How a route's handler is made for the app's ``Api``.
MakeHandler = Callable[[Api], Handler]
_PerKind = Callable[[Api, DocumentKind], Handler]

_READ, _WRITE = Scope.INVOICES_READ, Scope.INVOICES_WRITE


M = TypeVar("M")


def _route(
    make: M,
    method: str,
    path: str,
    operation_id: str,
    summary: str,
    tag: str,
    scope: Scope,
    description: str = "",
    params: tuple[Parameter[Any], ...] = (),
    **rest: Any,
) -> tuple[Operation, M]:
    """One row: the operation (its parameters as the OpenAPI document declares them) and
    how its handler is made."""
    declared = tuple(p.param for p in params)
    return Operation(
        method, path, operation_id, summary, tag, scope, description, declared, **rest
    ), make


#: What both kinds have; tag, noun and paths filled in per kind.
_EACH_KIND: tuple[tuple[Operation, _PerKind], ...] = (
    _route(
        documents.list_documents,
        "GET",
        "{base}",
        "list{Kind}s",
        "List {noun}s",
        "{tag}",
        _READ,
        "Returns a paginated list of {noun}s for your company, newest first, "
        "optionally filtered by status and customer.",
        (PAGE, LIMIT, SEARCH_INVOICES, STATUS, CUSTOMER_FILTER),
        response=InvoicePage,
    ),
    _route(
        documents.get_document,
        "GET",
        "{one}",
        "get{Kind}",
        "Get a {noun} by ID",
        "{tag}",
        _READ,
        "Returns 404 when the {noun} does not exist in your company. "
        "The ETag header carries the version (for If-Match on edits).",
        (ID,),
        response=InvoiceResponse,
        errors=(404,),
    ),
    _route(
        documents.cancel_document,
        "DELETE",
        "{one}",
        "cancel{Kind}",
        "Cancel a draft {noun}",
        "{tag}",
        _WRITE,
        "Cancels a draft (status cancelled) and answers the cancelled document; booked "
        "documents are corrected with credit notes instead (409).{cancelled}",
        (ID,),
        response=InvoiceResponse,
        errors=(404, 409),
    ),
    _route(
        documents.pdf,
        "GET",
        "{one}/pdf",
        "get{Kind}Pdf",
        "Download the {noun} PDF",
        "{tag}",
        _READ,
        "Streams the rendered PDF. Pass draft=true to render a draft watermark version "
        "(generated on the fly).",
        (ID, DRAFT),
        media_type="application/pdf",
        errors=(404, 422),
    ),
    _route(
        documents.send,
        "POST",
        "{one}/send",
        "send{Kind}",
        "Send a {noun} to the customer",
        "{tag}",
        Scope.INVOICES_SEND,
        "Sends the document over the chosen delivery channel. Sending books a draft and "
        "allocates its number. A delivery that failed after booking answers 200 with "
        "success false and the attempt's error; refusals before booking (recipient, "
        "pre-flight) answer 400/422/503 and use no number.",
        (ID, IDEMPOTENCY_KEY),
        request=SendRequest,
        response=SendResponse,
        errors=(404, 409, 422, 502),
    ),
    _route(
        attachments.list_attachments,
        "GET",
        "{one}/attachments",
        "list{Kind}Attachments",
        "List the supporting documents of a {noun}",
        "{tag}",
        _READ,
        "The supporting documents (EN 16931 BG-24) kept with the document, in the order "
        "its e-invoices carry them, without their bytes.",
        (ID,),
        response=AttachmentList,
        errors=(404,),
    ),
    _route(
        attachments.add_attachment,
        "POST",
        "{one}/attachments",
        "add{Kind}Attachment",
        "Add a supporting document to a draft {noun}",
        "{tag}",
        _WRITE,
        "Keeps a supporting document (EN 16931 BG-24) with a draft: every e-invoice of "
        "the document carries it, after the document's own PDF when that is embedded; "
        "final once booked (409). The body may be up to "
        f"{ATTACHMENT_BODY_BYTES} bytes; a file above {MAX_FILE_BYTES} bytes, more than "
        f"{MAX_DOCUMENT_BYTES} bytes or {MAX_ATTACHMENTS} supporting documents per "
        "document is 413.",
        (ID,),
        request=AttachmentRequest,
        response=AttachmentWire,
        status=201,
        errors=(404, 409, 413),
    ),
    _route(
        attachments.remove_attachment,
        "DELETE",
        "{one}/attachments/{{attachmentId}}",
        "remove{Kind}Attachment",
        "Remove a supporting document from a draft {noun}",
        "{tag}",
        _WRITE,
        "Takes the supporting document off the draft and answers the ones left; booked "
        "documents keep theirs (409).",
        (ID, ATTACHMENT_ID),
        response=AttachmentList,
        errors=(404, 409),
    ),
    _route(
        documents.delivery_status,
        "GET",
        "{one}/delivery-status",
        "get{Kind}DeliveryStatus",
        "Get the delivery status of a {noun}",
        "{tag}",
        _READ,
        "Returns an aggregate send summary plus a per-attempt delivery log.",
        (ID,),
        response=DeliveryStatusResponse,
        errors=(404,),
    ),
)

#: What fills the rows of ``_EACH_KIND`` for each kind, in the table's order.
_KINDS: tuple[tuple[DocumentKind, dict[str, str]], ...] = (
    (
        DocumentKind.INVOICE,
        {
            "base": "/v1/invoices",
            "tag": "Invoices",
            "noun": "invoice",
            "Kind": "Invoice",
            "cancelled": "",
        },
    ),
    (
        DocumentKind.CREDIT_NOTE,
        {
            "base": "/v1/credit-notes",
            "tag": "Credit notes",
            "noun": "credit note",
            "Kind": "CreditNote",
            "cancelled": " A cancelled credit-note draft no longer counts against its invoice.",
        },
    ),
)


def _for_kind(make: _PerKind, kind: DocumentKind) -> MakeHandler:
    return lambda api: make(api, kind)


def _each_kind() -> list[tuple[Operation, MakeHandler]]:
    rows: list[tuple[Operation, MakeHandler]] = []
    for kind, words in _KINDS:
        fill = {**words, "one": f"{words['base']}/{{id}}"}
        for template, make in _EACH_KIND:
            operation = attrs.evolve(
                template,
                path=template.path.format(**fill),
                operation_id=template.operation_id.format(**fill),
                summary=template.summary.format(**fill),
                tag=template.tag.format(**fill),
                description=template.description.format(**fill),
            )
            rows.append((operation, _for_kind(make, kind)))
    return rows


_CUSTOMERS, _COMPANY = "Customers", "Company"
_SCHEDULES, _RUNS, _ENDPOINTS = "Schedules", "Billing runs", "Webhook endpoints"
_REMINDERS, _PAYMENTS, _ACCOUNTS = "Reminders", "Payments", "Customer accounts"
_ONCE = " The signing secret is in this answer only: keep it in the receiver."

#: Getting paid: reminders, payments, bank statements, reversals, refunds, statements.
_COLLECTING: tuple[tuple[Operation, MakeHandler], ...] = (
    _route(
        collecting.get_reminder_policy,
        "GET",
        "/v1/reminder-policy",
        "getReminderPolicy",
        "Get the reminder policy",
        _REMINDERS,
        Scope.REMINDERS_READ,
        "The company's reminder policy: renteloven's defaults until it sets one.",
        response=ReminderPolicyResponse,
    ),
    _route(
        collecting.set_reminder_policy,
        "PUT",
        "/v1/reminder-policy",
        "setReminderPolicy",
        "Set the reminder policy",
        _REMINDERS,
        Scope.REMINDERS_WRITE,
        "Replaces the policy. A level breaking the limits (a fee above maxFee, too many "
        "levels with a fee, levels closer than minIntervalDays) is 400 naming it "
        "(levels.1.fee).",
        request=ReminderPolicyRequest,
        response=ReminderPolicyResponse,
    ),
    _route(
        collecting.run_reminders,
        "POST",
        "/v1/reminder-runs",
        "runReminders",
        "Run reminders",
        _REMINDERS,
        Scope.REMINDERS_WRITE,
        "Makes every reminder due on the day: one per customer and level, numbered, "
        "rendered and archived, and (deliver, default true) sends each by email or by "
        "hand. Running it again the same day makes nothing. Interest needs reference "
        "rates configured in the server (500 CONFIGURATION_ERROR otherwise).",
        request=ReminderRunRequest,
        response=ReminderRunResponse,
    ),
    _route(
        collecting.reminders_due,
        "GET",
        "/v1/reminders/due",
        "listRemindersDue",
        "List the reminders due",
        _REMINDERS,
        Scope.REMINDERS_READ,
        "What a reminder run would make on the day, without making it.",
        (TODAY,),
        response=ReminderPlanList,
    ),
    _route(
        collecting.list_reminders,
        "GET",
        "/v1/reminders",
        "listReminders",
        "List reminders",
        _REMINDERS,
        Scope.REMINDERS_READ,
        "A page of the company's reminders by id, or a customer's; pass the page's next "
        "as after for the next one.",
        (CUSTOMER_FILTER, AFTER, LIMIT),
        response=ReminderPage,
    ),
    _route(
        collecting.get_reminder,
        "GET",
        "/v1/reminders/{id}",
        "getReminder",
        "Get a reminder by ID",
        _REMINDERS,
        Scope.REMINDERS_READ,
        "The reminder with the invoices it lists, its charges, what is to pay and the "
        "payments on its charges.",
        (REMINDER_ID,),
        response=ReminderResponse,
        errors=(404,),
    ),
    _route(
        collecting.reminder_pdf,
        "GET",
        "/v1/reminders/{id}/pdf",
        "getReminderPdf",
        "Download the reminder PDF",
        _REMINDERS,
        Scope.REMINDERS_READ,
        "The reminder's PDF as it was sent, byte for byte.",
        (REMINDER_ID,),
        media_type="application/pdf",
        errors=(404,),
    ),
    _route(
        collecting.reminder_deliveries,
        "GET",
        "/v1/reminders/{id}/deliveries",
        "getReminderDeliveries",
        "Get the deliveries of a reminder",
        _REMINDERS,
        Scope.REMINDERS_READ,
        "An aggregate summary and each delivery attempt, oldest first.",
        (REMINDER_ID,),
        response=DeliveryStatusResponse,
        errors=(404,),
    ),
    _route(
        collecting.send_reminder,
        "POST",
        "/v1/reminders/{id}/send",
        "sendReminder",
        "Send a reminder again",
        _REMINDERS,
        Scope.REMINDERS_WRITE,
        "Delivers the reminder again (the same PDF) after a failed or interrupted "
        "attempt, and answers the attempt.",
        (REMINDER_ID,),
        response=ReminderOutcomeWire,
        errors=(404,),
    ),
    _route(
        collecting.reverse_reminder_payment,
        "POST",
        "/v1/reminders/{id}/payments/{paymentId}/reversal",
        "reverseReminderPayment",
        "Reverse a payment on a reminder",
        _REMINDERS,
        Scope.PAYMENTS_WRITE,
        "Takes back a payment that bounced or was recorded in error, with every part of "
        "it (on the invoices it paid, on the credit balance), and answers the reminder.",
        (REMINDER_ID, PAYMENT_ID),
        request=ReversalRequest,
        response=ReminderResponse,
        errors=(404, 409),
    ),
    _route(
        collecting.receive_payment,
        "POST",
        "/v1/payments",
        "receivePayment",
        "Receive a payment",
        _PAYMENTS,
        Scope.PAYMENTS_WRITE,
        "A payment matched by the reference it was paid with: it pays a reminder's "
        "charges, then its invoices, or the invoice; what is left becomes the customer's "
        "credit balance; a payment that matches nothing is kept as unmatched. 201 with "
        "the entry; with a key seen before, 200 with the entry kept the first time "
        "(nothing changes).",
        request=ReceivePaymentRequest,
        response=BankEntryWire,
        status=201,
        also=(200,),
        errors=(404,),
    ),
    _route(
        collecting.list_payments,
        "GET",
        "/v1/payments",
        "listPayments",
        "List payments received",
        _PAYMENTS,
        Scope.PAYMENTS_READ,
        "The payments received (by reference or from bank statements) by key; "
        "outcome=unmatched lists the ones for a person to assign.",
        (OUTCOME, ENTRIES_AFTER, LIMIT),
        response=BankEntryPage,
    ),
    _route(
        collecting.import_bank_statement,
        "POST",
        "/v1/bank-statements",
        "importBankStatement",
        "Import a bank statement",
        _PAYMENTS,
        Scope.PAYMENTS_WRITE,
        "The body is the ISO 20022 camt.053 (statement) or camt.054 (notification) file "
        "itself (Content-Type application/xml or text/xml), up to "
        f"{STATEMENT_BODY_BYTES} bytes. Each credit is matched and applied as Receive a "
        "payment does, under the bank's reference as key: importing the same file again "
        "changes nothing (each transaction answers new false). A file that is not a "
        "readable statement is 400 naming camt.",
        response=BankImportResponse,
        raw_body=("application/xml", "text/xml"),
        errors=(404,),
    ),
    _route(
        collecting.invoice_payments,
        "GET",
        "/v1/invoices/{id}/payments",
        "listInvoicePayments",
        "List an invoice's payments",
        "Invoices",
        Scope.PAYMENTS_READ,
        "The payments on the invoice, oldest first, with the ids a reversal names.",
        (ID,),
        response=PaymentList,
        errors=(404,),
    ),
    _route(
        collecting.reverse_invoice_payment,
        "POST",
        "/v1/invoices/{id}/payments/{paymentId}/reversal",
        "reverseInvoicePayment",
        "Reverse a payment on an invoice",
        "Invoices",
        Scope.PAYMENTS_WRITE,
        "Takes back a payment that bounced or was recorded in error, with every part of "
        "it (on other documents it paid, on the credit balance): the invoice returns to "
        "the status its other payments give it.",
        (ID, PAYMENT_ID),
        request=ReversalRequest,
        response=InvoiceResponse,
        errors=(404, 409),
    ),
    _route(
        collecting.apply_credit,
        "POST",
        "/v1/invoices/{id}/apply-credit",
        "applyCreditBalance",
        "Pay an invoice from the credit balance",
        "Invoices",
        Scope.PAYMENTS_WRITE,
        "Pays the invoice from its customer's credit balance (amount left out: as much "
        "as both allow).",
        (ID,),
        request=ApplyCreditRequest,
        response=InvoiceResponse,
        errors=(404, 409),
    ),
    _route(
        collecting.refund_credit_note,
        "POST",
        "/v1/credit-notes/{id}/refunds",
        "refundCreditNote",
        "Refund a credit note",
        "Credit notes",
        Scope.PAYMENTS_WRITE,
        "Pays a booked credit note out to the customer (amount left out: all that is "
        "left of it) and answers the credit note.",
        (ID,),
        request=CreditNoteRefundRequest,
        response=InvoiceResponse,
        errors=(404, 409),
    ),
    _route(
        collecting.customer_balance,
        "GET",
        "/v1/customers/{id}/balance",
        "getCustomerBalance",
        "Get a customer's credit balance",
        _ACCOUNTS,
        Scope.PAYMENTS_READ,
        "What the customer has to its credit (over-payments less what was used or paid "
        "back) in the currency, with the movements in it.",
        (CUSTOMER_ID, CURRENCY),
        response=BalanceResponse,
        errors=(404,),
    ),
    _route(
        collecting.refund_balance,
        "POST",
        "/v1/customers/{id}/balance/refunds",
        "refundCustomerBalance",
        "Refund a customer's credit balance",
        _ACCOUNTS,
        Scope.PAYMENTS_WRITE,
        "Pays (part of) the credit balance back to the customer; above the balance is 400.",
        (CUSTOMER_ID,),
        request=BalanceRefundRequest,
        response=AccountEntryWire,
        status=201,
        errors=(404,),
    ),
    _route(
        collecting.statement,
        "GET",
        "/v1/customers/{id}/statement",
        "getCustomerStatement",
        "Get a customer's statement of account",
        _ACCOUNTS,
        Scope.PAYMENTS_READ,
        "The statement from from to to (default today): the balance before, each "
        "movement, the balance after and what is open now. With Accept: application/pdf "
        "the PDF (as statement.pdf answers).",
        (CUSTOMER_ID, FROM, TO, CURRENCY, LANGUAGE),
        response=StatementResponse,
        also_media=("application/pdf",),
        errors=(404,),
    ),
    _route(
        collecting.statement_pdf,
        "GET",
        "/v1/customers/{id}/statement.pdf",
        "getCustomerStatementPdf",
        "Download a customer's statement of account",
        _ACCOUNTS,
        Scope.PAYMENTS_READ,
        "The statement as a PDF in the language (default: the customer's).",
        (CUSTOMER_ID, FROM, TO, CURRENCY, LANGUAGE),
        media_type="application/pdf",
        errors=(404, 422),
    ),
)

#: Every route of the API, in the order of the OpenAPI document.
ROUTES: tuple[tuple[Operation, MakeHandler], ...] = (
    *_each_kind(),
    _route(
        invoices.create_draft,
        "POST",
        "/v1/invoices",
        "createInvoice",
        "Create a draft invoice",
        "Invoices",
        _WRITE,
        "Creates a draft invoice. The invoice number is allocated at booking time (when "
        "sent), so a draft has no number yet.",
        request=CreateDraftRequest,
        response=InvoiceResponse,
        status=201,
    ),
    _route(
        invoices.update_draft,
        "PATCH",
        "/v1/invoices/{id}",
        "updateInvoice",
        "Edit a draft invoice",
        "Invoices",
        _WRITE,
        "Changes the fields the body names (the create fields, all optional); null "
        "clears an optional field. With If-Match, the edit applies only to that version "
        "(412 otherwise). Booked invoices cannot be edited (409).",
        (ID, IF_MATCH),
        request=UpdateDraftRequest,
        response=InvoiceResponse,
        errors=(404, 409, 412),
    ),
    _route(
        invoices.record_payment,
        "POST",
        "/v1/invoices/{id}/payments",
        "recordInvoicePayment",
        "Record a payment",
        "Invoices",
        Scope.PAYMENTS_WRITE,
        "Registers a payment against a booked invoice: partially_paid, or paid once "
        "nothing is outstanding. Overpayments are refused (400). The Payment-Id header "
        "names the payment made (for a reversal; GET .../payments lists them).",
        (ID,),
        request=PaymentRequest,
        response=InvoiceResponse,
        errors=(404, 409),
    ),
    _route(
        runs.book_invoices,
        "POST",
        "/v1/invoices/book",
        "bookInvoices",
        "Book many drafts",
        "Invoices",
        Scope.BILLING_RUNS,
        "Books the drafts named, in their order, as sending books one: the numbers of a "
        "batch are consecutive. A draft that cannot be booked (not bookable, not a draft, "
        "unknown, back-dated) is answered in failed with its error and uses no number; the "
        "others are booked. Nothing is sent.",
        request=BookInvoicesRequest,
        response=BatchBookingResponse,
    ),
    _route(
        credit_notes.create_credit_note,
        "POST",
        "/v1/credit-notes",
        "createCreditNote",
        "Create a credit note",
        "Credit notes",
        _WRITE,
        "Creates a credit-note draft crediting a booked invoice fully, or the given "
        "lines in part; it is numbered (own series) when sent. Amounts of credit notes "
        "are negative on the wire.",
        request=CreateCreditNoteRequest,
        response=InvoiceResponse,
        status=201,
        errors=(404, 409),
    ),
    _route(
        customers.create_customer,
        "POST",
        "/v1/customers",
        "createCustomer",
        "Create a customer",
        _CUSTOMERS,
        Scope.CUSTOMERS_WRITE,
        request=CreateCustomerRequest,
        response=CustomerResponse,
        status=201,
    ),
    _route(
        customers.list_customers,
        "GET",
        "/v1/customers",
        "listCustomers",
        "List customers",
        _CUSTOMERS,
        Scope.CUSTOMERS_READ,
        "A page of your company's customers by name.",
        (PAGE, LIMIT, SEARCH_CUSTOMERS),
        response=CustomerPage,
    ),
    _route(
        customers.get_customer,
        "GET",
        "/v1/customers/{id}",
        "getCustomer",
        "Get a customer by ID",
        _CUSTOMERS,
        Scope.CUSTOMERS_READ,
        params=(CUSTOMER_ID,),
        response=CustomerResponse,
        errors=(404,),
    ),
    _route(
        customers.update_customer,
        "PATCH",
        "/v1/customers/{id}",
        "updateCustomer",
        "Edit a customer",
        _CUSTOMERS,
        Scope.CUSTOMERS_WRITE,
        "Changes the fields the body names; departments and contacts replace the lists.",
        (CUSTOMER_ID,),
        request=UpdateCustomerRequest,
        response=CustomerResponse,
        errors=(404,),
    ),
    _route(
        company.get_company,
        "GET",
        "/v1/company",
        "getCompany",
        "Get your company",
        _COMPANY,
        Scope.COMPANY_READ,
        "The profile of the API key's company: the seller on its documents.",
        response=CompanyResponse,
    ),
    _route(
        company.update_company,
        "PATCH",
        "/v1/company",
        "updateCompany",
        "Edit your company",
        _COMPANY,
        Scope.COMPANY_WRITE,
        "Changes the fields the body names; address, bank and the number series change "
        "in part, null clears an optional field. A number series in which documents are "
        "booked keeps its pattern, start and reset (400).",
        request=UpdateCompanyRequest,
        response=CompanyResponse,
    ),
    _route(
        schedules.create_schedule,
        "POST",
        "/v1/schedules",
        "createSchedule",
        "Create a schedule",
        _SCHEDULES,
        Scope.SCHEDULES_WRITE,
        "A customer's recurring invoice: the lines billed every period from the start, "
        "until the end if there is one. Billing runs make, book and send its invoices.",
        request=CreateScheduleRequest,
        response=ScheduleResponse,
        status=201,
    ),
    _route(
        schedules.list_schedules,
        "GET",
        "/v1/schedules",
        "listSchedules",
        "List schedules",
        _SCHEDULES,
        Scope.SCHEDULES_READ,
        "A page of your company's schedules by id; pass the page's next as after for the next one.",
        (AFTER, LIMIT),
        response=SchedulePage,
    ),
    _route(
        schedules.get_schedule,
        "GET",
        "/v1/schedules/{id}",
        "getSchedule",
        "Get a schedule by ID",
        _SCHEDULES,
        Scope.SCHEDULES_READ,
        "The ETag header carries the version (for If-Match on edits).",
        (SCHEDULE_ID,),
        response=ScheduleResponse,
        errors=(404,),
    ),
    _route(
        schedules.update_schedule,
        "PATCH",
        "/v1/schedules/{id}",
        "updateSchedule",
        "Edit a schedule",
        _SCHEDULES,
        Scope.SCHEDULES_WRITE,
        "Changes the settings the body names (end, active, channel, paymentTerms, "
        "description); null clears an optional one, active false pauses it. With "
        "If-Match, the edit applies only to that version (412 otherwise).",
        (SCHEDULE_ID, IF_MATCH),
        request=UpdateScheduleRequest,
        response=ScheduleResponse,
        errors=(404, 409, 412),
    ),
    _route(
        schedules.change_schedule_lines,
        "POST",
        "/v1/schedules/{id}/versions",
        "changeScheduleLines",
        "Change a schedule's lines from a date",
        _SCHEDULES,
        Scope.SCHEDULES_WRITE,
        "Bills the lines from the effective date on (a new version of the schedule); "
        "a period the change splits is prorated by day or not, as the schedule says. "
        "With If-Match, only at that version (412 otherwise).",
        (SCHEDULE_ID, IF_MATCH),
        request=ScheduleLinesRequest,
        response=ScheduleResponse,
        errors=(404, 409, 412),
    ),
    _route(
        runs.run_billing,
        "POST",
        "/v1/billing-runs",
        "runBilling",
        "Run billing",
        _RUNS,
        Scope.BILLING_RUNS,
        "Bills every schedule of your company whose periods fall due in the window: "
        "creates each period's invoice, books it, and delivers it over the schedule's "
        "channel, then answers what it did. Safe to repeat: a period billed already is "
        "skipped, never billed twice. Synchronous, for windows of up to "
        f"{MAX_RUN_DAYS} days; long runs belong on the command line (faktura run) or "
        "in the host's worker (Billing.run_billing).",
        request=BillingRunRequest,
        response=RunSummaryResponse,
    ),
    _route(
        webhook_endpoints.create_webhook_endpoint,
        "POST",
        "/v1/webhook-endpoints",
        "createWebhookEndpoint",
        "Create a webhook endpoint",
        _ENDPOINTS,
        Scope.EVENTS,
        "Your company's events (of the types named, or all) are POSTed to the URL, each "
        f"signed with the endpoint's secret (the {SIGNATURE_HEADER} header)." + _ONCE,
        request=CreateWebhookEndpointRequest,
        response=WebhookEndpointSecret,
        status=201,
    ),
    _route(
        webhook_endpoints.list_webhook_endpoints,
        "GET",
        "/v1/webhook-endpoints",
        "listWebhookEndpoints",
        "List webhook endpoints",
        _ENDPOINTS,
        Scope.EVENTS,
        "Your company's webhook endpoints, oldest first, without their secrets.",
        response=WebhookEndpointList,
    ),
    _route(
        webhook_endpoints.get_webhook_endpoint,
        "GET",
        "/v1/webhook-endpoints/{id}",
        "getWebhookEndpoint",
        "Get a webhook endpoint by ID",
        _ENDPOINTS,
        Scope.EVENTS,
        "The endpoint, without its secret.",
        (WEBHOOK_ENDPOINT_ID,),
        response=WebhookEndpointResponse,
        errors=(404,),
    ),
    _route(
        webhook_endpoints.update_webhook_endpoint,
        "PATCH",
        "/v1/webhook-endpoints/{id}",
        "updateWebhookEndpoint",
        "Edit a webhook endpoint",
        _ENDPOINTS,
        Scope.EVENTS,
        "Changes the fields the body names; enabled false stops its deliveries (they "
        "are retried meanwhile), null clears the description.",
        (WEBHOOK_ENDPOINT_ID,),
        request=UpdateWebhookEndpointRequest,
        response=WebhookEndpointResponse,
        errors=(404,),
    ),
    _route(
        webhook_endpoints.delete_webhook_endpoint,
        "DELETE",
        "/v1/webhook-endpoints/{id}",
        "deleteWebhookEndpoint",
        "Delete a webhook endpoint",
        _ENDPOINTS,
        Scope.EVENTS,
        "Deletes the endpoint (the events not yet handed to it are given up) and "
        "answers it as it was.",
        (WEBHOOK_ENDPOINT_ID,),
        response=WebhookEndpointResponse,
        errors=(404,),
    ),
    _route(
        webhook_endpoints.rotate_webhook_secret,
        "POST",
        "/v1/webhook-endpoints/{id}/rotate-secret",
        "rotateWebhookSecret",
        "Rotate a webhook endpoint's secret",
        _ENDPOINTS,
        Scope.EVENTS,
        "A new signing secret for the endpoint; every webhook from now on is signed "
        "with it." + _ONCE,
        (WEBHOOK_ENDPOINT_ID,),
        response=WebhookEndpointSecret,
        errors=(404,),
    ),
    _route(
        access_point.access_point_status,
        "POST",
        "/v1/webhooks/access-point",
        "accessPointStatus",
        "Access point status callback",
        "Webhooks",
        Scope.WEBHOOKS,
        "An e-invoicing access point reports what became of a document it delivered "
        "(accepted, rejected, ...); a rejection fails the attempt.",
        request=AccessPointStatusRequest,
        response=AccessPointStatusResponse,
        errors=(404,),
    ),
    *_COLLECTING,
)
