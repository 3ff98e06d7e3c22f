"""Parties: the seller (Company) and buyers (Customer, with departments and contacts).

Identifiers are checked with python-stdnum when a value is built, so a Company or
Customer in hand always carries valid CVR, VAT, EAN, IBAN and BIC numbers.
"""

from __future__ import annotations

import re
from decimal import Decimal

import attrs

from faktura import codelists, identifiers
from faktura.checks import (
    check_enum,
    check_id,
    check_instance,
    check_text,
    check_tuple,
    check_unique,
    normalize,
)
from faktura.errors import ValidationError
from faktura.money import Currency, parse_decimal
from faktura.numbering import (
    DEFAULT_CREDIT_NOTE_SERIES,
    DEFAULT_INVOICE_SERIES,
    NumberSeries,
    check_series_apart,
)
from faktura.status import DocumentKind
from faktura.terms import PaymentTerms
from faktura.vat import DANISH_STANDARD_RATE, VatCategory, VatZone, check_rate

__all__ = [
    "Address",
    "BankAccount",
    "Company",
    "Contact",
    "Customer",
    "Department",
    "Payee",
    "check_country",
    "check_email",
    "check_logo",
    "check_party_id",
    "check_template_id",
]

#: Two capitals or digits: ISO 3166-1 alpha-2 and the user-assigned codes EN 16931 lists
#: (1A, Kosovo).
_COUNTRY = re.compile(r"[A-Z0-9]{2}\Z", re.ASCII)
_LOCALE = re.compile(r"[a-z]{2,3}(?:_[A-Z]{2})?\Z", re.ASCII)
_DIGITS = re.compile(r"\d+\Z", re.ASCII)
_TEMPLATE_ID = re.compile(r"[a-z][a-z0-9_-]{0,39}\Z", re.ASCII)
#: The largest logo a company may keep: 1 MiB.
MAX_LOGO_BYTES = 1024 * 1024
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
#: "Netto 8 dage": the payment terms of a company that set none.
DEFAULT_TERMS = PaymentTerms.net(8)


# Named converters (attrs' mypy plugin needs named functions): None stays None.
def _cvr(value: object) -> str | None:
    return None if value is None else identifiers.cvr(value, "cvr")


def _vat_id(value: object) -> str | None:
    return None if value is None else identifiers.vat_id(value, "vat_id")


def _ean(value: object) -> str | None:
    return None if value is None else identifiers.ean13(value, "ean")


def _iban(value: object) -> str | None:
    return None if value is None else identifiers.iban(value, "bank.iban")


def _bic(value: object) -> str | None:
    return None if value is None else identifiers.bic(value, "bank.bic")


def _optional(value: str | None, field: str, limit: int = 200) -> None:
    if value is not None:
        check_text(value, field, limit=limit, one_line=True)


# RFC 5322 dot-atom local part (ASCII atext), and a domain of LDH labels with an
# alphabetic top-level label. Quoted local parts and address literals are refused: they
# are legal but no invoice recipient needs them, and they are where injection hides.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_TLD = re.compile(r"(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})")


def check_email(value: object, field: str) -> str:
    """``value`` as a plain email address (``local@domain``); ValidationError naming
    ``field`` otherwise. Internationalized domains are accepted and kept as written;
    their ASCII (IDNA) form is what is checked."""
    if not isinstance(value, str):
        raise ValidationError("must be an email address as text", field=field, rule="type")
    if len(value) > 254:
        raise ValidationError("is too long for an email address", field=field, rule="email")
    if any(ch in value for ch in "\r\n\x00") or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValidationError(
            "must not contain line breaks or control characters", field=field, rule="email"
        )
    if "=?" in value:
        raise ValidationError(
            "must not contain '=?' (the start of an encoded word)", field=field, rule="email"
        )
    local, at, domain = value.rpartition("@")
    if not at or not _LOCAL.fullmatch(local) or len(local) > 64 or not _domain_ok(domain):
        raise ValidationError(f"{value!r} is not a valid email address", field=field, rule="email")
    return value


def check_logo(value: object, field: str = "logo") -> bytes:
    """``value`` as logo bytes: a PNG or JPEG image (by its magic bytes) of at most
    1 MiB; ValidationError naming ``field`` otherwise."""
    if not isinstance(value, bytes):
        raise ValidationError("must be PNG or JPEG image bytes", field=field, rule="type")
    if len(value) > MAX_LOGO_BYTES:
        raise ValidationError("must be at most 1 MiB", field=field, rule="size")
    if not value.startswith((_PNG, _JPEG)):
        raise ValidationError("must be a PNG or JPEG image", field=field, rule="image")
    return value


