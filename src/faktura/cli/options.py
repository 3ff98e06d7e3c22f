"""What ``serve``, ``run`` and ``book`` configure alike from their flags and the
``FAKTURA_*`` environment variables: the delivery channels (email over SMTP, e-invoicing
through a Sproom access point), the PDF font, the exchange rates and the reference rates
of late-payment interest.

Internal to ``faktura.cli``: the names are public only to its command modules.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from faktura.cli.common import Refused, port_number
from faktura.delivery.channel import DeliveryType, Recipient, RecipientKind
from faktura.dunning import ReferenceRateTable
from faktura.errors import ConfigurationError, ValidationError
from faktura.exchange import ExchangeRate, FixedRates
from faktura.money import parse_decimal

if TYPE_CHECKING:
    from faktura.delivery.channel import DeliveryChannel, OutgoingDocument, Receipt

__all__ = [
    "Unconfigured",
    "add_delivery_options",
    "add_exchange_rate_option",
    "add_font_options",
    "add_reference_rate_option",
    "delivery_channels",
    "email_channel",
    "exchange_rates",
    "placeholder_channels",
    "reference_rates",
    "register_font",
    "sproom_settings",
]

_SMTP_PORTS = {"ssl": 465, "starttls": 587, "none": 25}


def _setting(value: str | None, env: Mapping[str, str], name: str) -> str | None:
    return value if value is not None else (env.get(name) or None)


def email_channel(args: argparse.Namespace, env: Mapping[str, str]) -> DeliveryChannel | None:
    """--smtp-* (FAKTURA_SMTP_*): the email channel, None when no SMTP host is given."""
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


def sproom_settings(args: argparse.Namespace, env: Mapping[str, str]) -> tuple[str, str] | None:
    """--sproom-url and --sproom-token (FAKTURA_SPROOM_*): both or neither."""
    url = _setting(args.sproom_url, env, "FAKTURA_SPROOM_URL")
    token = _setting(args.sproom_token, env, "FAKTURA_SPROOM_TOKEN")
    if url is None and token is None:
        return None
    if url is None or token is None:
        missing = "--sproom-url" if url is None else "--sproom-token"
        raise Refused(f"{missing} is needed too: e-invoicing takes both URL and token")
    return url, token


class Unconfigured:
    """A delivery type the command line knows but was not given the settings of: a
    schedule may name it, and a send over it is refused (ConfigurationError, raised
    before anything is booked or recorded) with what to set."""

    def __init__(self, delivery_type: DeliveryType, kind: RecipientKind, settings: str) -> None:
        self._type = delivery_type
        self._kind = kind
        self._settings = settings

    @property
    def delivery_type(self) -> DeliveryType:
        return self._type

    @property
    def recipient_kind(self) -> RecipientKind:
        return self._kind

    def _refuse(self) -> ConfigurationError:
        return ConfigurationError(
            f"{self._type.value} delivery is not configured: give {self._settings}"
        )

    def prepare(self, recipient: Recipient) -> None:
        raise self._refuse()

    def deliver(self, message: OutgoingDocument) -> Receipt:
        raise self._refuse()


_UNCONFIGURED = {
    "email": Unconfigured(
        DeliveryType.EMAIL,
        RecipientKind.EMAIL,
        "--smtp-host and --smtp-sender (or FAKTURA_SMTP_HOST, FAKTURA_SMTP_SENDER)",
    ),
    "einvoice": Unconfigured(
        DeliveryType.EINVOICE,
        RecipientKind.PEPPOL,
        "--sproom-url and --sproom-token (or FAKTURA_SPROOM_URL, FAKTURA_SPROOM_TOKEN)",
    ),
}


def delivery_channels(
    args: argparse.Namespace,
    env: Mapping[str, str],
    stack: contextlib.ExitStack,
    *,
    placeholders: bool = False,
) -> dict[str, DeliveryChannel]:
    """The channels the flags and ``env`` configure: manual always, email and einvoice
    when their settings are given (the access point's client is closed by ``stack``).
    ``placeholders``: email and einvoice are there even without settings, as
    ``Unconfigured`` channels, so a schedule may name them and a run reports what to
    set."""
    from faktura.delivery.manual import ManualChannel

    channels: dict[str, DeliveryChannel] = {"manual": ManualChannel()}
    email = email_channel(args, env)
    if email is not None:
        channels["email"] = email
    elif placeholders:
        channels["email"] = _UNCONFIGURED["email"]
    sproom = sproom_settings(args, env)
    if sproom is not None:
        from faktura.delivery.einvoice import EInvoiceChannel
        from faktura.delivery.sproom import SproomAccessPoint

        access_point = stack.enter_context(SproomAccessPoint(*sproom))
        channels["einvoice"] = EInvoiceChannel(access_point)
    elif placeholders:
        channels["einvoice"] = _UNCONFIGURED["einvoice"]
    return channels


def placeholder_channels() -> dict[str, DeliveryChannel]:
    """The delivery types the command line can configure, by name only: what a schedule
    may name when nothing is sent (manual, and email and einvoice ``Unconfigured``)."""
    from faktura.delivery.manual import ManualChannel

    return {"manual": ManualChannel(), **_UNCONFIGURED}


def register_font(args: argparse.Namespace, env: Mapping[str, str]) -> None:
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
    from faktura.documents.fonts import register_font as register

    try:
        register(regular, bold)
    except ImportError as exc:
        raise Refused("--font needs the pdf extra: pip install 'faktura[pdf]'") from exc


#: The VAT accounting currency ``--exchange-rate`` converts into (a Danish seller's).
_RATES_TARGET = "DKK"


def exchange_rates(args: argparse.Namespace, env: Mapping[str, str]) -> FixedRates | None:
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


def reference_rates(args: argparse.Namespace, env: Mapping[str, str]) -> ReferenceRateTable | None:
    """--reference-rate DATE=PERCENT, repeated (or FAKTURA_REFERENCE_RATES="DATE=PERCENT,
    ..."): the reference rates of late-payment interest, each from the day it takes
    effect (Danmarks Nationalbank's lending rate of 1 January and 1 July)."""
    values: Sequence[str] = getattr(args, "reference_rate", None) or []
    flag = "--reference-rate"
    if not values:
        flag = "FAKTURA_REFERENCE_RATES"
        values = [v.strip() for v in env.get(flag, "").split(",") if v.strip()]
        if not values:
            return None
    rates: dict[date, Decimal] = {}
    for value in values:
        day_text, sep, number = value.partition("=")
        day_text, number = day_text.strip(), number.strip().removesuffix("%").strip()
        if not sep or not day_text or not number:
            raise Refused(f"{flag}: must be DATE=PERCENT such as 2026-01-01=1.60, not {value!r}")
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            raise Refused(
                f"{flag}: {value!r}: the date must be such as 2026-01-01, not {day_text!r}"
            ) from None
        if day in rates:
            raise Refused(f"{flag}: {day.isoformat()} is given twice")
        try:
            rates[day] = parse_decimal(
                number, "rate", places=4, minimum=Decimal(-100), maximum=Decimal(100)
            )
        except ValidationError as err:
            reason = "; ".join(e.message for e in err.errors)
            hint = " (a decimal point, not a comma)" if "," in number else ""
            raise Refused(f"{flag}: {value!r}: the rate {reason}{hint}") from None
    return ReferenceRateTable.of(rates)


def add_delivery_options(parser: argparse.ArgumentParser) -> None:
    """--smtp-* and --sproom-* (read by ``delivery_channels``)."""
    smtp = parser.add_argument_group(
        "email delivery (also FAKTURA_SMTP_HOST, _PORT, _SENDER, _SECURITY, _USERNAME; "
        "the password only as FAKTURA_SMTP_PASSWORD)"
    )
    smtp.add_argument("--smtp-host")
    smtp.add_argument("--smtp-port", help="default 587 (starttls), 465 (ssl), 25 (none)")
    smtp.add_argument("--smtp-sender", help="the From address")
    smtp.add_argument("--smtp-security", help="starttls (default), ssl or none")
    smtp.add_argument("--smtp-username")
    sproom = parser.add_argument_group(
        "e-invoicing (delivery type einvoice) through the Sproom access point (also "
        "FAKTURA_SPROOM_URL, FAKTURA_SPROOM_TOKEN)"
    )
    sproom.add_argument("--sproom-url")
    sproom.add_argument("--sproom-token", help="prefer FAKTURA_SPROOM_TOKEN: flags show in ps")


def add_font_options(parser: argparse.ArgumentParser) -> None:
    """--font and --font-bold (read by ``register_font``)."""
    fonts = parser.add_argument_group(
        "PDF font (also FAKTURA_FONT, FAKTURA_FONT_BOLD): a TrueType family the built-in "
        "templates write with instead of the default one"
    )
    fonts.add_argument("--font", metavar="REGULAR.ttf")
    fonts.add_argument("--font-bold", metavar="BOLD.ttf", help="default: the regular face")


def add_exchange_rate_option(parser: argparse.ArgumentParser) -> None:
    """--exchange-rate (read by ``exchange_rates``)."""
    parser.add_argument(
        "--exchange-rate",
        action="append",
        metavar="CUR=RATE",
        help="a fixed rate, RATE DKK per unit of CUR, to state a Danish seller's VAT in DKK "
        "on a CUR invoice; repeatable (also FAKTURA_EXCHANGE_RATES=EUR=7.4604,USD=6.80)",
    )


def add_reference_rate_option(parser: argparse.ArgumentParser) -> None:
    """--reference-rate (read by ``reference_rates``)."""
    parser.add_argument(
        "--reference-rate",
        action="append",
        metavar="DATE=PERCENT",
        help="the reference rate of late-payment interest from DATE on, in percent a year "
        "(2026-01-01=1.60); repeatable, one per half year (also "
        "FAKTURA_REFERENCE_RATES=2026-01-01=1.60,2026-07-01=1.35)",
    )
