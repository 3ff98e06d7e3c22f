r"""``faktura schedules``: a customer's recurring invoice created, listed, shown, ended,
paused, resumed, and its lines changed from a date.

A line is one ``--line`` value, ``DESCRIPTION;QUANTITY;UNIT_PRICE[;VAT_RATE]``: the
fields separated by semicolons, the numbers with a decimal point (``Hosting;1;499.00``,
``Support hours;2.5;850;25``), the VAT rate in percent (the customer's standard rate
when left out; 0 makes the line zero rated). A semicolon inside the description is
written ``\;`` and a backslash ``\\`` (a backslash before anything else is itself).
``schedules show`` prints the lines in the same syntax.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Sequence
from decimal import Decimal

from faktura.billing import Billing
from faktura.cli.common import (
    Refused,
    count_arg,
    date_arg,
    flags_named,
    open_store_at,
    text_table,
    with_store,
)
from faktura.cli.options import placeholder_channels
from faktura.commands import LineInput, NewSchedule, ScheduleChanges
from faktura.errors import ValidationError
from faktura.lines import Line, ProductLine
from faktura.schedules import Cadence, Proration, Schedule, Timing, Unit

__all__ = ["add_parser", "parse_every", "parse_line", "show_line"]

LINE_SYNTAX = "DESCRIPTION;QUANTITY;UNIT_PRICE[;VAT_RATE]"
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_EVERY = re.compile(r"([0-9]+)-(day|days|month|months)")
_NAMED_CADENCES = {"month": (Unit.MONTH, 1), "quarter": (Unit.MONTH, 3), "year": (Unit.MONTH, 12)}

# a field path of the use cases → the flag that gives it
_FLAGS = {
    "customer_id": "--customer",
    "company_id": "--company",
    "schedule_id": "SCHEDULE_ID",
    "start": "--start",
    "end": "--end",
    "anchor_day": "--anchor-day",
    "channel": "--channel",
    "payment_terms": "--payment-terms",
    "currency": "--currency",
    "description": "--description",
    "effective": "--from",
    "lines": "--line",
    "versions": "--line",
}


def _flag(path: str) -> str:
    """``lines.1.unit_price`` → ``--line 2: unit price``; ``start`` → ``--start``."""
    head, _, rest = path.partition(".")
    if head == "lines" and rest:
        index, _, field = rest.partition(".")
        if index.isdigit():
            named = f"--line {int(index) + 1}"
            return f"{named}: {field.replace('_', ' ')}" if field else named
    if head == "cadence":
        return "--every"
    if head in ("payment_terms", "versions"):
        return _FLAGS[head]
    return _FLAGS.get(path, path)


# -- the line and cadence syntax ----------------------------------------------------------


def _number(text: str, flag: str, what: str, example: str) -> Decimal:
    value = text.strip().removesuffix("%").strip() if what == "VAT rate" else text.strip()
    if not _NUMBER.fullmatch(value):
        hint = " (a decimal point, not a comma)" if "," in value else ""
        raise Refused(f"{flag}: {what} must be a number such as {example}{hint}, not {text!r}")
    return Decimal(value)


def _fields(text: str) -> list[str]:
    r"""``text`` split at its semicolons; ``\;`` is a semicolon and ``\\`` a backslash
    within a field, any other backslash is itself."""
    fields: list[str] = []
    field: list[str] = []
    chars = iter(text)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            if following in (";", "\\"):
                field.append(following)
            else:
                field.append(char + following)
        elif char == ";":
            fields.append("".join(field))
            field = []
        else:
            field.append(char)
    fields.append("".join(field))
    return fields


def parse_line(text: str, flag: str) -> LineInput:
    r"""A product line from ``DESCRIPTION;QUANTITY;UNIT_PRICE[;VAT_RATE]`` (``\;`` a
    semicolon in the description); Refused naming ``flag`` (``--line 2``) otherwise."""
    fields = _fields(text)
    if not 3 <= len(fields) <= 4:
        raise Refused(
            f"{flag}: must be {LINE_SYNTAX} (write a semicolon in the description as \\;), "
            f"not {text!r}"
        )
    description = fields[0].strip()
    if not description:
        raise Refused(f"{flag}: the description is empty")
    quantity = _number(fields[1], flag, "quantity", "1 or 2.5")
    unit_price = _number(fields[2], flag, "unit price", "499.00")
    rate = None if len(fields) == 3 else _number(fields[3], flag, "VAT rate", "25 or 0")
    return LineInput(
        description=description, quantity=quantity, unit_price=unit_price, vat_rate=rate
    )


def _lines(values: Sequence[str]) -> list[LineInput]:
    return [parse_line(value, f"--line {index}") for index, value in enumerate(values, 1)]


def show_line(line: Line) -> str:
    """A schedule's line in the ``--line`` syntax (what ``parse_line`` reads)."""
    description = line.description.replace("\\", "\\\\").replace(";", "\\;")
    if not isinstance(line, ProductLine):
        return f"{description} ({line.line_type.value} line)"
    return f"{description};{line.quantity};{line.unit_price};{line.vat_rate}"