def check_template_id(value: object, field: str = "document_template") -> str:
    """``value`` as a document template id: a short identifier (a lowercase letter,
    then up to 39 of ``a-z 0-9 _ -``); ValidationError naming ``field`` otherwise.
    Whether such a template is registered is checked where templates are known."""
    if not isinstance(value, str) or not _TEMPLATE_ID.match(value):
        raise ValidationError(
            "must be a template id such as 'default' (a-z, 0-9, _ and -, at most 40)",
            field=field,
            rule="template_id",
        )
    return value


def _domain_ok(domain: str) -> bool:
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_domain.split(".")
    return (
        len(labels) >= 2
        and len(ascii_domain) <= 253
        and all(_LABEL.fullmatch(label) for label in labels)
        and _TLD.fullmatch(labels[-1]) is not None
    )


#: Codes that name a country in a VAT number but not in an address (EN 16931): the
#: code an address uses instead.
_VAT_PREFIXES = {"EL": "GR", "UK": "GB"}


def check_country(value: object, field: str) -> str:
    """``value`` as an address's country: an ISO 3166-1 alpha-2 code of
    ``faktura.codelists.COUNTRIES`` (BR-CL-14); ValidationError naming ``field`` otherwise.
    Greece is GR and the United Kingdom GB: EL and UK are their VAT-number prefixes, and
    the message says which code to use."""
    if not isinstance(value, str) or not _COUNTRY.match(value):
        raise ValidationError(
            "must be an ISO 3166-1 alpha-2 country code", field=field, rule="BR-CL-14"
        )
    if value in _VAT_PREFIXES:
        raise ValidationError(
            f"{value!r} is a VAT-number prefix, not a country code: an address in that "
            f"country says {_VAT_PREFIXES[value]!r} (ISO 3166-1)",
            field=field,
            rule="BR-CL-14",
        )
    if value not in codelists.COUNTRIES:
        raise ValidationError(
            f"{value!r} is not an ISO 3166-1 alpha-2 country code", field=field, rule="BR-CL-14"
        )
    return value


#: ICD schemes whose identifiers Peppol checks (a check digit, a length, a form):
#: faktura checks 0088 (GLN) and 0184 (CVR) itself and takes no identifier it cannot
#: check under the others where Peppol would (a party's identifier or legal id).
_PEPPOL_CHECKED_SCHEMES = frozenset({"0007", "0151", "0192", "0201", "0208", "0210", "0211"})


def check_party_id(
    value: object,
    scheme: object,
    field: str,
    *,
    scheme_field: str,
    scheme_rule: str,
    peppol_checked: bool = True,
) -> str:
    """``value`` as an identifier (one line of at most 200 characters) under the ISO 6523
    ICD ``scheme`` (``faktura.codelists.PARTY_ID_SCHEMES``; None: no scheme, e.g. the
    seller's own number for a place); a GLN under 0088 and a CVR number under 0184 are
    checked (and kept compact). ``peppol_checked``: where Peppol checks the identifiers
    of some schemes (a PartyIdentification, a CompanyID), one of those faktura cannot
    check is refused (``scheme_field``) rather than failing the e-invoice later.
    ValidationError naming ``field`` or ``scheme_field`` (with ``scheme_rule``, e.g.
    BR-CL-26) otherwise."""
    text = check_text(value, field, required=True, limit=200, one_line=True)
    if scheme is None:
        return text
    if not isinstance(scheme, str) or scheme not in codelists.PARTY_ID_SCHEMES:
        raise ValidationError(
            "must be an ISO 6523 ICD scheme code, e.g. '0088' (GLN) or '0184' (CVR)",
            field=scheme_field,
            rule=scheme_rule,
        )
    if scheme == "0088":
        return identifiers.ean13(text, field)
    if scheme == "0184":
        return identifiers.cvr(text, field)
    if peppol_checked and scheme in _PEPPOL_CHECKED_SCHEMES:
        raise ValidationError(
            f"identifiers under scheme {scheme} are not taken here yet (Peppol checks "
            "their form): leave the scheme out or use 0088 or 0184",
            field=scheme_field,
            rule="party_id_scheme",
        )
    return text


@attrs.frozen
class Address:
    """A postal address; ``country`` is ISO 3166-1 alpha-2 (``check_country``)."""

    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str = "DK"
    additional: str | None = None

    def __attrs_post_init__(self) -> None:
        for name in ("street", "city", "postal_code", "additional"):
            _optional(getattr(self, name), name)
        check_country(self.country, "country")


