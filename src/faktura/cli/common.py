"""What the ``faktura`` commands share: the one-line usage errors, errors naming flags
instead of fields, opening the store, the port, duration, date and count arguments, a
text table, and SIGTERM as an exception.

Internal to ``faktura.cli``: the names are public only to its command modules.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from faktura.billing import Billing
from faktura.errors import ConfigurationError, FieldError, ValidationError
from faktura.storage import open_store

if TYPE_CHECKING:
    from faktura.ports import Store

__all__ = [
    "DEFAULT_STORE",
    "Refused",
    "Stopped",
    "UsageParser",
    "count_arg",
    "date_arg",
    "flags_named",
    "open_store_at",
    "opened_billing",
    "port_arg",
    "port_number",
    "redacted",
    "seconds_arg",
    "stopped",
    "text_table",
    "the_company",
    "with_store",
]

#: The store of every command but ``demo`` unless ``--store`` says otherwise.
DEFAULT_STORE = "sqlite:///faktura.db"


class Refused(Exception):
    """Bad command-line input that is not a faktura error (a flag's value)."""


class UsageParser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line (and exit code 2), not with the
    whole usage text."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


@contextlib.contextmanager
def flags_named(rename: Callable[[str], str]) -> Iterator[None]:
    """A ValidationError with its field paths renamed to the flags that gave them
    (``start`` to ``--start``, ``lines.1.unit_price`` to ``--line 2: unit price``)."""
    try:
        yield
    except ValidationError as err:
        raise ValidationError._from_errors(
            FieldError(rename(e.path), e.rule, e.message) for e in err.errors
        ) from None


# -- stores ------------------------------------------------------------------------------


def open_store_at(url: str, *, create: bool) -> Store:
    path = url.removeprefix("sqlite:///")
    if not create and url.startswith("sqlite:///") and not Path(path).is_file():
        raise Refused(f"--store: no SQLite database at {path} (faktura companies create makes one)")
    try:
        return open_store(url, create=create)
    except ConfigurationError as err:
        raise ConfigurationError(f"--store: {err.message}") from err


@contextlib.contextmanager
def opened_billing(args: argparse.Namespace, *, create: bool = False) -> Iterator[Billing]:
    store = open_store_at(args.store, create=create)
    try:
        yield Billing(store)
    finally:
        store.close()


def the_company(billing: Billing, company_id: str | None) -> str:
    """``--company``'s id, or, when it was not given, the store's only company's;
    refused when the store has none or several (the flag is needed)."""
    if company_id is not None:
        return billing.get_company(company_id).id
    companies = billing.list_companies()
    if len(companies) != 1:
        raise Refused(
            f"--company is needed: the store has {len(companies)} companies"
            + (" (faktura companies list shows them)" if companies else "")
        )
    return companies[0].id


def redacted(url: str) -> str:
    """A store URL without its password, for printing."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not sep or not at or ":" not in credentials:
        return url
    return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"


def port_number(value: str, field: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise Refused(f"{field}: must be a port number 1-65535, not {value!r}")
    return int(value)


class Stopped(Exception):
    """SIGTERM (after uvicorn's graceful shutdown, for serve)."""


def stopped(signum: int, frame: object) -> NoReturn:
    raise Stopped(signum)


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    lines = [header, ["-" * w for w in widths], *rows]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines
    )


def port_arg(value: str) -> int:
    try:
        return port_number(value, "port")
    except Refused as err:
        raise argparse.ArgumentTypeError(str(err).removeprefix("port: ")) from None


def seconds_arg(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, not {value!r}")
    return seconds


def with_store(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store", default=DEFAULT_STORE, help=f"store URL (default {DEFAULT_STORE})"
    )


def date_arg(value: str) -> date:
    """An ISO date (2026-12-01)."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a date such as 2026-12-01, not {value!r}"
        ) from None


def count_arg(low: int, high: int) -> Callable[[str], int]:
    """A whole number from ``low`` to ``high``."""

    def parse(value: str) -> int:
        text = value.strip()
        if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"must be a whole number {low}-{high}, not {value!r}")
        return int(text)

    return parse
