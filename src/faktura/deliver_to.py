"""Where the goods go or the service is done, when the buyer says so (EN 16931 BG-13).

A document may name the place it delivers to, apart from the buyer's postal address:
a building site, a warehouse, a school of a municipality. Each part is optional, but a
deliver-to names at least one of them:

* ``name`` (wire ``name``): BT-70, the deliver-to party's name;
  UBL ``cac:Delivery/cac:DeliveryParty/cac:PartyName/cbc:Name``.
* ``location_id`` (``locationId``) with ``location_scheme`` (``locationScheme``): BT-71
  and BT-71-1, the place's identifier, e.g. a GLN under the ISO 6523 ICD scheme 0088
  (BR-CL-26); ``cac:Delivery/cac:DeliveryLocation/cbc:ID`` with ``@schemeID``.
* ``address`` (``address``): BG-15 (BT-75..78, BT-80), a ``faktura.parties.Address``;
  ``cac:Delivery/cac:DeliveryLocation/cac:Address``.

There is no default: a document without one names no deliver-to, and the buyer's
department address stays what it is, the buyer's postal address (BG-8).

>>> from faktura.parties import Address
>>> site = DeliverTo(name="Havnebadet", location_id="5790000436057", location_scheme="0088",
...     address=Address(street="Kalvebod Brygge 1", city="København V", postal_code="1560"))
>>> site.location_id, site.address.country if site.address else None
('5790000436057', 'DK')
>>> try:
...     DeliverTo(location_id="579", location_scheme="0088")
... except ValidationError as err:
...     print(err.fields)
('location_id',)
"""

from __future__ import annotations

import attrs

from faktura.checks import check_instance, check_text, normalize
from faktura.errors import ValidationError
from faktura.parties import Address, check_party_id

__all__ = ["DeliverTo"]


@attrs.frozen(cache_hash=True)
class DeliverTo:
    """The deliver-to party name (BT-70), location identifier with its ICD scheme
    (BT-71, BT-71-1) and address (BG-15) of a document; at least one of name, location
    and address. ValidationError naming the field otherwise."""

    name: str | None = attrs.field(
        default=None,
        metadata={"description": "The deliver-to party's name (BT-70)", "maxLength": 200},
    )
    location_id: str | None = attrs.field(
        default=None,
        metadata={
            "description": "The place's identifier (BT-71), e.g. a GLN; a GLN under scheme "
            "0088 and a CVR number under 0184 are checked",
            "maxLength": 200,
        },
    )
    location_scheme: str | None = attrs.field(
        default=None,
        metadata={
            "description": "The ISO 6523 ICD scheme of locationId (BT-71-1), e.g. 0088",
            "pattern": "^[0-9]{4}$",
        },
    )
    address: Address | None = attrs.field(
        default=None,
        metadata={"description": "The deliver-to address (BG-15)"},
    )

    def __attrs_post_init__(self) -> None:
        if self.name is not None:
            check_text(self.name, "name", required=True, limit=200, one_line=True)
        if self.location_id is not None:
            checked = check_party_id(
                self.location_id,
                self.location_scheme,
                "location_id",
                scheme_field="location_scheme",
                scheme_rule="BR-CL-26",
                peppol_checked=False,
            )
            normalize(self, "location_id", checked)
        elif self.location_scheme is not None:
            raise ValidationError(
                "a scheme needs a location id", field="location_scheme", rule="required"
            )
        check_instance(self.address, Address | None, "address")
        if self.name is None and self.location_id is None and self.address is None:
            raise ValidationError(
                "name a deliver-to party, location or address (or leave deliverTo out)",
                field="",
                rule="required",
            )
