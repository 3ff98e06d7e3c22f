"""``faktura reminders``: a reminder run (what is due made, numbered, archived and sent),
a dry run that only shows it, the reminders listed, shown, their PDF written, one sent
again, and the company's reminder policy shown and set.

``reminders run`` and ``reminders send`` end with exit code 1 when a delivery failed (or
its outcome is unknown), each named with its reason on stdout, as ``faktura run`` does;
0 when everything was delivered (or, with ``--no-deliver``, made); 2 for bad input.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

import attrs

from faktura.billing import Billing
from faktura.billing.reminders import ReminderOutcome, ReminderRun
from faktura.cli.common import (
    Refused,
    date_arg,
    flags_named,
    open_store_at,
    text_table,
    the_company,
    with_store,
)
from faktura.cli.options import (
    add_delivery_options,
    add_font_options,
    add_reference_rate_option,
    delivery_channels,
    reference_rates,
    register_font,
)
from faktura.delivery.log import AttemptState, DeliveryAttempt
from faktura.dunning import Reminder, ReminderLevel, ReminderPlan, ReminderPolicy
from faktura.errors import ConfigurationError, ValidationError
from faktura.money import parse_decimal, total

__all__ = ["add_parser", "parse_levels"]

_FLAGS = {
    "company_id": "--company",
    "customer_id": "--customer",
    "reminder_id": "REMINDER_ID",
    "today": "--today",
    "currency": "--currency",
    "margin": "--margin",
    "compensation": "--compensation",
    "levels": "--levels",
}


def _flag(path: str) -> str:
    """``levels[1].fee`` → ``--levels 2: fee``; ``margin`` → ``--margin``."""
    if path.startswith("levels[") and "]" in path:
        index, _, field = path[len("levels[") :].partition("]")
        if index.isdigit():
            named = f"--levels {int(index) + 1}"
            field = field.lstrip(".").replace("_", " ")
            return f"{named}: {field}" if field else named
    return _FLAGS.get(path, path)


@contextlib.contextmanager
def _billing(args: argparse.Namespace, *, deliver: bool = False) -> Iterator[Billing]:
    """A Billing on ``--store`` with the reference rates the flags give, and, to deliver,
    the PDF font and the channels they configure (manual always; email when its
    settings are given: a customer with an address gets the reminder by email then,
    otherwise by hand)."""
    env = os.environ
    rates = reference_rates(args, env) if hasattr(args, "reference_rate") else None
    with contextlib.ExitStack() as stack:
        channels = None
        if deliver:
            register_font(args, env)
            channels = delivery_channels(args, env, stack)
        store = open_store_at(args.store, create=False)
        stack.callback(store.close)
        with flags_named(_flag):
            yield Billing(store, channels=channels, reference_rates=rates)


@contextlib.contextmanager
def _interest_named(args: argparse.Namespace) -> Iterator[None]:
    """A ConfigurationError about the reference rates names the flag that gives them."""
    try:
        yield
    except ConfigurationError as err:
        if "reference rate" not in err.message:
            raise
        if reference_rates(args, os.environ) is None:
            raise Refused(
                "--reference-rate (or FAKTURA_REFERENCE_RATES) is needed: the reminder "
                "policy charges interest (or set none: faktura reminders policy set "
                "--no-interest)"
            ) from None
        raise Refused(f"--reference-rate: {err.message}") from None


def _money(value: Decimal) -> str:
    return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else str(value)


def _names(billing: Billing, company_id: str, customer_ids: Sequence[str]) -> dict[str, str]:
    return {cid: billing.get_customer(company_id, cid).name for cid in set(customer_ids)}


# -- reminders run -----------------------------------------------------------------------

_RUN_HEADER = (
    "reminder",
    "customer",
    "level",
    "invoices",
    "fee",
    "interest",
    "compensation",
    "to pay",
    "delivery",
)


def _delivery(attempt: DeliveryAttempt) -> str:
    if attempt.state is AttemptState.PENDING:
        return "not sent"
    return f"{attempt.state.value} ({attempt.delivery_type.value})"


def _run(args: argparse.Namespace) -> int:
    with _billing(args, deliver=args.deliver and not args.dry_run) as billing:
        company_id = the_company(billing, args.company)
        today = args.today or billing.clock.today()
        with _interest_named(args):
            if args.dry_run:
                plans = billing.reminders_due(company_id, today=today)
                names = _names(billing, company_id, [p.customer_id for p in plans])
                currency = billing.reminder_policy(company_id).currency
                print(_planned(today, plans, names, currency))
                return 0
            # planned first: what the rates cannot price is refused before a customer's
            # reminders are made (a run makes and sends them customer by customer)
            billing.reminders_due(company_id, today=today)
            run = billing.run_reminders(company_id, today=today, deliver=args.deliver)
        names = _names(billing, company_id, [o.reminder.customer_id for o in run.reminders])
    print(_made(run, names))
    return 1 if any(_failed(o) for o in run.reminders) else 0


def _failed(outcome: ReminderOutcome) -> bool:
    return outcome.attempt.state in (AttemptState.FAILED, AttemptState.UNKNOWN)


def _made(run: ReminderRun, names: dict[str, str]) -> str:
    outcomes = run.reminders
    rows = [
        _row(o.reminder.number, names[o.reminder.customer_id], o.reminder, _delivery(o.attempt))
        for o in outcomes
    ]
    reminders = [o.reminder for o in outcomes]
    counts = [
        ("day", run.today.isoformat()),
        ("reminders", str(len(outcomes))),
        ("delivered", str(run.delivered)),
        ("not sent", str(sum(o.attempt.state is AttemptState.PENDING for o in outcomes))),
        ("failed", str(sum(_failed(o) for o in outcomes))),
        *_sums(reminders, reminders[0].currency if reminders else ""),
    ]
    text = _table_and_counts(rows, counts)
    failed = [
        (o.reminder.number, o.reminder.id, " ".join((o.attempt.error_message or "").split()))
        for o in outcomes
        if _failed(o)
    ]
    if failed:
        text += "\n\n" + text_table(("failed", "reminder id", "reason"), failed)
    return text


def _row(number: str, customer: str, doc: Reminder | ReminderPlan, delivery: str) -> list[str]:
    items = doc.items
    interest = total(i.interest for i in items)
    compensation = total(i.compensation for i in items)
    to_pay = total((doc.fee, interest, compensation, *(i.outstanding for i in items)))
    return [
        number,
        customer,
        str(doc.level),
        ",".join(i.number for i in items),
        _money(doc.fee),
        _money(interest),
        _money(compensation),
        _money(to_pay),
        delivery,
    ]


def _sums(docs: Sequence[Reminder | ReminderPlan], currency: str) -> list[tuple[str, str]]:
    """The charges (fees, interest, compensation) and the totals to pay of ``docs``."""
    if not docs:
        return []
    charges = total(
        total((d.fee, *(i.interest for i in d.items), *(i.compensation for i in d.items)))
        for d in docs
    )
    owed = total(i.outstanding for d in docs for i in d.items)
    return [
        ("charges", f"{_money(charges)} {currency}"),
        ("to pay", f"{_money(total((charges, owed)))} {currency}"),
    ]


def _table_and_counts(rows: Sequence[Sequence[str]], counts: Sequence[tuple[str, str]]) -> str:
    summary = "\n".join(f"{label + ':':<12}{value}" for label, value in counts)
    if not rows:
        return summary
    return text_table(_RUN_HEADER, rows) + "\n\n" + summary


def _planned(
    today: date, plans: Sequence[ReminderPlan], names: dict[str, str], currency: str
) -> str:
    rows = [_row("(new)", names[p.customer_id], p, "dry run") for p in plans]
    counts = [
        ("day", today.isoformat()),
        ("would make", str(len(plans))),
        *_sums(plans, currency),
    ]
    return _table_and_counts(rows, counts)


# -- list, show, pdf, send ---------------------------------------------------------------


def _list(args: argparse.Namespace) -> int:
    reminders: list[Reminder] = []
    with _billing(args) as billing:
        company_id = the_company(billing, args.company)
        if args.customer is not None:
            billing.get_customer(company_id, args.customer)
            reminders = billing.list_reminders(company_id, customer_id=args.customer, limit=1000)
        else:
            after: str | None = None
            while True:
                page = billing.list_reminders(company_id, after=after, limit=1000)
                reminders.extend(page)
                if len(page) < 1000:
                    break
                after = page[-1].id
        names = _names(billing, company_id, [r.customer_id for r in reminders])
    rows = [
        (
            r.id,
            r.number,
            r.issue_date.isoformat(),
            names[r.customer_id],
            str(r.level),
            str(len(r.items)),
            _money(r.charges),
            _money(r.charges_outstanding),
            f"{_money(r.to_pay)} {r.currency}",
        )
        for r in reminders
    ]
    header = (
        "id",
        "number",
        "date",
        "customer",
        "level",
        "invoices",
        "charges",
        "unpaid",
        "to pay",
    )
    print(text_table(header, rows) if rows else "no reminders")
    return 0


def _show(args: argparse.Namespace) -> int:
    with _billing(args) as billing:
        company_id = the_company(billing, args.company)
        reminder = billing.get_reminder(company_id, args.reminder_id)
        customer = billing.get_customer(company_id, reminder.customer_id)
        deliveries = billing.reminder_deliveries(company_id, reminder.id)
    cur = reminder.currency
    fields = [
        ("id", reminder.id),
        ("number", reminder.number),
        ("customer", f"{customer.name} ({customer.id})"),
        ("date", reminder.issue_date.isoformat()),
        ("pay by", reminder.pay_by.isoformat() if reminder.pay_by else "-"),
        ("level", str(reminder.level)),
        ("payment id", reminder.payment_id or "-"),
        ("fee", f"{_money(reminder.fee)} {cur}"),
        ("interest", f"{_money(reminder.interest)} {cur}"),
        ("compensation", f"{_money(reminder.compensation)} {cur}"),
        ("charges", f"{_money(reminder.charges)} {cur}"),
        ("charges paid", f"{_money(reminder.charges_paid)} {cur}"),
        ("to pay", f"{_money(reminder.to_pay)} {cur}"),
    ]
    text = "\n".join(f"{label + ':':<14}{value}" for label, value in fields)
    items = [
        (
            item.number,
            item.due_date.isoformat(),
            _money(item.amount),
            _money(item.outstanding),
            str(item.days_overdue),
            _money(item.interest),
            _money(item.compensation),
        )
        for item in reminder.items
    ]
    header = ("invoice", "due", "amount", "owed", "days late", "interest", "compensation")
    text += "\n\n" + text_table(header, items)
    if reminder.payments:
        paid = [
            (p.id or "-", p.date.isoformat(), _money(p.amount), p.reference or "")
            for p in reminder.payments
        ]
        text += "\n\n" + text_table(("payment", "date", "amount", "reference"), paid)
    attempts = [
        (
            str(a.sequence),
            a.started_at.isoformat(timespec="seconds"),
            a.delivery_type.value,
            a.recipient.address or "-",
            a.state.value,
            " ".join((a.error_message or "").split()),
        )
        for a in deliveries.attempts
    ]
    if attempts:
        text += "\n\n" + text_table(
            ("attempt", "started", "channel", "to", "state", "reason"), attempts
        )
    print(text)
    return 0


def _pdf(args: argparse.Namespace) -> int:
    with _billing(args) as billing:
        company_id = the_company(billing, args.company)
        data = billing.reminder_pdf(company_id, args.reminder_id)
    target = Path(args.output)
    try:
        target.write_bytes(data)
    except OSError as err:
        raise Refused(f"-o: cannot write {target}: {err.strerror}") from None
    print(f"wrote {target} ({len(data)} bytes)")
    return 0


def _send(args: argparse.Namespace) -> int:
    with _billing(args, deliver=True) as billing:
        company_id = the_company(billing, args.company)
        outcome = billing.send_reminder(company_id, args.reminder_id)
    attempt = outcome.attempt
    line = f"{outcome.reminder.number}: {_delivery(attempt)}"
    if attempt.error_message:
        line += f": {' '.join(attempt.error_message.split())}"
    print(line)
    return 0 if outcome.delivered else 1


# -- the policy --------------------------------------------------------------------------


def parse_levels(text: str, flag: str = "--levels") -> tuple[ReminderLevel, ...]:
    """``DAYS:FEE,DAYS:FEE,...`` (``10:100,20:100,30:100``): a level per pair, sent DAYS
    after the due date with FEE (0 for none); Refused naming ``flag`` and the level."""
    parts = [part.strip() for part in text.split(",")]
    if not text.strip() or any(not part for part in parts):
        raise Refused(f"{flag}: must be DAYS:FEE pairs such as 10:100,20:100,30:100, not {text!r}")
    levels: list[ReminderLevel] = []
    for n, part in enumerate(parts, 1):
        days, _, fee = part.partition(":")
        days, fee = days.strip(), fee.strip() or "0"
        if not days.isascii() or not days.isdigit():
            raise Refused(f"{flag} {n}: the days must be a whole number, not {part!r}")
        try:
            levels.append(ReminderLevel(int(days), parse_decimal(fee, "fee", places=2)))
        except ValidationError as err:
            reason = "; ".join(f"{e.path.replace('_', ' ')} {e.message}" for e in err.errors)
            raise Refused(f"{flag} {n}: {reason} ({part!r})") from None
    return tuple(levels)


def _show_policy(policy: ReminderPolicy) -> str:
    fields = [
        ("currency", policy.currency),
        ("interest", "none" if policy.margin is None else f"reference rate + {policy.margin} %"),
        (
            "compensation",
            "none"
            if policy.compensation is None
            else f"{_money(policy.compensation)} "
            f"{policy.currency} (business debtors, once per invoice)",
        ),
        ("series", policy.series.pattern),
        ("max fee", f"{_money(policy.limits.max_fee)} {policy.currency}"),
        ("fee reminders", f"at most {policy.limits.max_fee_reminders} per invoice"),
        ("interval", f"at least {policy.limits.min_interval_days} days"),
        ("enabled", "yes" if policy.enabled else "no"),
    ]
    text = "\n".join(f"{label + ':':<15}{value}" for label, value in fields)
    rows = [
        (
            str(n),
            str(level.days_after_due),
            _money(level.fee),
            "yes" if level.interest and policy.margin is not None else "no",
            " ".join((level.text or "-").split())[:60],
        )
        for n, level in enumerate(policy.levels, 1)
    ]
    return text + "\n\n" + text_table(("level", "days after due", "fee", "interest", "text"), rows)


def _policy(args: argparse.Namespace) -> int:
    with _billing(args) as billing:
        policy = billing.reminder_policy(the_company(billing, args.company))
    print(_show_policy(policy))
    return 0


def _policy_set(args: argparse.Namespace) -> int:
    if (
        not any(
            value is not None
            for value in (args.levels, args.margin, args.compensation, args.currency)
        )
        and not args.no_interest
    ):
        raise Refused(
            "give what to change: --levels, --margin, --no-interest, --compensation, --currency"
        )
    if args.no_interest and args.margin is not None:
        raise Refused("--margin: give --margin or --no-interest, not both")
    levels = None if args.levels is None else parse_levels(args.levels)
    with flags_named(_flag):
        margin = None if args.margin is None else parse_decimal(args.margin.strip(), "margin")
        compensation = None
        if args.compensation is not None and args.compensation.strip().lower() != "none":
            compensation = parse_decimal(args.compensation.strip(), "compensation")
    with _billing(args) as billing:
        company_id = the_company(billing, args.company)
        policy = billing.reminder_policy(company_id)
        if levels is not None:
            policy = attrs.evolve(policy, levels=levels)
        if args.no_interest:
            policy = attrs.evolve(policy, margin=None)
        elif margin is not None:
            policy = attrs.evolve(policy, margin=margin)
        if args.compensation is not None:
            policy = attrs.evolve(policy, compensation=compensation)
        if args.currency is not None:
            policy = attrs.evolve(policy, currency=args.currency.strip())
        saved = billing.set_reminder_policy(company_id, policy)
    print(_show_policy(saved))
    return 0


# -- the parsers -------------------------------------------------------------------------


def _with_company(parser: argparse.ArgumentParser, *, nested: bool = False) -> None:
    """--company and --store; ``nested`` (policy set): without defaults of its own, so
    that the ones given to ``policy`` before ``set`` stay."""
    company = "company id (default: the store's company, when it has one)"
    if nested:
        parser.add_argument("--company", default=argparse.SUPPRESS, help=company)
        parser.add_argument("--store", default=argparse.SUPPRESS, help="store URL")
    else:
        parser.add_argument("--company", help=company)
        with_store(parser)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    reminders = commands.add_parser(
        "reminders", help="reminders: run, list, show, pdf, send, policy"
    )
    actions = reminders.add_subparsers(dest="action", required=True, metavar="ACTION")

    run = actions.add_parser(
        "run",
        help="make and send the reminders due; exit 1 when a delivery failed",
        description="Make every reminder due (one per customer and level), number, archive "
        "and send it: by email when the customer has an address and email is configured, "
        "otherwise by hand. Safe to run again: what was made today is not made twice.",
    )
    _with_company(run)
    run.add_argument(
        "--today", type=date_arg, metavar="DATE", help="the day of the run (default today)"
    )
    run.add_argument(
        "--no-deliver",
        dest="deliver",
        action="store_false",
        help="make the reminders but send none (faktura reminders send sends one)",
    )
    run.add_argument(
        "--dry-run", action="store_true", help="print what would be made; write nothing"
    )
    add_reference_rate_option(run)
    add_delivery_options(run)
    add_font_options(run)
    run.set_defaults(run=_run)

    listing = actions.add_parser("list", help="list the reminders, oldest first")
    _with_company(listing)
    listing.add_argument("--customer", metavar="ID", help="only this customer's")
    listing.set_defaults(run=_list)

    show = actions.add_parser("show", help="print a reminder, its invoices and deliveries")
    _with_company(show)
    show.add_argument("reminder_id", metavar="REMINDER_ID")
    show.set_defaults(run=_show)

    pdf = actions.add_parser("pdf", help="write a reminder's PDF as it was sent")
    _with_company(pdf)
    pdf.add_argument("reminder_id", metavar="REMINDER_ID")
    pdf.add_argument("-o", "--output", required=True, metavar="FILE", help="the file to write")
    pdf.set_defaults(run=_pdf)

    send = actions.add_parser(
        "send", help="deliver a reminder again (the same PDF); exit 1 when it failed"
    )
    _with_company(send)
    send.add_argument("reminder_id", metavar="REMINDER_ID")
    add_delivery_options(send)
    add_font_options(send)
    send.set_defaults(run=_send)

    policy = actions.add_parser(
        "policy",
        help="show the reminder policy, or set it (policy set)",
        description="Show the company's reminder policy (renteloven's defaults until one is "
        "set); 'faktura reminders policy set' changes it.",
    )
    _with_company(policy)
    policy.set_defaults(run=_policy)
    steps = policy.add_subparsers(dest="step", metavar="set")
    change = steps.add_parser(
        "set",
        help="change the reminder policy (what is not given stays)",
        description="Change the company's reminder policy; what is not given stays as it "
        "is. The levels are checked against the legal limits (renteloven: at most DKK 100 "
        "a fee, three with a fee, 10 days apart).",
    )
    _with_company(change, nested=True)
    change.add_argument(
        "--levels",
        metavar="DAYS:FEE,...",
        help="the levels: days after the due date and fee, e.g. 10:100,20:100,30:100",
    )
    change.add_argument(
        "--no-interest", action="store_true", help="charge no late-payment interest"
    )
    change.add_argument(
        "--margin", metavar="POINTS", help="interest: percentage points over the reference rate"
    )
    change.add_argument(
        "--compensation",
        metavar="AMOUNT|none",
        help="what a business debtor owes once per invoice (310 in Denmark), or none",
    )
    change.add_argument("--currency", help="the currency of the fees (and the invoices reminded)")
    change.set_defaults(run=_policy_set)
