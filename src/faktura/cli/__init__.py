"""The ``faktura`` command line: the demo, the HTTP server, the admin of companies, API
keys and webhook endpoints on a store, recurring invoices and billing runs, batch
booking and the dispatcher of the outbox's events.

::

    faktura demo [--store URL]
    faktura serve [--store URL] [--host 127.0.0.1] [--port 8000] [--read-timeout 10]
                  [--smtp-... | --sproom-...]
                  [--font REGULAR.ttf [--font-bold BOLD.ttf]] [--exchange-rate EUR=7.4604 ...]
                  [--reference-rate 2026-01-01=1.60 ...]
    faktura access-point [--host 127.0.0.1] [--port 8001] [--token ..] [--directory DIR]
                         [--participant ICD:ID ...] [--validate]
    faktura companies create --name NAME [profile options]
    faktura companies update COMPANY_ID [--name NAME] [profile options] [--no-logo]
    faktura companies show COMPANY_ID
    faktura companies list
    faktura api-keys create --company ID --scope SCOPE [--scope ...] [--name NAME]
    faktura api-keys list --company ID
    faktura api-keys revoke --company ID KEY_ID
    faktura schedules create --company ID --customer ID --line LINE [--line ...] --start DATE
                             [--every month|quarter|year|N-days|N-months] [--arrears]
                             [--end DATE] [--anchor-day N] [--no-proration]
                             [--channel email|einvoice|manual] [--payment-terms DAYS]
                             [--currency CUR] [--description TEXT]
    faktura schedules list --company ID
    faktura schedules show|pause|resume --company ID SCHEDULE_ID
    faktura schedules end --company ID SCHEDULE_ID --on DATE
    faktura schedules change --company ID SCHEDULE_ID --from DATE --line LINE [--line ...]
    faktura run --company ID [--period 2026-12 | --period 2026-12-01..2026-12-15]
                [--batch-size 100] [--no-deliver] [--smtp-... | --sproom-...]
                [--font ...] [--exchange-rate ...]
    faktura book --company ID INVOICE_ID... [--batch-size 100] [--font ...]
                 [--exchange-rate ...]
    faktura reminders run [--company ID] [--today DATE] [--no-deliver] [--dry-run]
                          [--reference-rate DATE=PERCENT ...] [--smtp-...] [--font ...]
    faktura reminders list [--company ID] [--customer ID]
    faktura reminders show|send [--company ID] REMINDER_ID
    faktura reminders pdf [--company ID] REMINDER_ID -o FILE
    faktura reminders policy [--company ID]
    faktura reminders policy set [--company ID] [--levels DAYS:FEE,...] [--no-interest]
                                 [--margin POINTS] [--compensation AMOUNT|none] [--currency]
    faktura payments receive [--company ID] AMOUNT --reference REF [--currency CUR]
                             [--paid-on DATE] [--key KEY]
    faktura payments import [--company ID] FILE
    faktura payments list [--company ID] [--outcome unmatched]
    faktura payments reverse [--company ID] DOCUMENT_ID PAYMENT_ID [--reason TEXT]
    faktura statement [--company ID] CUSTOMER_ID [--from DATE] [--to DATE] [--currency CUR]
                      [--pdf FILE [--language da]]
    faktura webhooks add --company ID --url URL [--event TYPE ...] [--description TEXT]
    faktura webhooks list --company ID
    faktura webhooks remove|rotate-secret --company ID ENDPOINT_ID
    faktura dispatch [--once] [--batch 100] [--timeout 10] [--idle 1]

``access-point`` serves a local e-invoicing access point (``LocalAccessPoint``, the one
the tests and the demo use) for ``serve --sproom-url`` to send to. Every command but
``demo`` and ``access-point`` takes ``--store URL`` (default ``sqlite:///faktura.db`` in
the working directory; ``serve`` and ``companies create`` create the file when it is
missing). The profile options of ``companies create`` and ``update``: ``--cvr --vat-id
--ean --email --phone --currency --payment-terms DAYS --language LANG --template ID``,
the address ``--street --city --postal-code --country --additional``, payment ``--reg-no
--account-no --iban --bic --fik-creditor``, ``--logo PATH`` and the number series
``--invoice-series PATTERN --invoice-series-start N --invoice-series-reset
never|yearly|monthly`` (``--credit-note-series...`` likewise).

A schedule's ``--line`` is ``DESCRIPTION;QUANTITY;UNIT_PRICE[;VAT_RATE]`` (``\\;`` a
semicolon in the description, ``\\\\`` a backslash; the VAT rate in percent, the
customer's standard rate when left out): see ``faktura.cli.schedules``. ``run`` prints
its progress on stderr (a bar redrawn in place on a terminal, a line per batch
otherwise) and its summary on stdout; ``run``, ``book`` and ``dispatch --once`` end with
exit code 1 when something failed or was refused (each named with its reason on
stdout); ``reminders run`` and ``reminders send`` likewise when a delivery failed. The
commands of getting paid take ``--company`` or, without it, the store's only company.
Bad input ends with one line on stderr naming what is wrong (the flag:
``--line 2: unit price ...``) and exit code 2, with nothing written.
The command line reads ``FAKTURA_SMTP_*``, ``FAKTURA_SPROOM_*``, ``FAKTURA_FONT``,
``FAKTURA_FONT_BOLD``, ``FAKTURA_EXCHANGE_RATES`` and ``FAKTURA_REFERENCE_RATES``
environment variables for ``serve`` (and the same for ``run`` and ``reminders run``;
``book`` the font and the rates); the library itself never reads the environment.

One module per command group (``demo``, ``serve``, ``access_point``, ``companies``,
``api_keys``, ``schedules``, ``runs`` for ``run`` and ``book``, ``reminders``,
``payments`` for ``payments`` and ``statement``, ``webhooks``, ``dispatch``), each
adding its subcommand to the parser built here; ``common`` holds what they share,
``options`` the channel, font and rate settings of ``serve``, ``run``, ``book`` and
``reminders``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from faktura.cli import (
    access_point,
    api_keys,
    companies,
    demo,
    dispatch,
    payments,
    reminders,
    runs,
    schedules,
    serve,
    webhooks,
)
from faktura.cli.common import DEFAULT_STORE, Refused, UsageParser
from faktura.cli.demo import DEMO_DIR
from faktura.demo import DEMO_DRAFT, render_table, run_demo
from faktura.errors import FakturaError

__all__ = ["DEFAULT_STORE", "DEMO_DIR", "DEMO_DRAFT", "main", "render_table", "run_demo"]


def _parser() -> argparse.ArgumentParser:
    parser = UsageParser(
        prog="faktura",
        description="faktura: an embeddable invoicing core.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in (
        demo,
        serve,
        access_point,
        companies,
        api_keys,
        schedules,
        runs,
        reminders,
        payments,
        webhooks,
        dispatch,
    ):
        command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``faktura`` console script: the exit code."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return exc.code if isinstance(exc.code, int) else 2
    run: Callable[[argparse.Namespace], int] = args.run
    words = (args.command, getattr(args, "action", None), getattr(args, "step", None))
    command = " ".join(filter(None, words))
    try:
        return run(args)
    except (FakturaError, Refused) as err:
        message = err.message if isinstance(err, FakturaError) else str(err)
        print(f"faktura {command}: error: {' '.join(message.split())}", file=sys.stderr)
        return 2
