"""``faktura api-keys``: create, list and revoke a company's API keys."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from faktura.apikeys import Scope
from faktura.cli.common import opened_billing, text_table, with_store

__all__ = ["add_parser"]


def _scopes(values: Sequence[str]) -> list[str]:
    if "all" in values:
        return [s.value for s in Scope]
    return list(dict.fromkeys(values))


def _keys_create(args: argparse.Namespace) -> int:
    with opened_billing(args) as billing:
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
    with opened_billing(args) as billing:
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
    print(text_table(("id", "name", "scopes", "created", "revoked"), rows))
    return 0


def _keys_revoke(args: argparse.Namespace) -> int:
    with opened_billing(args) as billing:
        key = billing.revoke_api_key(args.company, args.key_id)
    when = key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else "now"
    print(f"revoked {key.id} at {when}")
    return 0


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    with_store(create)
    create.set_defaults(run=_keys_create)
    listing = key_commands.add_parser("list", help="list a company's keys")
    listing.add_argument("--company", required=True, help="company id")
    with_store(listing)
    listing.set_defaults(run=_keys_list)
    revoke = key_commands.add_parser("revoke", help="revoke a key")
    revoke.add_argument("--company", required=True, help="company id")
    revoke.add_argument("key_id", metavar="KEY_ID")
    with_store(revoke)
    revoke.set_defaults(run=_keys_revoke)