def parse_every(value: str) -> Cadence:
    """month, quarter, year, N-days or N-months."""
    text = value.strip().lower()
    if text in _NAMED_CADENCES:
        unit, count = _NAMED_CADENCES[text]
    elif match := _EVERY.fullmatch(text):
        count = int(match[1])
        unit = Unit.DAY if match[2].startswith("day") else Unit.MONTH
    else:
        raise argparse.ArgumentTypeError(
            f"must be month, quarter, year, N-days or N-months, not {value!r}"
        )
    try:
        return Cadence(unit, count)
    except ValidationError as err:
        raise argparse.ArgumentTypeError(f"{value!r}: {err.errors[0].message}") from None


def show_every(cadence: Cadence) -> str:
    """A cadence in the ``--every`` syntax."""
    for name, (unit, count) in _NAMED_CADENCES.items():
        if (cadence.unit, cadence.count) == (unit, count):
            return name
    return f"{cadence.count}-{cadence.unit.value}s"


# -- the commands ------------------------------------------------------------------------


def _billing(args: argparse.Namespace) -> Billing:
    # A schedule names its channel; nothing is sent here, so the channels are the names
    # a run may be configured with (faktura run reports one it was not given settings of).
    return Billing(open_store_at(args.store, create=False), channels=placeholder_channels())


def _with_billing(args: argparse.Namespace, use: Callable[[Billing], Schedule]) -> Schedule:
    billing = _billing(args)
    try:
        with flags_named(_flag):
            return use(billing)
    finally:
        billing.store.close()


def _create(args: argparse.Namespace) -> int:
    new = NewSchedule(
        customer_id=args.customer,
        lines=_lines(args.line),
        start=args.start,
        cadence=args.every,
        timing=Timing.ARREARS if args.arrears else Timing.ADVANCE,
        end=args.end,
        anchor_day=args.anchor_day,
        proration=Proration.NONE if args.no_proration else Proration.DAILY,
        currency=args.currency,
        payment_terms=args.payment_terms,
        channel=args.channel,
        description=args.description,
    )
    schedule = _with_billing(args, lambda b: b.create_schedule(args.company, new))
    print(schedule.id)
    return 0


def _list(args: argparse.Namespace) -> int:
    billing = _billing(args)
    schedules: list[Schedule] = []
    try:
        with flags_named(_flag):
            after: str | None = None
            while True:
                page = billing.list_schedules(args.company, after=after, limit=1000)
                schedules.extend(page)
                if len(page) < 1000:
                    break
                after = page[-1].id
    finally:
        billing.store.close()
    rows = [
        (
            s.id,
            s.customer_id,
            show_every(s.cadence),
            s.timing.value,
            s.start.isoformat(),
            s.end.isoformat() if s.end else "-",
            s.channel or "-",
            "active" if s.active else "paused",
        )
        for s in schedules
    ]
    header = ("id", "customer", "every", "billed", "start", "end", "channel", "state")
    print(text_table(header, rows))
    return 0


def _show_schedule(schedule: Schedule) -> str:
    terms = schedule.payment_terms
    rows = [
        ("id", schedule.id),
        ("customer", schedule.customer_id),
        ("every", show_every(schedule.cadence)),
        ("billed", f"in {schedule.timing.value}"),
        ("start", schedule.start.isoformat()),
        ("end", schedule.end.isoformat() if schedule.end else None),
        ("anchor day", schedule.anchor_day),
        ("proration", schedule.proration.value),
        ("channel", schedule.channel),
        ("payment terms", None if terms is None else f"{terms.kind.value} {terms.days} days"),
        ("currency", schedule.currency),
        ("description", schedule.description),
        ("state", "active" if schedule.active else "paused"),
        ("version", schedule.version),
    ]
    text = "\n".join(
        f"{label + ':':<15}{value if value is not None else '-'}" for label, value in rows
    )
    for version in schedule.versions:
        text += f"\nlines from {version.effective.isoformat()}:"
        text += "".join(f"\n  {show_line(line)}" for line in version.lines)
    return text


def _show(args: argparse.Namespace) -> int:
    schedule = _with_billing(args, lambda b: b.get_schedule(args.company, args.schedule_id))
    print(_show_schedule(schedule))
    return 0


def _changed(args: argparse.Namespace, changes: ScheduleChanges) -> int:
    schedule = _with_billing(
        args, lambda b: b.update_schedule(args.company, args.schedule_id, changes)
    )
    print(_show_schedule(schedule))
    return 0