@attrs.frozen
class BankAccount:
    """Where the seller is paid: a Danish reg./account number and/or IBAN with BIC."""

    reg_no: str | None = None
    account_no: str | None = None
    iban: str | None = attrs.field(
        default=None,
        converter=_iban,
    )
    bic: str | None = attrs.field(
        default=None,
        converter=_bic,
    )

    def __attrs_post_init__(self) -> None:
        if self.reg_no is not None and not (
            isinstance(self.reg_no, str) and len(self.reg_no) == 4 and _DIGITS.match(self.reg_no)
        ):
            raise ValidationError("must be a 4-digit Danish reg. no.", field="bank.reg_no")
        if self.account_no is not None and not (
            isinstance(self.account_no, str)
            and 1 <= len(self.account_no) <= 10
            and _DIGITS.match(self.account_no)
        ):
            raise ValidationError("must be up to 10 digits", field="bank.account_no")
        if (self.reg_no is None) != (self.account_no is None):
            raise ValidationError("reg. no. and account no. go together", field="bank.reg_no")


@attrs.frozen
class Payee:
    """Who is paid when it is not the seller (BG-10), e.g. the factoring company the
    seller sold its claims to: its name (BT-59, required), an identifier (BT-60, e.g.
    its GLN under scheme 0088) and its legal registration id (BT-61, e.g. its CVR under
    0184); schemes are ISO 6523 ICD codes (BR-CL-10, BR-CL-11)."""

    name: str
    identifier: str | None = None
    identifier_scheme: str | None = None
    legal_id: str | None = None
    legal_id_scheme: str | None = None

    def __attrs_post_init__(self) -> None:
        check_text(self.name, "name", required=True, limit=200, one_line=True)
        for value, scheme, name, rule in (
            (self.identifier, self.identifier_scheme, "identifier", "BR-CL-10"),
            (self.legal_id, self.legal_id_scheme, "legal_id", "BR-CL-11"),
        ):
            if value is None:
                if scheme is not None:
                    raise ValidationError(
                        f"a scheme needs its {name.replace('_', ' ')}",
                        field=f"{name}_scheme",
                        rule="required",
                    )
                continue
            checked = check_party_id(
                value, scheme, name, scheme_field=f"{name}_scheme", scheme_rule=rule
            )
            normalize(self, name, checked)


@attrs.frozen(cache_hash=True)  # a key of the caches of booking
class Company:
    """The seller: profile, identifiers, bank details and defaults for its documents."""

    id: str
    name: str
    address: Address = Address()
    cvr: str | None = attrs.field(default=None, converter=_cvr)
    vat_id: str | None = attrs.field(default=None, converter=_vat_id)
    ean: str | None = attrs.field(default=None, converter=_ean)
    bank: BankAccount | None = None
    fik_creditor: str | None = None
    currency: str = "DKK"
    payment_terms: PaymentTerms = DEFAULT_TERMS
    locale: str = "da"
    standard_vat_rate: Decimal = DANISH_STANDARD_RATE
    email: str | None = None
    phone: str | None = None
    invoice_series: NumberSeries = DEFAULT_INVOICE_SERIES
    credit_note_series: NumberSeries = DEFAULT_CREDIT_NOTE_SERIES
    logo: bytes | None = None
    document_template: str = "default"
    #: Who is paid when it is not the company itself (factoring, BG-10).
    payee: Payee | None = None
    #: Further accounts the company is paid to, after ``bank`` (BG-17 is 0..n).
    other_banks: tuple[BankAccount, ...] = ()

    def series_for(self, kind: DocumentKind) -> NumberSeries:
        """The number series of a document kind."""
        return self.invoice_series if kind is DocumentKind.INVOICE else self.credit_note_series

    def __attrs_post_init__(self) -> None:
        check_id(self.id, "id")
        check_text(self.name, "name", required=True, limit=200, one_line=True)
        check_instance(self.address, Address, "address")
        check_instance(self.bank, BankAccount | None, "bank")
        check_instance(self.payment_terms, PaymentTerms, "payment_terms")
        check_instance(self.invoice_series, NumberSeries, "invoice_series")
        check_instance(self.credit_note_series, NumberSeries, "credit_note_series")
        Currency.of(self.currency)
        if not isinstance(self.locale, str) or not _LOCALE.match(self.locale):
            raise ValidationError("must be a locale such as 'da' or 'en_GB'", field="locale")
        if self.fik_creditor is not None and not (
            isinstance(self.fik_creditor, str)
            and len(self.fik_creditor) == 8
            and _DIGITS.match(self.fik_creditor)
        ):
            raise ValidationError("must be an 8-digit FIK creditor number", field="fik_creditor")
        rate = parse_decimal(self.standard_vat_rate, "standard_vat_rate", places=4)
        check_rate(VatCategory.S, rate, "standard_vat_rate")
        normalize(self, "standard_vat_rate", rate)
        if self.email is not None:
            check_email(self.email, "email")
        _optional(self.phone, "phone", limit=50)
        if self.logo is not None:
            check_logo(self.logo, "logo")
        check_template_id(self.document_template, "document_template")
        check_series_apart(self.invoice_series, self.credit_note_series)
        check_instance(self.payee, Payee | None, "payee")
        if self.payee is not None:
            if self.payee.name == self.name:  # BR-17, UBL-SR-19
                raise ValidationError(
                    "is the company's own name: a payee is someone else (leave it out)",
                    field="payee.name",
                    rule="BR-17",
                )
            if self.payee.identifier is not None and self.payee.identifier == self.vat_id:
                raise ValidationError(
                    "is the company's own VAT number: a payee is someone else",
                    field="payee.identifier",
                    rule="BR-17",
                )
        normalize(self, "other_banks", check_tuple(self.other_banks, BankAccount, "other_banks"))
        if self.other_banks and self.bank is None:
            raise ValidationError(
                "other accounts come after the company's bank: set bank first",
                field="other_banks",
                rule="bank_first",
            )


