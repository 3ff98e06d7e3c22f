"""VAT categories (UNCL 5305 as used by EN 16931), their rules, and VAT zones.

>>> VatCategory.AE.default_exemption
VatExemption(reason='Reverse charge', code='VATEX-EU-AE')
>>> VatZone.EU.default_category
<VatCategory.AE: 'AE'>
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from decimal import Decimal

import attrs

from faktura.errors import ValidationError

__all__ = [
    "DANISH_STANDARD_RATE",
    "UNSUPPORTED_CATEGORIES",
    "VatCategory",
    "VatExemption",
    "VatZone",
    "check_categories",
    "check_rate",
    "vat_category",
]

DANISH_STANDARD_RATE = Decimal(25)
#: EN 16931's VAT categories faktura does not issue, and why: each is refused by name
#: (``vat_category``) rather than as an unknown code.
UNSUPPORTED_CATEGORIES = {
    "B": (
        "VAT category B (split payment, Italy: the public buyer pays the VAT to the tax "
        "authority, not to the seller) is not supported: faktura's documents are paid "
        "in full to the seller"
    ),
    "L": (
        "VAT category L (IGIC, the Canary Islands' general indirect tax) is not supported: "
        "faktura issues documents under VAT only"
    ),
    "M": (
        "VAT category M (IPSI, the tax of Ceuta and Melilla) is not supported: faktura "
        "issues documents under VAT only"
    ),
}
_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


@attrs.frozen
class VatExemption:
    """Why a group carries no VAT: free text (BT-120) and the VATEX code (BT-121)."""

    reason: str
    code: str | None = None


class VatCategory(enum.StrEnum):
    """The VAT category code of a line, allowance or charge (UNCL 5305 subset of EN 16931)."""

    #: standard rated
    S = "S"
    #: zero rated goods
    Z = "Z"
    #: exempt from VAT
    E = "E"
    #: VAT reverse charge
    AE = "AE"
    #: VAT exempt for EEA intra-community supply of goods and services
    K = "K"
    #: free export item, VAT not charged
    G = "G"
    #: services outside scope of tax
    O = "O"  # noqa: E741 - the official code

    @property
    def taxed(self) -> bool:
        """Only the standard category carries a positive rate; every other one is 0 %."""
        return self is VatCategory.S

    @property
    def requires_exemption(self) -> bool:
        """E, AE, K, G and O need an exemption reason on their VAT breakdown group."""
        return self in _EXEMPTIONS or self is VatCategory.E

    @property
    def default_exemption(self) -> VatExemption | None:
        """The standard reason text and VATEX code, where the category has one (not E)."""
        return _EXEMPTIONS.get(self)

    @property
    def requires_buyer_vat_id(self) -> bool:
        """Reverse charge and intra-community supply name the buyer's VAT id (BR-AE/K-02)."""
        return self in (VatCategory.AE, VatCategory.K)


_EXEMPTIONS = {
    VatCategory.AE: VatExemption("Reverse charge", "VATEX-EU-AE"),
    VatCategory.K: VatExemption("Intra-community supply", "VATEX-EU-IC"),
    VatCategory.G: VatExemption("Export outside the EU", "VATEX-EU-G"),
    VatCategory.O: VatExemption("Not subject to VAT", "VATEX-EU-O"),
}


class VatZone(enum.StrEnum):
    """Where a customer sits for VAT purposes; picks the default category of its lines."""

    DOMESTIC = "domestic"
    EU = "eu"
    ABROAD = "abroad"
    DOMESTIC_EXEMPT = "domestic_exempt"

    @property
    def default_category(self) -> VatCategory:
        """domestic → S, eu → AE (reverse charge), abroad → G, domestic_exempt → E."""
        return _ZONE_CATEGORY[self]

    def default_rate(self, standard_rate: Decimal) -> Decimal:
        """The rate that goes with the default category: ``standard_rate`` for S, else 0."""
        return standard_rate if self.default_category.taxed else _ZERO


_ZONE_CATEGORY = {
    VatZone.DOMESTIC: VatCategory.S,
    VatZone.EU: VatCategory.AE,
    VatZone.ABROAD: VatCategory.G,
    VatZone.DOMESTIC_EXEMPT: VatCategory.E,
}


def check_rate(category: VatCategory, rate: Decimal, field: str) -> None:
    """A ValidationError naming ``field`` unless ``rate`` fits ``category``.

    S needs 0 < rate < 100; every other category is 0 % (O carries no rate at all, which
    faktura stores as 0 and leaves out of the e-invoice).
    """
    if category.taxed:
        if not _ZERO < rate < _HUNDRED:
            raise ValidationError(
                "standard rated (S) VAT needs a rate above 0 and below 100",
                field=field,
                rule="vat_rate",
            )
    elif rate != _ZERO:
        raise ValidationError(
            f"VAT category {category.value} has a rate of 0", field=field, rule="vat_rate"
        )


def check_categories(categories: Iterable[tuple[VatCategory, str]]) -> None:
    """A ValidationError unless the categories may stand together on one document.

    ``categories`` pairs each category with the field it came from. Outside the scope of
    VAT (O) excludes every other category on the same document (EN 16931 BR-O-11..14).
    """
    seen: dict[VatCategory, str] = {}
    for category, field in categories:
        seen.setdefault(category, field)
    if VatCategory.O in seen and len(seen) > 1:
        other = next(c for c in seen if c is not VatCategory.O)
        raise ValidationError(
            "VAT category O (outside scope) cannot be combined with other categories "
            f"(found {other.value})",
            field=seen[other],
            rule="vat_category_combination",
        )


def vat_category(value: object, field: str) -> VatCategory:
    """``value`` as a VatCategory (the member or its code); a ValidationError naming
    ``field`` otherwise: for EN 16931's categories faktura does not issue (B, L, M) one
    that names the category and why (rule ``category_unsupported``), for anything else
    the codes it takes.

    >>> vat_category("AE", "vat_category")
    <VatCategory.AE: 'AE'>
    >>> try:
    ...     vat_category("B", "lines.0.vat_category")
    ... except ValidationError as err:
    ...     print(err.field, err.errors[0].rule)
    lines.0.vat_category category_unsupported
    """
    if isinstance(value, str) and value in UNSUPPORTED_CATEGORIES:
        raise ValidationError(
            UNSUPPORTED_CATEGORIES[value], field=field, rule="category_unsupported"
        )
    if isinstance(value, VatCategory):
        return value
    if isinstance(value, str):
        for member in VatCategory:
            if member.value == value:
                return member
    allowed = ", ".join(member.value for member in VatCategory)
    raise ValidationError(f"must be one of: {allowed}", field=field, rule="enum")
