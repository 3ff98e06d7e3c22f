"""``faktura companies``: create, update, show and list companies, a profile field per
flag, and the errors naming the flags."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from pathlib import Path

from faktura.cli.common import Refused, opened_billing, text_table, with_store
from faktura.errors import FieldError, ValidationError
from faktura.numbering import NumberSeries, Reset
from faktura.parties import Company

__all__ = ["add_parser"]


# flag → (field of the patch, the field within a nested value or None)
_PROFILE_FLAGS: dict[str, tuple[str, str | None]] = {
    "name": ("name", None),
    "cvr": ("cvr", None),
    "vat_id": ("vat_id", None),
    "ean": ("ean", None),
    "email": ("email", None),
    "phone": ("phone", None),
    "currency": ("currency", None),
    "payment_terms": ("payment_terms", None),
    "language": ("locale", None),
    "template": ("document_template", None),
    "fik_creditor": ("fik_creditor", None),
    "street": ("address", "street"),
    "city": ("address", "city"),
    "postal_code": ("address", "postal_code"),
    "country": ("address", "country"),
    "additional": ("address", "additional"),
    "reg_no": ("bank", "reg_no"),
    "account_no": ("bank", "account_no"),
    "iban": ("bank", "iban"),
    "bic": ("bank", "bic"),
    "invoice_series": ("invoice_series", "pattern"),
    "invoice_series_start": ("invoice_series", "start"),
    "invoice_series_reset": ("invoice_series", "reset"),
    "credit_note_series": ("credit_note_series", "pattern"),
    "credit_note_series_start": ("credit_note_series", "start"),
    "credit_note_series_reset": ("credit_note_series", "reset"),
}


# a field path of the profile → the flag that sets it
_FLAG_OF = {
    (f"{field}.{part}" if part else field): "--" + flag.replace("_", "-")
    for flag, (field, part) in _PROFILE_FLAGS.items()
}


def _profile(args: argparse.Namespace) -> dict[str, object]:
    """The company fields (nested ones as partial mappings) the flags set."""
    fields: dict[str, object] = {}
    for flag, (field, part) in _PROFILE_FLAGS.items():
        value = getattr(args, flag, None)
        if value is None:
            continue
        if part is None:
            fields[field] = value
        else:
            nested = fields.setdefault(field, {})
            assert isinstance(nested, dict)
            nested[part] = value
    if args.logo is not None:
        try:
            fields["logo"] = args.logo.read_bytes()
        except OSError as err:
            raise Refused(f"--logo: cannot read {args.logo}: {err.strerror or err}") from err
    if getattr(args, "no_logo", False):
        fields["logo"] = None
    return fields


@contextlib.contextmanager
def _flags_named() -> Iterator[None]:
    """A ValidationError naming the flags (``--postal-code``) instead of field paths."""
    try:
        yield
    except ValidationError as err:
        raise ValidationError._from_errors(
            FieldError(_FLAG_OF.get(e.path, e.path), e.rule, e.message) for e in err.errors
        ) from None


def _companies_create(args: argparse.Namespace) -> int:
    fields = _profile(args)
    with opened_billing(args, create=True) as billing, _flags_named():
        company = billing.create_company(fields)
    print(company.id)
    return 0


def _companies_update(args: argparse.Namespace) -> int:
    fields = _profile(args)
    if not fields:
        raise Refused("nothing to change: name at least one option (see --help)")
    with opened_billing(args) as billing, _flags_named():
        company = billing.update_company(args.company_id, fields)
    print(_show(company))
    return 0


def _companies_show(args: argparse.Namespace) -> int:
    with opened_billing(args) as billing:
        company = billing.get_company(args.company_id)
    print(_show(company))
    return 0


def _show(company: Company) -> str:
    address = company.address
    bank = company.bank
    terms = company.payment_terms
    logo = company.logo
    rows = [
        ("id", company.id),
        ("name", company.name),
        (
            "address",
            ", ".join(
                part
                for part in (
                    address.street,
                    address.additional,
                    " ".join(p for p in (address.postal_code, address.city) if p),
                    address.country,
                )
                if part
            ),
        ),
        ("cvr", company.cvr),
        ("vat id", company.vat_id),
        ("ean", company.ean),
        (
            "bank",
            None
            if bank is None
            else " ".join(
                p
                for p in (
                    f"{bank.reg_no} {bank.account_no}" if bank.reg_no else None,
                    f"IBAN {bank.iban}" if bank.iban else None,
                    f"BIC {bank.bic}" if bank.bic else None,
                )
                if p
            ),
        ),
        ("fik creditor", company.fik_creditor),
        ("currency", company.currency),
        ("payment terms", f"{terms.kind.value} {terms.days} days"),
        ("language", company.locale),
        ("email", company.email),
        ("phone", company.phone),
        ("invoice series", _series(company.invoice_series)),
        ("credit note series", _series(company.credit_note_series)),
        ("template", company.document_template),
        (
            "logo",
            None
            if logo is None
            else f"{'PNG' if logo.startswith(_PNG) else 'JPEG'} image, {len(logo)} bytes",
        ),
    ]
    return "\n".join(
        f"{label + ':':<20}{value if value is not None else '-'}" for label, value in rows
    )


_PNG = b"\x89PNG"


def _series(series: NumberSeries) -> str:
    return f"{series.pattern} (from {series.start}, reset {series.reset.value})"


def _companies_list(args: argparse.Namespace) -> int:
    with opened_billing(args, create=False) as billing:
        companies = billing.list_companies()
    rows = [(c.id, c.name, c.cvr or "", c.currency) for c in companies]
    print(text_table(("id", "name", "cvr", "currency"), rows))
    return 0


def _days(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"must be a whole number, not {value!r}")
    return int(value)


def _profile_options(parser: argparse.ArgumentParser) -> None:
    """The options of a company's profile (``companies create`` and ``update``)."""
    parser.add_argument("--cvr", help="Danish CVR number (8 digits)")
    parser.add_argument("--vat-id", help="VAT number, e.g. DK13585628")
    parser.add_argument("--ean", help="EAN/GLN (13 digits)")
    parser.add_argument("--email")
    parser.add_argument("--phone")
    parser.add_argument("--currency", help="ISO 4217 code (default DKK)")
    parser.add_argument("--payment-terms", type=_days, metavar="DAYS", help="days net (default 8)")
    parser.add_argument("--language", metavar="LANG", help="of documents: da (default), en, ...")
    parser.add_argument("--template", metavar="ID", help="PDF template: default or modern")
    address = parser.add_argument_group("address")
    address.add_argument("--street")
    address.add_argument("--city")
    address.add_argument("--postal-code")
    address.add_argument("--country", help="ISO 3166-1 alpha-2 (default DK)")
    address.add_argument("--additional", help="a further address line")
    bank = parser.add_argument_group("payment")
    bank.add_argument("--reg-no", help="Danish bank reg. no. (4 digits)")
    bank.add_argument("--account-no", help="Danish bank account no. (up to 10 digits)")
    bank.add_argument("--iban")
    bank.add_argument("--bic")
    bank.add_argument("--fik-creditor", help="FIK creditor number (8 digits)")
    parser.add_argument("--logo", type=Path, metavar="PATH", help="PNG or JPEG, at most 1 MiB")
    resets = [reset.value for reset in Reset]
    for kind, default in (("invoice", "{seq}"), ("credit-note", "CN-{seq}")):
        series = parser.add_argument_group(
            f"{kind} numbers (a series with booked documents keeps its pattern, start and reset)"
        )
        series.add_argument(
            f"--{kind}-series",
            metavar="PATTERN",
            help=f"{{seq}} or {{seq:0N}} once, and any of {{year}} {{yy}} {{month}} "
            f"(default {default})",
        )
        series.add_argument(f"--{kind}-series-start", type=_days, metavar="N", help="first number")
        series.add_argument(f"--{kind}-series-reset", choices=resets)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    companies = commands.add_parser("companies", help="create, edit, show and list companies")
    company_commands = companies.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = company_commands.add_parser("create", help="create a company; prints its id")
    create.add_argument("--name", required=True)
    _profile_options(create)
    with_store(create)
    create.set_defaults(run=_companies_create)
    update = company_commands.add_parser(
        "update", help="change a company's profile (the options given); prints it"
    )
    update.add_argument("company_id", metavar="COMPANY_ID")
    update.add_argument("--name")
    _profile_options(update)
    update.add_argument("--no-logo", action="store_true", help="remove the logo")
    with_store(update)
    update.set_defaults(run=_companies_update)
    show = company_commands.add_parser("show", help="print a company's profile")
    show.add_argument("company_id", metavar="COMPANY_ID")
    with_store(show)
    show.set_defaults(run=_companies_show)
    listing = company_commands.add_parser("list", help="list the companies")
    with_store(listing)
    listing.set_defaults(run=_companies_list)