@attrs.frozen
class Department:
    """A customer's department: its own EAN (public-sector e-invoicing) and address."""

    id: str
    name: str
    ean: str | None = attrs.field(default=None, converter=_ean)
    address: Address | None = None

    def __attrs_post_init__(self) -> None:
        check_id(self.id, "id")
        check_text(self.name, "name", required=True, limit=200, one_line=True)
        check_instance(self.address, Address | None, "address")


@attrs.frozen
class Contact:
    """A person at the customer who receives invoices."""

    id: str
    name: str
    email: str | None = None

    def __attrs_post_init__(self) -> None:
        check_id(self.id, "id")
        check_text(self.name, "name", required=True, limit=200, one_line=True)
        if self.email is not None:
            check_email(self.email, "email")


@attrs.frozen(cache_hash=True)  # a key of the caches of booking
class Customer:
    """A buyer of one company: VAT zone, identifiers, defaults, departments and contacts."""

    id: str
    company_id: str
    name: str
    number: str | None = None
    address: Address = Address()
    vat_zone: VatZone = VatZone.DOMESTIC
    cvr: str | None = attrs.field(default=None, converter=_cvr)
    vat_id: str | None = attrs.field(default=None, converter=_vat_id)
    ean: str | None = attrs.field(default=None, converter=_ean)
    email: str | None = None
    language: str | None = None
    payment_terms: PaymentTerms | None = None
    departments: tuple[Department, ...] = ()
    contacts: tuple[Contact, ...] = ()
    document_template: str | None = None
    #: Whether the customer's e-invoices embed the document's own PDF (BG-24; many
    #: public buyers ask for it). Taken with the buyer when a document is booked.
    attach_pdf: bool = False

    def __attrs_post_init__(self) -> None:
        check_id(self.id, "id")
        check_id(self.company_id, "company_id")
        check_text(self.name, "name", required=True, limit=200, one_line=True)
        _optional(self.number, "number", limit=50)
        if not isinstance(self.attach_pdf, bool):
            raise ValidationError("must be true or false", field="attach_pdf", rule="type")
        check_instance(self.address, Address, "address")
        normalize(self, "vat_zone", check_enum(self.vat_zone, VatZone, "vat_zone"))
        check_instance(self.payment_terms, PaymentTerms | None, "payment_terms")
        normalize(self, "departments", check_tuple(self.departments, Department, "departments"))
        check_unique((d.id for d in self.departments), "departments")
        normalize(self, "contacts", check_tuple(self.contacts, Contact, "contacts"))
        check_unique((c.id for c in self.contacts), "contacts")
        if self.email is not None:
            check_email(self.email, "email")
        if self.language is not None and not (
            isinstance(self.language, str) and _LOCALE.match(self.language)
        ):
            raise ValidationError("must be a language such as 'da' or 'en'", field="language")
        if self.document_template is not None:
            check_template_id(self.document_template, "document_template")

    def department(self, department_id: str) -> Department | None:
        """The department with ``department_id``, if this customer has it."""
        return next((d for d in self.departments if d.id == department_id), None)

    def contact(self, contact_id: str) -> Contact | None:
        """The contact with ``contact_id``, if this customer has it."""
        return next((c for c in self.contacts if c.id == contact_id), None)
