"""``faktura access-point``: a local e-invoicing access point for ``serve --sproom-url``."""

from __future__ import annotations

import argparse
import re
import signal
import sys
import time
from pathlib import Path

from faktura.cli.common import Refused, Stopped, port_arg, stopped

__all__ = ["add_parser"]


def _access_point(args: argparse.Namespace) -> int:
    from faktura.testing.access_point import LocalAccessPoint, StoredDocument, peppol_validator

    participants: list[str] = args.participant or []
    for participant in participants:
        if not re.fullmatch(r"\d{4}:[^\s:]+", participant):
            raise Refused(
                f"--participant: must be ICD:ID, e.g. 0088:5790000436057, not {participant!r}"
            )
    directory: Path | None = args.directory
    if directory is not None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise Refused(f"--directory: cannot create {directory}: {err.strerror}") from err

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
        raise Refused(
            f"--port: cannot listen on {args.host}:{args.port}: {err.strerror or err}"
        ) from err
    previous = signal.signal(signal.SIGTERM, stopped)
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
    except (KeyboardInterrupt, Stopped):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()
    return 0


def _log(message: str) -> None:
    print(f"faktura access-point: {message}", file=sys.stderr, flush=True)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    access_point = commands.add_parser(
        "access-point",
        help="serve a local e-invoicing access point for serve --sproom-url",
        description="A local e-invoicing access point speaking the API faktura's Sproom "
        "access point client speaks: it accepts UBL documents for its participants and keeps them, "
        "delivering nothing further. Runs until interrupted (Ctrl-C or SIGTERM).",
    )
    access_point.add_argument("--host", default="127.0.0.1", help="address to listen on")
    access_point.add_argument("--port", type=port_arg, default=8001, help="port (default 8001)")
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
