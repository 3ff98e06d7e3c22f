"""What the buyer and the seller call the deal a document belongs to (EN 16931).

A buyer's accounts payable matches an incoming invoice to its own records by these:
the purchase order it placed, the seller's order confirmation, the contract, the
project, and the account the buyer wants the cost booked to. Each is the other party's
identifier, kept as given (one line of text, at most 200 characters):

* ``order`` (wire ``order``): BT-13, the buyer's purchase order;
  UBL ``cac:OrderReference/cbc:ID``.
* ``sales_order`` (``salesOrder``): BT-14, the seller's order confirmation;
  ``cac:OrderReference/cbc:SalesOrderID``.
* ``contract`` (``contract``): BT-12; ``cac:ContractDocumentReference/cbc:ID``.
* ``project`` (``project``): BT-11; ``cac:ProjectReference/cbc:ID`` on an invoice, an
  ``cac:AdditionalDocumentReference`` with type code 50 on a credit note.
* ``buyer_accounting`` (``buyerAccounting``): BT-19, the buyer's account or cost
  centre; ``cbc:AccountingCost``.

>>> refs = DocumentReferences(order="PO-4711", project="Harbour bath")
>>> refs.order, refs.contract, bool(refs), bool(DocumentReferences())
('PO-4711', None, True, False)
"""

from __future__ import annotations

import attrs

from faktura.checks import check_text
from faktura.errors import FieldError, ValidationError

__all__ = ["NO_REFERENCES", "DocumentReferences"]

#: The longest reference kept: identifiers, not prose.
MAX_REFERENCE = 200


def _described(text: str) -> dict[str, object]:
    """The field's documentation in the HTTP API's OpenAPI document."""
    return {
        "description": f"{text}; one line, at most {MAX_REFERENCE} characters",
        "maxLength": MAX_REFERENCE,
    }


@attrs.frozen(cache_hash=True)
class DocumentReferences:
    """The order, sales order, contract, project and buyer accounting references of a
    document (BT-13, BT-14, BT-12, BT-11, BT-19); each optional. ValidationError naming
    every field that is not one line of text of at most 200 characters, all at once."""

    order: str | None = attrs.field(
        default=None, metadata=_described("The buyer's purchase order (BT-13)")
    )
    sales_order: str | None = attrs.field(
        default=None, metadata=_described("The seller's sales order (BT-14)")
    )
    contract: str | None = attrs.field(default=None, metadata=_described("The contract (BT-12)"))
    project: str | None = attrs.field(default=None, metadata=_described("The project (BT-11)"))
    buyer_accounting: str | None = attrs.field(
        default=None,
        metadata=_described("The buyer's account or cost centre to book the cost to (BT-19)"),
    )

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        for name in _NAMES:
            value = getattr(self, name)
            if value is None:
                continue
            try:
                check_text(value, name, limit=MAX_REFERENCE, one_line=True)
                if not value.strip():
                    raise ValidationError(
                        "must not be blank (leave it out instead)", field=name, rule="required"
                    )
            except ValidationError as exc:
                errors.extend(exc.errors)
        if errors:
            raise ValidationError._from_errors(errors)

    def __bool__(self) -> bool:
        return any(getattr(self, name) is not None for name in _NAMES)

    def texts(self) -> tuple[tuple[str, str], ...]:
        """(field name, text) of every reference given, in the order above."""
        return tuple((name, value) for name in _NAMES if (value := getattr(self, name)) is not None)


#: The references' field names, in their order.
_NAMES = tuple(a.name for a in attrs.fields(DocumentReferences))

#: A document without references.
NO_REFERENCES = DocumentReferences()
