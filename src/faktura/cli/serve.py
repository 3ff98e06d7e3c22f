"""``faktura serve``: the HTTP API on uvicorn, with the delivery channels, the PDF font,
the exchange rates and the reference rates of late-payment interest its flags and
``FAKTURA_*`` environment variables configure."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys

from faktura.billing import Billing
from faktura.cli.common import (
    Stopped,
    open_store_at,
    port_arg,
    redacted,
    seconds_arg,
    stopped,
    with_store,
)
from faktura.cli.options import (
    add_delivery_options,
    add_exchange_rate_option,
    add_font_options,
    add_reference_rate_option,
    delivery_channels,
    exchange_rates,
    reference_rates,
    register_font,
)
from faktura.errors import ConfigurationError

__all__ = ["add_parser"]


def _serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from faktura.http import create_app
        from faktura.http.server import read_timeout_protocol
    except ImportError as exc:
        raise ConfigurationError(
            "faktura serve needs the http extra: pip install 'faktura[http]'"
        ) from exc
    env = os.environ
    register_font(args, env)
    rates = exchange_rates(args, env)
    interest = reference_rates(args, env)
    with contextlib.ExitStack() as stack:
        channels = delivery_channels(args, env, stack)
        store = open_store_at(args.store, create=True)
        stack.callback(store.close)
        app = create_app(
            Billing(store, channels=channels, exchange_rates=rates, reference_rates=interest)
        )
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
    add_delivery_options(serve)
    add_font_options(serve)
    add_exchange_rate_option(serve)
    add_reference_rate_option(serve)
    serve.set_defaults(run=_serve)
