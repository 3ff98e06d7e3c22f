"""The ``faktura`` command line: the demo, the HTTP server and the admin of companies and
API keys on a store.

::

    faktura demo [--store URL]
    faktura serve [--store URL] [--host 127.0.0.1] [--port 8000] [--read-timeout 10]
                  [--smtp-... | --sproom-...]
                  [--font REGULAR.ttf [--font-bold BOLD.ttf]] [--exchange-rate EUR=7.4604 ...]
    faktura access-point [--host 127.0.0.1] [--port 8001] [--token ..] [--directory DIR]
                         [--participant ICD:ID ...] [--validate]
    faktura companies create --name NAME [profile options]
    faktura companies update COMPANY_ID [--name NAME] [profile options] [--no-logo]
    faktura companies show COMPANY_ID
    faktura companies list
    faktura api-keys create --company ID --scope SCOPE [--scope ...] [--name NAME]
    faktura api-keys list --company ID
    faktura api-keys revoke --company ID KEY_ID

``access-point`` serves a local e-invoicing access point (``LocalAccessPoint``, the one
the tests and the demo use) for ``serve --sproom-url`` to send to. Every command but
``demo`` and ``access-point`` takes ``--store URL`` (default ``sqlite:///faktura.db`` in
the working directory; ``serve`` and ``companies create`` create the file when it is
missing). The profile options of ``companies create`` and ``update``: ``--cvr --vat-id
--ean --email --phone --currency --payment-terms DAYS --language LANG --template ID``,
the address ``--street --city --postal-code --country --additional``, payment ``--reg-no
--account-no --iban --bic --fik-creditor``, ``--logo PATH`` and the number series
``--invoice-series PATTERN --invoice-series-start N --invoice-series-reset
never|yearly|monthly`` (``--credit-note-series...`` likewise). Bad input ends with one
line on stderr naming what is wrong and exit code 2.
The command line reads ``FAKTURA_SMTP_*``, ``FAKTURA_SPROOM_*``, ``FAKTURA_FONT``,
``FAKTURA_FONT_BOLD`` and ``FAKTURA_EXCHANGE_RATES`` environment variables for ``serve``;
the library itself never reads the environment.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from faktura.apikeys import Scope
from faktura.billing import Billing
from faktura.demo import DEMO_DRAFT, render_summary, render_table, run_demo, run_flow
from faktura.errors import ConfigurationError, FakturaError, FieldError, ValidationError
from faktura.exchange import ExchangeRate, FixedRates
from faktura.numbering import NumberSeries, Reset
from faktura.parties import Company
from faktura.storage import open_store

if TYPE_CHECKING:
    from faktura.delivery.channel import DeliveryChannel
    from faktura.ports import Store

__all__ = ["DEFAULT_STORE", "DEMO_DIR", "DEMO_DRAFT", "main", "render_table", "run_demo"]

#: The store of every command but ``demo`` unless ``--store`` says otherwise.
DEFAULT_STORE = "sqlite:///faktura.db"
#: Where ``faktura demo`` writes its SQLite file and documents (fresh on every run).
DEMO_DIR = Path("faktura-demo")
_DEMO_STORE = f"sqlite:///{DEMO_DIR.as_posix()}/faktura.db"
# What a demo run writes into DEMO_DIR, removed before the next run.
_DEMO_FILES = ("invoice-*.pdf", "invoice-*.xml", "credit-note-*.pdf", "credit-note-*.xml")
_SMTP_PORTS = {"ssl": 465, "starttls": 587, "none": 25}


class _Refused(Exception):
    """Bad command-line input that is not a faktura error (a flag's value)."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line (and exit code 2), not with the
    whole usage text."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# -- stores ------------------------------------------------------------------------------


def _open(url: str, *, create: bool) -> Store:
    path = url.removeprefix("sqlite:///")
    if not create and url.startswith("sqlite:///") and not Path(path).is_file():
        raise _Refused(
            f"--store: no SQLite database at {path} (faktura companies create makes one)"
        )
    try:
        return open_store(url, create=create)
    except ConfigurationError as err:
        raise ConfigurationError(f"--store: {err.message}") from err


@contextlib.contextmanager
def _billing(args: argparse.Namespace, *, create: bool = False) -> Iterator[Billing]:
    store = _open(args.store, create=create)
    try:
        yield Billing(store)
    finally:
        store.close()


def _redacted(url: str) -> str:
    """A store URL without its password, for printing."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not sep or not at or ":" not in credentials:
        return url
    return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"


# -- demo --------------------------------------------------------------------------------


def _demo(args: argparse.Namespace) -> int:
    url: str = args.store
    DEMO_DIR.mkdir(exist_ok=True)
    if url == _DEMO_STORE:
        for leftover in DEMO_DIR.glob("faktura.db*"):
            leftover.unlink()
    for pattern in _DEMO_FILES:
        for leftover in DEMO_DIR.glob(pattern):
            leftover.unlink()
    shutil.rmtree(DEMO_DIR / "outbox", ignore_errors=True)
    store = open_store(url, create=True)
    try:
        report = run_flow(store, DEMO_DIR)
    finally:
        store.close()
    first = report.documents[0].invoice
    print(f"store: {_redacted(url)}")
    for path in report.files:
        print(f"wrote {path}")
    print()
    print(f"{report.company.name} (CVR {report.company.cvr}) → {report.documents[0].customer.name}")
    print()
    print(render_table(first))
    print()
    print(render_summary(report.documents))
    return 0


# -- serve -------------------------------------------------------------------------------


def _setting(value: str | None, env: Mapping[str, str], name: str) -> str | None:
    return value if value is not None else (env.get(name) or None)


def _email_channel(args: argparse.Namespace, env: Mapping[str, str]) -> DeliveryChannel | None:
    from faktura.delivery.email import EmailChannel, SmtpSettings

    host = _setting(args.smtp_host, env, "FAKTURA_SMTP_HOST")
    port = _setting(args.smtp_port, env, "FAKTURA_SMTP_PORT")
    sender = _setting(args.smtp_sender, env, "FAKTURA_SMTP_SENDER")
    security = _setting(args.smtp_security, env, "FAKTURA_SMTP_SECURITY") or "starttls"
    username = _setting(args.smtp_username, env, "FAKTURA_SMTP_USERNAME")
    password = env.get("FAKTURA_SMTP_PASSWORD") or None
    if host is None:
        if port or sender or username:
            raise _Refused("--smtp-host (or FAKTURA_SMTP_HOST) is needed to send email")
        return None
    if sender is None:
        raise _Refused("--smtp-sender (or FAKTURA_SMTP_SENDER) is needed with --smtp-host")
    if security not in _SMTP_PORTS:
        raise _Refused(f"--smtp-security: must be one of ssl, starttls, none, not {security!r}")
    number = _SMTP_PORTS[security] if port is None else _port(port, "--smtp-port")
    if username is not None and password is None:
        raise _Refused("--smtp-username needs the password in FAKTURA_SMTP_PASSWORD")
    return EmailChannel(
        SmtpSettings(
            host=host,
            port=number,
            sender=sender,
            security=security,  # type: ignore[arg-type]  # checked above
            username=username,
            password=password,
        )
    )


def _sproom_settings(args: argparse.Namespace, env: Mapping[str, str]) -> tuple[str, str] | None:
    url = _setting(args.sproom_url, env, "FAKTURA_SPROOM_URL")
    token = _setting(args.sproom_token, env, "FAKTURA_SPROOM_TOKEN")
    if url is None and token is None:
        return None
    if url is None or token is None:
        missing = "--sproom-url" if url is None else "--sproom-token"
        raise _Refused(f"{missing} is needed too: e-invoicing takes both URL and token")
    return url, token


def _port(value: str, field: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise _Refused(f"{field}: must be a port number 1-65535, not {value!r}")
    return int(value)


def _register_font(args: argparse.Namespace, env: Mapping[str, str]) -> None:
    """--font/--font-bold (FAKTURA_FONT, FAKTURA_FONT_BOLD): the TrueType family the
    built-in templates write with instead of the default one."""
    regular = _setting(args.font, env, "FAKTURA_FONT")
    bold = _setting(args.font_bold, env, "FAKTURA_FONT_BOLD")
    if regular is None:
        if bold is not None:
            raise _Refused("--font-bold needs --font (or FAKTURA_FONT), the regular face")
        return
    for flag, path in (("--font", regular), ("--font-bold", bold)):
        if path is not None and not os.path.isfile(path):
            raise _Refused(f"{flag}: no such font file: {path}")
    from faktura.documents.fonts import register_font

    try:
        register_font(regular, bold)
    except ImportError as exc:
        raise _Refused("--font needs the pdf extra: pip install 'faktura[pdf]'") from exc


#: The VAT accounting currency ``--exchange-rate`` converts into (a Danish seller's).
_RATES_TARGET = "DKK"


def _exchange_rates(args: argparse.Namespace, env: Mapping[str, str]) -> FixedRates | None:
    """--exchange-rate CUR=RATE, repeated (or FAKTURA_EXCHANGE_RATES="CUR=RATE,..."): fixed
    rates, RATE units of DKK per unit of CUR, for every day."""
    values: Sequence[str] = args.exchange_rate or []
    flag = "--exchange-rate"
    if not values:
        flag = "FAKTURA_EXCHANGE_RATES"
        values = [v.strip() for v in env.get(flag, "").split(",") if v.strip()]
        if not values:
            return None
    rates: dict[tuple[str, str], Decimal] = {}
    for value in values:
        code, sep, number = value.partition("=")
        code, number = code.strip(), number.strip()
        if not sep or not code or not number:
            raise _Refused(f"{flag}: must be CURRENCY=RATE such as EUR=7.4604, not {value!r}")
        if code == _RATES_TARGET:
            raise _Refused(f"{flag}: rates are into {_RATES_TARGET}: {value!r} converts nothing")
        if (code, _RATES_TARGET) in rates:
            raise _Refused(f"{flag}: {code} is given twice")
        try:
            rate = ExchangeRate(code, _RATES_TARGET, number, date.today())  # parses number
        except ValidationError as err:
            reason = "; ".join(e.message for e in err.errors)
            raise _Refused(f"{flag}: {value!r}: {reason}") from None
        rates[(code, _RATES_TARGET)] = rate.rate
    return FixedRates(rates)


def _serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from faktura.http import create_app
        from faktura.http.server import read_timeout_protocol
    except ImportError as exc:
        raise ConfigurationError(
            "faktura serve needs the http extra: pip install 'faktura[http]'"
        ) from exc
    from faktura.delivery.manual import ManualChannel

    env = os.environ
    _register_font(args, env)
    rates = _exchange_rates(args, env)
    channels: dict[str, DeliveryChannel] = {"manual": ManualChannel()}
    email = _email_channel(args, env)
    if email is not None:
        channels["email"] = email
    sproom = _sproom_settings(args, env)
    with contextlib.ExitStack() as stack:
        if sproom is not None:
            from faktura.delivery.einvoice import EInvoiceChannel
            from faktura.delivery.sproom import SproomAccessPoint

            access_point = stack.enter_context(SproomAccessPoint(*sproom))
            channels["einvoice"] = EInvoiceChannel(access_point)
        store = _open(args.store, create=True)
        stack.callback(store.close)
        app = create_app(Billing(store, channels=channels, exchange_rates=rates))
        print(
            f"faktura: serving {_redacted(args.store)} on http://{args.host}:{args.port} "
            f"(delivery: {', '.join(channels)})",
            file=sys.stderr,
            flush=True,
        )
        # uvicorn stops gracefully on SIGINT/SIGTERM, then raises the signal again for the
        # handler it found: this one ends the run here, so the store is closed.
        previous = signal.signal(signal.SIGTERM, _stopped)
        try:
            uvicorn.run(
                app,
                host=args.host,
                port=args.port,
                log_level=args.log_level,
                http=read_timeout_protocol(args.read_timeout),
            )
        except (KeyboardInterrupt, _Stopped):
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
    return 0


class _Stopped(Exception):
    """SIGTERM (after uvicorn's graceful shutdown, for serve)."""


def _stopped(signum: int, frame: object) -> NoReturn:
    raise _Stopped(signum)


# -- access-point ------------------------------------------------------------------------


def _access_point(args: argparse.Namespace) -> int:
    from faktura.testing.access_point import LocalAccessPoint, StoredDocument, peppol_validator

    participants: list[str] = args.participant or []
    for participant in participants:
        if not re.fullmatch(r"\d{4}:[^\s:]+", participant):
            raise _Refused(
                f"--participant: must be ICD:ID, e.g. 0088:5790000436057, not {participant!r}"
            )
    directory: Path | None = args.directory
    if directory is not None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise _Refused(f"--directory: cannot create {directory}: {err.strerror}") from err

    def received(document: StoredDocument) -> None:
        where = ""
        if directory is not None:
            path = directory / f"{document.id}.xml"
            path.write_bytes(document.ubl)
            where = f", written to {path}"
        _log(f"received {document.id} for {document.recipient}{where}")

    server = LocalAccessPoint(
        participants=participants,
        accept_all=not participants,
        token=args.token,
        validate=peppol_validator if args.validate else None,
        on_receive=received,
        host=args.host,
        port=args.port,
    )
    try:
        server.start()
    except OSError as err:
        raise _Refused(
            f"--port: cannot listen on {args.host}:{args.port}: {err.strerror or err}"
        ) from err
    previous = signal.signal(signal.SIGTERM, _stopped)
    try:
        who = ", ".join(sorted(participants)) if participants else "every participant"
        checks = "Peppol rules checked" if args.validate else "documents not checked"
        _log(f"listening on {server.url} (API token {server.token}); accepting {who}; {checks}")
        _log(
            f"received documents go to {directory}/"
            if directory is not None
            else "received documents are kept in memory (--directory DIR writes them out)"
        )
        _log(f"send to it: faktura serve --sproom-url {server.url} --sproom-token {server.token}")
        while True:
            time.sleep(3600)
    except (KeyboardInterrupt, _Stopped):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()
    return 0


def _log(message: str) -> None:
    print(f"faktura access-point: {message}", file=sys.stderr, flush=True)


# -- companies ---------------------------------------------------------------------------


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


def _wire(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


# a wire path of the profile → the flag that sets it
_FLAG_OF = {
    (f"{_wire(field)}.{_wire(part)}" if part else _wire(field)): "--" + flag.replace("_", "-")
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
            raise _Refused(f"--logo: cannot read {args.logo}: {err.strerror or err}") from err
    if getattr(args, "no_logo", False):
        fields["logo"] = None
    return fields


@contextlib.contextmanager
def _flags_named() -> Iterator[None]:
    """A ValidationError naming the flags (``--postal-code``) instead of wire paths."""
    try:
        yield
    except ValidationError as err:
        raise ValidationError._from_errors(
            FieldError(_FLAG_OF.get(e.path, e.path), e.rule, e.message) for e in err.errors
        ) from None


def _companies_create(args: argparse.Namespace) -> int:
    fields = _profile(args)
    with _billing(args, create=True) as billing, _flags_named():
        company = billing.create_company(fields)
    print(company.id)
    return 0


def _companies_update(args: argparse.Namespace) -> int:
    fields = _profile(args)
    if not fields:
        raise _Refused("nothing to change: name at least one option (see --help)")
    with _billing(args) as billing, _flags_named():
        company = billing.update_company(args.company_id, fields)
    print(_show(company))
    return 0


def _companies_show(args: argparse.Namespace) -> int:
    with _billing(args) as billing:
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
    with _billing(args, create=False) as billing:
        companies = billing.list_companies()
    rows = [(c.id, c.name, c.cvr or "", c.currency) for c in companies]
    print(_table(("id", "name", "cvr", "currency"), rows))
    return 0


# -- api keys ----------------------------------------------------------------------------


def _scopes(values: Sequence[str]) -> list[str]:
    if "all" in values:
        return [s.value for s in Scope]
    return list(dict.fromkeys(values))


def _keys_create(args: argparse.Namespace) -> int:
    with _billing(args) as billing:
        key, secret = billing.create_api_key(args.company, args.name, _scopes(args.scope))
    print(key.id)
    print(secret)
    print(
        f"faktura: key {key.id} ({', '.join(sorted(key.scopes))}) for company "
        f"{key.company_id}; the secret above is shown only this once (header x-api-key)",
        file=sys.stderr,
    )
    return 0


def _keys_list(args: argparse.Namespace) -> int:
    with _billing(args) as billing:
        billing.get_company(args.company)
        keys = billing.list_api_keys(args.company)
    rows = [
        (
            key.id,
            key.name,
            ",".join(sorted(key.scopes)),
            key.created_at.isoformat(timespec="seconds"),
            key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else "active",
        )
        for key in keys
    ]
    print(_table(("id", "name", "scopes", "created", "revoked"), rows))
    return 0


def _keys_revoke(args: argparse.Namespace) -> int:
    with _billing(args) as billing:
        key = billing.revoke_api_key(args.company, args.key_id)
    when = key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else "now"
    print(f"revoked {key.id} at {when}")
    return 0


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    lines = [header, ["-" * w for w in widths], *rows]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines
    )


# -- the parser --------------------------------------------------------------------------


def _port_arg(value: str) -> int:
    try:
        return _port(value, "port")
    except _Refused as err:
        raise argparse.ArgumentTypeError(str(err).removeprefix("port: ")) from None


def _seconds_arg(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, not {value!r}")
    return seconds


def _with_store(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store", default=DEFAULT_STORE, help=f"store URL (default {DEFAULT_STORE})"
    )


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


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="faktura",
        description="faktura: an embeddable invoicing core.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="run the whole demo flow into ./faktura-demo/")
    demo.add_argument(
        "--store",
        default=_DEMO_STORE,
        help=f"store URL (default {_DEMO_STORE}, recreated on every run)",
    )
    demo.set_defaults(run=_demo)

    serve = commands.add_parser("serve", help="serve the HTTP API with uvicorn")
    _with_store(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=_port_arg, default=8000, help="port (default 8000)")
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn's log level",
    )
    serve.add_argument(
        "--read-timeout",
        type=_seconds_arg,
        default=10.0,
        metavar="SECONDS",
        help="close a connection that has not sent a whole request (head and body) within "
        "SECONDS of starting it (default 10)",
    )
    smtp = serve.add_argument_group(
        "email delivery (also FAKTURA_SMTP_HOST, _PORT, _SENDER, _SECURITY, _USERNAME; "
        "the password only as FAKTURA_SMTP_PASSWORD)"
    )
    smtp.add_argument("--smtp-host")
    smtp.add_argument("--smtp-port", help="default 587 (starttls), 465 (ssl), 25 (none)")
    smtp.add_argument("--smtp-sender", help="the From address")
    smtp.add_argument("--smtp-security", help="starttls (default), ssl or none")
    smtp.add_argument("--smtp-username")
    sproom = serve.add_argument_group(
        "e-invoicing (delivery type einvoice) through the Sproom access point (also "
        "FAKTURA_SPROOM_URL, FAKTURA_SPROOM_TOKEN)"
    )
    sproom.add_argument("--sproom-url")
    sproom.add_argument("--sproom-token", help="prefer FAKTURA_SPROOM_TOKEN: flags show in ps")
    fonts = serve.add_argument_group(
        "PDF font (also FAKTURA_FONT, FAKTURA_FONT_BOLD): a TrueType family the built-in "
        "templates write with instead of the default one"
    )
    fonts.add_argument("--font", metavar="REGULAR.ttf")
    fonts.add_argument("--font-bold", metavar="BOLD.ttf", help="default: the regular face")
    serve.add_argument(
        "--exchange-rate",
        action="append",
        metavar="CUR=RATE",
        help="a fixed rate, RATE DKK per unit of CUR, to state a Danish seller's VAT in DKK "
        "on a CUR invoice; repeatable (also FAKTURA_EXCHANGE_RATES=EUR=7.4604,USD=6.80)",
    )
    serve.set_defaults(run=_serve)

    access_point = commands.add_parser(
        "access-point",
        help="serve a local e-invoicing access point for serve --sproom-url",
        description="A local e-invoicing access point speaking the API faktura's Sproom "
        "access point client speaks: it accepts UBL documents for its participants and keeps them, "
        "delivering nothing further. Runs until interrupted (Ctrl-C or SIGTERM).",
    )
    access_point.add_argument("--host", default="127.0.0.1", help="address to listen on")
    access_point.add_argument("--port", type=_port_arg, default=8001, help="port (default 8001)")
    access_point.add_argument(
        "--token",
        default="local-token",
        help="the API token it expects (default local-token): serve's --sproom-token",
    )
    access_point.add_argument(
        "--directory", type=Path, help="write each received UBL document there as <id>.xml"
    )
    access_point.add_argument(
        "--participant",
        action="append",
        metavar="ICD:ID",
        help="register only these participants (repeat for several), e.g. "
        "0088:5790000436057 for an EAN/GLN, 0184:13585628 for a CVR; default: everyone",
    )
    access_point.add_argument(
        "--validate",
        action="store_true",
        help="refuse documents that break the Peppol BIS rules faktura checks",
    )
    access_point.set_defaults(run=_access_point)

    companies = commands.add_parser("companies", help="create, edit, show and list companies")
    company_commands = companies.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = company_commands.add_parser("create", help="create a company; prints its id")
    create.add_argument("--name", required=True)
    _profile_options(create)
    _with_store(create)
    create.set_defaults(run=_companies_create)
    update = company_commands.add_parser(
        "update", help="change a company's profile (the options given); prints it"
    )
    update.add_argument("company_id", metavar="COMPANY_ID")
    update.add_argument("--name")
    _profile_options(update)
    update.add_argument("--no-logo", action="store_true", help="remove the logo")
    _with_store(update)
    update.set_defaults(run=_companies_update)
    show = company_commands.add_parser("show", help="print a company's profile")
    show.add_argument("company_id", metavar="COMPANY_ID")
    _with_store(show)
    show.set_defaults(run=_companies_show)
    listing = company_commands.add_parser("list", help="list the companies")
    _with_store(listing)
    listing.set_defaults(run=_companies_list)

    keys = commands.add_parser("api-keys", help="create, list and revoke API keys")
    key_commands = keys.add_subparsers(dest="action", required=True, metavar="ACTION")
    scopes = [s.value for s in Scope]
    create = key_commands.add_parser(
        "create", help="create a key; prints its id, then its secret (shown once)"
    )
    create.add_argument("--company", required=True, help="company id")
    create.add_argument(
        "--scope",
        action="append",
        required=True,
        choices=[*scopes, "all"],
        metavar="SCOPE",
        help=f"repeat for several; one of {', '.join(scopes)}, or all",
    )
    create.add_argument("--name", default="cli", help="what the key is for (default cli)")
    _with_store(create)
    create.set_defaults(run=_keys_create)
    listing = key_commands.add_parser("list", help="list a company's keys")
    listing.add_argument("--company", required=True, help="company id")
    _with_store(listing)
    listing.set_defaults(run=_keys_list)
    revoke = key_commands.add_parser("revoke", help="revoke a key")
    revoke.add_argument("--company", required=True, help="company id")
    revoke.add_argument("key_id", metavar="KEY_ID")
    _with_store(revoke)
    revoke.set_defaults(run=_keys_revoke)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``faktura`` console script: the exit code."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return exc.code if isinstance(exc.code, int) else 2
    run: Callable[[argparse.Namespace], int] = args.run
    command = " ".join(filter(None, (args.command, getattr(args, "action", None))))
    try:
        return run(args)
    except (FakturaError, _Refused) as err:
        message = err.message if isinstance(err, FakturaError) else str(err)
        print(f"faktura {command}: error: {' '.join(message.split())}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