def _end(args: argparse.Namespace) -> int:
    return _changed(args, ScheduleChanges(end=args.on))


def _pause(args: argparse.Namespace) -> int:
    return _changed(args, ScheduleChanges(active=False))


def _resume(args: argparse.Namespace) -> int:
    return _changed(args, ScheduleChanges(active=True))


def _change(args: argparse.Namespace) -> int:
    lines = _lines(args.line)
    schedule = _with_billing(
        args,
        lambda b: b.change_schedule_lines(args.company, args.schedule_id, args.effective, lines),
    )
    print(_show_schedule(schedule))
    return 0


# -- the parsers -------------------------------------------------------------------------

_LINE_DESCRIPTION = """\
Bill a customer every month (or other cadence) from a date on.

A line is one --line value, DESCRIPTION;QUANTITY;UNIT_PRICE[;VAT_RATE]: the fields
separated by semicolons, the numbers with a decimal point ('Hosting;1;499.00',
'Support hours;2.5;850;25'), the VAT rate in percent (the customer's standard rate when
left out; 0 makes the line zero rated). A semicolon inside the description is written
\\; and a backslash \\\\ ("faktura schedules show" prints the lines in the same
syntax)."""

_LINE_HELP = (
    f"{LINE_SYNTAX}, e.g. 'Hosting;1;499.00' or 'Support;2.5;850;25' (VAT in percent, "
    "default the customer's standard rate; \\; for a semicolon in the description); repeat "
    "for several lines"
)


def _targeted(
    actions: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help: str
) -> argparse.ArgumentParser:
    parser = actions.add_parser(name, help=help)
    parser.add_argument("--company", required=True, help="company id")
    parser.add_argument("schedule_id", metavar="SCHEDULE_ID")
    with_store(parser)
    return parser


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    schedules = commands.add_parser(
        "schedules", help="recurring invoices: create, list, show, end, pause, change"
    )
    actions = schedules.add_subparsers(dest="action", required=True, metavar="ACTION")

    create = actions.add_parser(
        "create",
        help="bill a customer every month (or other cadence); prints the schedule's id",
        description=_LINE_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    create.add_argument("--company", required=True, help="company id")
    create.add_argument("--customer", required=True, help="customer id")
    create.add_argument("--line", action="append", required=True, metavar="LINE", help=_LINE_HELP)
    create.add_argument(
        "--start", type=date_arg, required=True, metavar="DATE", help="first day billed"
    )
    create.add_argument(
        "--every",
        type=parse_every,
        default=Cadence.monthly(),
        metavar="CADENCE",
        help="month (default), quarter, year, N-days or N-months",
    )
    create.add_argument(
        "--arrears",
        action="store_true",
        help="bill each period on the day after it ends (default: on its first day)",
    )
    create.add_argument(
        "--end", type=date_arg, metavar="DATE", help="last day billed (default: open-ended)"
    )
    create.add_argument(
        "--anchor-day",
        type=count_arg(1, 31),
        metavar="N",
        help="day of the month the periods begin on (default the start's day)",
    )
    create.add_argument(
        "--no-proration",
        action="store_true",
        help="bill a period cut short by the start, end or a change whole, not by day",
    )
    create.add_argument(
        "--channel",
        choices=["email", "einvoice", "manual"],
        help="deliver each invoice so (faktura run); default: booked, not sent",
    )
    create.add_argument(
        "--payment-terms",
        type=count_arg(0, 999),
        metavar="DAYS",
        help="days net (default the customer's, else the company's)",
    )
    create.add_argument("--currency", help="ISO 4217 code (default the customer's)")
    create.add_argument("--description", metavar="TEXT", help="the invoices' description")
    with_store(create)
    create.set_defaults(run=_create)

    listing = actions.add_parser("list", help="list a company's schedules")
    listing.add_argument("--company", required=True, help="company id")
    with_store(listing)
    listing.set_defaults(run=_list)

    _targeted(actions, "show", "print a schedule and its lines").set_defaults(run=_show)
    end = _targeted(actions, "end", "end a schedule: the last day it bills")
    end.add_argument("--on", type=date_arg, required=True, metavar="DATE", help="last day")
    end.set_defaults(run=_end)
    _targeted(actions, "pause", "bill nothing until resumed").set_defaults(run=_pause)
    _targeted(actions, "resume", "bill again after a pause").set_defaults(run=_resume)
    change = _targeted(actions, "change", "bill other lines from a date on")
    change.add_argument(
        "--from",
        dest="effective",
        type=date_arg,
        required=True,
        metavar="DATE",
        help="first day the new lines bill (a period it splits is prorated by day unless "
        "the schedule says not)",
    )
    change.add_argument("--line", action="append", required=True, metavar="LINE", help=_LINE_HELP)
    change.set_defaults(run=_change)
