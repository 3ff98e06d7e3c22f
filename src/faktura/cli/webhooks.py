"""``faktura webhooks``: a company's webhook endpoints added (the signing secret shown
once), listed, removed, and their secret rotated; ``faktura dispatch`` POSTs the events
to them."""

from __future__ import annotations

import argparse
import sys

from faktura.cli.common import flags_named, opened_billing, text_table, with_store
from faktura.outbox import EVENT_TYPES

__all__ = ["add_parser"]

_FLAGS = {
    "url": "--url",
    "events": "--event",
    "description": "--description",
    "company_id": "--company",
    "endpoint_id": "ENDPOINT_ID",
}


def _flag(path: str) -> str:
    head = path.partition(".")[0]
    return _FLAGS.get(head, path)


def _announce(endpoint_id: str, what: str) -> None:
    print(
        f"faktura: {what} of webhook endpoint {endpoint_id}; the secret above is shown only "
        "this once (the receiver checks each webhook's Faktura-Signature header with it)",
        file=sys.stderr,
    )


def _add(args: argparse.Namespace) -> int:
    events = list(dict.fromkeys(args.event or ()))
    with opened_billing(args) as billing, flags_named(_flag):
        endpoint, secret = billing.create_webhook_endpoint(
            args.company, args.url, events, args.description
        )
    print(endpoint.id)
    print(secret)
    _announce(endpoint.id, "the signing secret")
    return 0


def _list(args: argparse.Namespace) -> int:
    with opened_billing(args) as billing, flags_named(_flag):
        billing.get_company(args.company)
        endpoints = billing.webhook_endpoints(args.company)
    rows = [
        (
            e.id,
            e.url,
            ",".join(sorted(e.events)) or "all",
            "enabled" if e.enabled else "disabled",
            e.created_at.isoformat(timespec="seconds"),
        )
        for e in endpoints
    ]
    print(text_table(("id", "url", "events", "state", "created"), rows))
    return 0


def _remove(args: argparse.Namespace) -> int:
    with opened_billing(args) as billing, flags_named(_flag):
        billing.delete_webhook_endpoint(args.company, args.endpoint_id)
    print(f"removed {args.endpoint_id}")
    return 0


def _rotate(args: argparse.Namespace) -> int:
    with opened_billing(args) as billing, flags_named(_flag):
        endpoint, secret = billing.rotate_webhook_secret(args.company, args.endpoint_id)
    print(secret)
    _announce(endpoint.id, "the new signing secret")
    return 0


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    webhooks = commands.add_parser(
        "webhooks", help="add, list and remove webhook endpoints; rotate their secrets"
    )
    actions = webhooks.add_subparsers(dest="action", required=True, metavar="ACTION")
    types = sorted(EVENT_TYPES)
    add = actions.add_parser(
        "add",
        help="add an endpoint; prints its id, then its signing secret (shown once)",
    )
    add.add_argument("--company", required=True, help="company id")
    add.add_argument("--url", required=True, help="where the events are POSTed (http or https)")
    add.add_argument(
        "--event",
        action="append",
        choices=types,
        metavar="TYPE",
        help=f"an event type to POST (repeat for several; default every type): {', '.join(types)}",
    )
    add.add_argument("--description", metavar="TEXT", help="what the endpoint is for")
    with_store(add)
    add.set_defaults(run=_add)

    listing = actions.add_parser("list", help="list a company's endpoints")
    listing.add_argument("--company", required=True, help="company id")
    with_store(listing)
    listing.set_defaults(run=_list)

    for name, run, text in (
        ("remove", _remove, "remove an endpoint: its undelivered events are given up"),
        ("rotate-secret", _rotate, "a new signing secret (printed once) for an endpoint"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("--company", required=True, help="company id")
        action.add_argument("endpoint_id", metavar="ENDPOINT_ID")
        with_store(action)
        action.set_defaults(run=run)
