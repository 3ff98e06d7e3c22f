"""The wire classes of the HTTP API beyond ``faktura.wire`` and ``faktura.delivery.wire``,
a module per resource (invoices, customers, company, attachments, schedules, runs,
webhook endpoints, the access point's webhook, errors) and what they share (``common``).

Bodies are parsed with the one wire converter (``faktura.wire.structure``: camelCase,
decimal strings, unknown fields refused, every bad field named), then turned into the
domain's arguments here; responses are built from these classes, and the OpenAPI
document is generated from the same classes (``faktura.http.openapi``).

Field metadata the OpenAPI generator reads: ``description``, ``enum``, ``pattern``,
``maxLength``, ``minimum``, ``maximum`` and ``nullable`` (False: the field may be left
out but not sent as null).
"""

from __future__ import annotations

from faktura.http.schemas.attachments import (
    AttachmentList,
    AttachmentRequest,
    AttachmentWire,
    attachment_from_wire,
    attachment_wire,
    attachments_wire,
)
from faktura.http.schemas.common import AddressWire, parse_body
from faktura.http.schemas.company import (
    BankWire,
    CompanyResponse,
    NumberSeriesPatch,
    NumberSeriesWire,
    PayeeWire,
    UpdateCompanyRequest,
    company_changes,
    company_wire,
)
from faktura.http.schemas.customers import (
    ContactInput,
    ContactWire,
    CreateCustomerRequest,
    CustomerPage,
    CustomerResponse,
    DepartmentInput,
    DepartmentWire,
    UpdateCustomerRequest,
    customer_changes,
    customer_fields,
    customer_wire,
)
from faktura.http.schemas.errors import ErrorDetails, ErrorResponse, ValidationErrorEntry
from faktura.http.schemas.invoices import (
    CreateCreditNoteRequest,
    CreditLineRequest,
    InvoicePage,
    PaymentRequest,
    UpdateDraftRequest,
    draft_changes,
)
from faktura.http.schemas.runs import (
    BatchBookingResponse,
    BillingRunRequest,
    BookingErrorWire,
    BookingFailureWire,
    BookInvoicesRequest,
    FieldErrorWire,
    RunFailureWire,
    RunSummaryResponse,
    batch_booking_wire,
    run_summary_wire,
)
from faktura.http.schemas.schedules import (
    CadenceWire,
    CreateScheduleRequest,
    ScheduleLine,
    ScheduleLinesRequest,
    SchedulePage,
    ScheduleResponse,
    ScheduleVersionWire,
    UpdateScheduleRequest,
    new_schedule,
    schedule_changes,
    schedule_wire,
)
from faktura.http.schemas.webhook_endpoints import (
    CreateWebhookEndpointRequest,
    UpdateWebhookEndpointRequest,
    WebhookEndpointList,
    WebhookEndpointResponse,
    WebhookEndpointSecret,
    endpoint_changes,
    endpoint_wire,
)
from faktura.http.schemas.webhooks import AccessPointStatusRequest, AccessPointStatusResponse

__all__ = [
    "AccessPointStatusRequest",
    "AccessPointStatusResponse",
    "AddressWire",
    "AttachmentList",
    "AttachmentRequest",
    "AttachmentWire",
    "BankWire",
    "BatchBookingResponse",
    "BillingRunRequest",
    "BookInvoicesRequest",
    "BookingErrorWire",
    "BookingFailureWire",
    "CadenceWire",
    "CompanyResponse",
    "ContactInput",
    "ContactWire",
    "CreateCreditNoteRequest",
    "CreateCustomerRequest",
    "CreateScheduleRequest",
    "CreateWebhookEndpointRequest",
    "CreditLineRequest",
    "CustomerPage",
    "CustomerResponse",
    "DepartmentInput",
    "DepartmentWire",
    "ErrorDetails",
    "ErrorResponse",
    "FieldErrorWire",
    "InvoicePage",
    "NumberSeriesPatch",
    "NumberSeriesWire",
    "PayeeWire",
    "PaymentRequest",
    "RunFailureWire",
    "RunSummaryResponse",
    "ScheduleLine",
    "ScheduleLinesRequest",
    "SchedulePage",
    "ScheduleResponse",
    "ScheduleVersionWire",
    "UpdateCompanyRequest",
    "UpdateCustomerRequest",
    "UpdateDraftRequest",
    "UpdateScheduleRequest",
    "UpdateWebhookEndpointRequest",
    "ValidationErrorEntry",
    "WebhookEndpointList",
    "WebhookEndpointResponse",
    "WebhookEndpointSecret",
    "attachment_from_wire",
    "attachment_wire",
    "attachments_wire",
    "batch_booking_wire",
    "company_changes",
    "company_wire",
    "customer_changes",
    "customer_fields",
    "customer_wire",
    "draft_changes",
    "endpoint_changes",
    "endpoint_wire",
    "new_schedule",
    "parse_body",
    "run_summary_wire",
    "schedule_changes",
    "schedule_wire",
]
