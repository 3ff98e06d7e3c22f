"""What an invoice line's item is, beyond its name and the seller's number (EN 16931).

A buyer's purchasing system matches an incoming line to its own catalogue by these; each
is optional, and a product line without them has ``NO_ITEM_DETAILS``:

* ``buyer_id`` (wire ``buyerItemId``): BT-156, the buyer's own number for the item;
  UBL ``cac:Item/cac:BuyersItemIdentification/cbc:ID``.
* ``standard_id`` with ``standard_scheme`` (``standardItemId``, ``standardItemScheme``):
  BT-157, a registered identifier such as a GTIN (scheme ``0160``), the scheme from the
  ISO 6523 ICD list (BR-64, BR-CL-21); a GTIN's check digit is checked.
  ``cac:Item/cac:StandardItemIdentification/cbc:ID/@schemeID``.
* ``classifications`` (``classifications``, each ``{code, listId, listVersion}``):
  BT-158, codes of a classification such as UNSPSC (list ``TST``) or CPV (``STI``), the
  list from UNCL 7143 (BR-65, BR-CL-13); several allowed.
  ``cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode/@listID``.
* ``origin_country`` (``originCountry``): BT-159, ISO 3166-1 alpha-2 (BR-CL-14);
  ``cac:Item/cac:OriginCountry/cbc:IdentificationCode``.
* ``attributes`` (``attributes``, each ``{name, value}``): BG-32, name BT-160 and value
  BT-161 (BR-54); ``cac:Item/cac:AdditionalItemProperty``.

Errors name the field by its name on the line ("standard_item_scheme",
"classifications.1.list_id"); ``resolve_lines`` puts the line's path in front.

>>> item = ItemDetails(standard_id="5790000435951", standard_scheme="0160",
...                    classifications=(ItemClassification("43211503", "TST"),))
>>> item.standard_id, bool(item), bool(NO_ITEM_DETAILS)
('5790000435951', True, False)
"""

from __future__ import annotations

import importlib
from typing import Any

import attrs

from faktura import codelists
from faktura.checks import check_text
from faktura.errors import FieldError, ValidationError

__all__ = [
    "GTIN_SCHEME",
    "NO_ITEM_DETAILS",
    "ItemAttribute",
    "ItemClassification",
    "ItemDetails",
]

#: The ICD scheme of a GS1 GTIN.
GTIN_SCHEME = "0160"
#: The longest identifier or code kept: identifiers, not prose.
MAX_ID = 200
#: The longest attribute name or value.
MAX_ATTRIBUTE = 500
#: At most this many classifications and attributes on one line.
MAX_ITEMS = 50


def _id(value: object, field: str) -> str:
    """One line of text, 1 to MAX_ID characters, not blank."""
    check_text(value, field, required=True, limit=MAX_ID, one_line=True)
    assert isinstance(value, str)  # (for the type checker: check_text proved it)
    return value


def _gtin(value: str, field: str) -> None:
    """A GTIN (8, 12, 13 or 14 digits) with a valid check digit, by python-stdnum."""
    ean: Any = importlib.import_module("stdnum.ean")
    if not value.isascii() or not value.isdigit() or not ean.is_valid(value):
        raise ValidationError(
            f"{value[:20]!r} is not a GTIN (8, 12, 13 or 14 digits with a valid check digit)",
            field=field,
            rule="gtin",
        )


@attrs.frozen
class ItemClassification:
    """A code of an item classification (BT-158): ``code`` in the list ``list_id``
    (UNCL 7143, e.g. ``TST`` UNSPSC, ``STI`` CPV), optionally of the list's
    ``list_version`` (Peppol DK-R-003 asks Danish sellers for the UNSPSC version)."""

    code: str
    list_id: str
    list_version: str | None = None

    def __attrs_post_init__(self) -> None:
        _id(self.code, "code")
        if not isinstance(self.list_id, str) or self.list_id not in codelists.ITEM_CLASSIFICATIONS:
            raise ValidationError(
                "is not a UNCL 7143 item classification list: for example 'TST' (UNSPSC), "
                "'STI' (CPV), 'HS' (Harmonised System)",
                field="list_id",
                rule="BR-CL-13",
            )
        if self.list_version is not None:
            _id(self.list_version, "list_version")


