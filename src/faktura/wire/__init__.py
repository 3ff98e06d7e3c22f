"""The wire format: one cattrs converter for the reference API's JSON (camelCase, decimal strings).

``faktura.wire.converter`` holds the converter, ``faktura.wire.invoices`` the invoice
endpoints' classes and their mapping to and from the domain.

Every field of the reference API keeps its name and meaning; faktura's extensions (document
allowances and charges, prices including VAT, prepaid amount, cash rounding, the VAT
breakdown, ...) are optional additions documented in docs/wire-format.md. Unknown
fields are refused. Any input error is a WireFormatError (a ValidationError) listing
every offending field by its wire path ("lines.0.quantity") with a rule and a message;
nothing else ever escapes from parsing.

>>> body = {"customerId": "c1", "lines": [{"description": "Hour", "quantity": "2",
...         "unitPrice": "950.00", "vatRate": "25"}]}
>>> parse_create_draft(body).lines[0].unit_price
Decimal('950.00')
>>> from faktura.errors import WireFormatError
>>> try:
...     parse_create_draft({"customerId": "c1", "lines": [{"quantity": 2.5}], "colour": 1})
... except WireFormatError as err:
...     print(sorted(err.fields))
['colour', 'lines.0.quantity']
"""

from faktura.wire.converter import converter, structure, unstructure
from faktura.wire.invoices import (
    PAGE_DESCRIPTIONS,
    CreateDraftRequest,
    InvoiceListItem,
    InvoicePage,
    InvoiceResponse,
    LineWire,
    VatAccountingWire,
    VatBreakdownWire,
    draft_command,
    invoice_to_wire,
    line_input_of,
    list_item_to_wire,
    new_draft,
    page_to_wire,
    parse_create_draft,
    response_of,
)

__all__ = [
    "PAGE_DESCRIPTIONS",
    "CreateDraftRequest",
    "InvoiceListItem",
    "InvoicePage",
    "InvoiceResponse",
    "LineWire",
    "VatAccountingWire",
    "VatBreakdownWire",
    "converter",
    "draft_command",
    "invoice_to_wire",
    "line_input_of",
    "list_item_to_wire",
    "new_draft",
    "page_to_wire",
    "parse_create_draft",
    "response_of",
    "structure",
    "unstructure",
]
