"""``faktura serve``: the HTTP API on uvicorn, with the delivery channels, the PDF font
and the exchange rates its flags and ``FAKTURA_*`` environment variables configure."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from faktura.billing import Billing
from faktura.cli.common import (
    Refused,
    Stopped,
    open_store_at,
    port_arg,
    port_number,
    redacted,
    seconds_arg,
    stopped,
    with_store,
)
from faktura.errors import ConfigurationError, ValidationError
from faktura.exchange import ExchangeRate, FixedRates

if TYPE_CHECKING:
    from faktura.delivery.channel import DeliveryChannel

__all__ = ["add_parser"]

_SMTP_PORTS = {"ssl": 465, "starttls": 587, "none": 25}


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
            raise Refused("--smtp-host (or FAKTURA_SMTP_HOST) is needed to send email")
        return None
    if sender is None:
        raise Refused("--smtp-sender (or FAKTURA_SMTP_SENDER) is needed with --smtp-host")
    if security not in _SMTP_PORTS:
        raise Refused(f"--smtp-security: must be one of ssl, starttls, none, not {security!r}")
    number = _SMTP_PORTS[security] if port is None else port_number(port, "--smtp-port")
    if username is not None and password is None:
        raise Refused("--smtp-username needs the password in FAKTURA_SMTP_PASSWORD")
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
        raise Refused(f"{missing} is needed too: e-invoicing takes both URL and token")
    return url, token


def _register_font(args: argparse.Namespace, env: Mapping[str, str]) -> None:
    """--font/--font-bold (FAKTURA_FONT, FAKTURA_FONT_BOLD): the TrueType family the
    built-in templates write with instead of the default one."""
    regular = _setting(args.font, env, "FAKTURA_FONT")
    bold = _setting(args.font_bold, env, "FAKTURA_FONT_BOLD")
    if regular is None:
        if bold is not None:
            raise Refused("--font-bold needs --font (or FAKTURA_FONT), the regular face")
        return
    for flag, path in (("--font", regular), ("--font-bold", bold)):
        if path is not None and not os.path.isfile(path):
            raise Refused(f"{flag}: no such font file: {path}")
    from faktura.documents.fonts import register_font

    try:
        register_font(regular, bold)
    except ImportError as exc:
        raise Refused("--font needs the pdf extra: pip install 'faktura[pdf]'") from exc


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
            raise Refused(f"{flag}: must be CURRENCY=RATE such as EUR=7.4604, not {value!r}")
        if code == _RATES_TARGET:
            raise Refused(f"{flag}: rates are into {_RATES_TARGET}: {value!r} converts nothing")
        if (code, _RATES_TARGET) in rates:
            raise Refused(f"{flag}: {code} is given twice")
        try:
            rate = ExchangeRate(code, _RATES_TARGET, number, date.today())  # parses number
        except ValidationError as err:
            reason = "; ".join(e.message for e in err.errors)
            raise Refused(f"{flag}: {value!r}: {reason}") from None
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
        store = open_store_at(args.store, create=True)
        stack.callback(store.close)
        app = create_app(Billing(store, channels=channels, exchange_rates=rates))
        print(
            f"faktura: serving {redacted(args.store)} on http://{args.host}:{args.port} "
            f"(delivery: {', '.join(channels)})",
            file=sys.stderr,
            flush=True,
        )
        # uvicorn stops gracefully on SIGINT/SIGTERM, then raises the signal again for the
        # handler it found: this one ends the run here, so the store is closed.
        previous = signal.signal(signal.SIGTERM, stopped)
        try:
            uvicorn.run(
                app,
                host=args.host,
                port=args.port,
                log_level=args.log_level,
                http=read_timeout_protocol(args.read_timeout),
            )
        except (KeyboardInterrupt, Stopped):
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
    return 0


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser("serve", help="serve the HTTP API with uvicorn")
    with_store(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=port_arg, default=8000, help="port (default 8000)")
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn's log level",
    )
    serve.add_argument(
        "--read-timeout",
        type=seconds_arg,
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