@attrs.frozen
class ItemAttribute:
    """An attribute of the item (BG-32): its name (BT-160) and value (BT-161), both
    given (BR-54), one line each."""

    name: str
    value: str

    def __attrs_post_init__(self) -> None:
        check_text(self.name, "name", required=True, limit=MAX_ATTRIBUTE, one_line=True)
        check_text(self.value, "value", required=True, limit=MAX_ATTRIBUTE, one_line=True)


def _each(
    values: object, kind: type, field: str, errors: list[FieldError]
) -> tuple[Any, ...] | None:
    """``values`` as a tuple of ``kind`` (a list is taken too), else the error recorded."""
    if isinstance(values, list):
        values = tuple(values)
    if not isinstance(values, tuple):
        errors.append(FieldError(field, "type", "must be a list"))
        return None
    if len(values) > MAX_ITEMS:
        errors.append(FieldError(field, "length", f"must have at most {MAX_ITEMS} items"))
    for index, value in enumerate(values):
        if not isinstance(value, kind):
            errors.append(FieldError(f"{field}.{index}", "type", f"must be an {kind.__name__}"))
    return values


@attrs.frozen(cache_hash=True)
class ItemDetails:
    """The buyer's item id, a standard item id with its scheme, classifications, the
    country of origin and attributes of a product line's item (BT-156 to BT-161); each
    optional. ValidationError naming every bad field, all at once."""

    buyer_id: str | None = None
    standard_id: str | None = None
    standard_scheme: str | None = None
    classifications: tuple[ItemClassification, ...] = ()
    origin_country: str | None = None
    attributes: tuple[ItemAttribute, ...] = ()

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []

        def collect(check: Any, *args: Any) -> None:
            try:
                check(*args)
            except ValidationError as exc:
                errors.extend(exc.errors)

        if self.buyer_id is not None:
            collect(_id, self.buyer_id, "buyer_item_id")
        collect(self._check_standard)
        if self.origin_country is not None and (
            not isinstance(self.origin_country, str)
            or self.origin_country not in codelists.COUNTRIES
        ):
            errors.append(
                FieldError(
                    "origin_country",
                    "BR-CL-14",
                    "is not an ISO 3166-1 alpha-2 country code, e.g. 'DK', 'DE', 'CN'",
                )
            )
        for name, wire, kind in (
            ("classifications", "classifications", ItemClassification),
            ("attributes", "attributes", ItemAttribute),
        ):
            values = _each(getattr(self, name), kind, wire, errors)
            if values is not None:
                object.__setattr__(self, name, values)
        if errors:
            raise ValidationError._from_errors(errors)

    def _check_standard(self) -> None:
        identifier, scheme = self.standard_id, self.standard_scheme
        if identifier is None and scheme is None:
            return
        if identifier is None:
            raise ValidationError(
                "a scheme goes with a standard item id", field="standard_item_id", rule="required"
            )
        _id(identifier, "standard_item_id")
        if scheme is None:
            raise ValidationError(
                "a standard item id needs its ISO 6523 scheme, e.g. '0160' (GTIN)",
                field="standard_item_scheme",
                rule="BR-64",
            )
        if not isinstance(scheme, str) or scheme not in codelists.PARTY_ID_SCHEMES:
            raise ValidationError(
                "is not an ISO 6523 ICD scheme: for example '0160' (GTIN)",
                field="standard_item_scheme",
                rule="BR-CL-21",
            )
        if scheme == GTIN_SCHEME:
            _gtin(identifier, "standard_item_id")

    def __bool__(self) -> bool:
        return self != NO_ITEM_DETAILS

    def texts(self) -> tuple[tuple[str, str], ...]:
        """(path on the line, text) of every text given, in the order above (for font checks)."""
        found: list[tuple[str, str]] = []
        for wire, value in (
            ("buyer_item_id", self.buyer_id),
            ("standard_item_id", self.standard_id),
        ):
            if value is not None:
                found.append((wire, value))
        for index, item in enumerate(self.classifications):
            found.append((f"classifications.{index}.code", item.code))
        for index, attribute in enumerate(self.attributes):
            found.append((f"attributes.{index}.name", attribute.name))
            found.append((f"attributes.{index}.value", attribute.value))
        return tuple(found)


#: A product line's item without details.
NO_ITEM_DETAILS = ItemDetails()
