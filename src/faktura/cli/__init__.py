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

One module per command group (``demo``, ``serve``, ``access_point``, ``companies``,
``api_keys``), each adding its subcommand to the parser built here; ``common`` holds what
they share.
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
    command = " ".join(filter(None, (args.command, getattr(args, "action", None))))
    try:
        return run(args)
    except (FakturaError, Refused) as err:
        message = err.message if isinstance(err, FakturaError) else str(err)
        print(f"faktura {command}: error: {' '.join(message.split())}", file=sys.stderr)
        return 2
