"""``faktura schedules``, ``faktura run`` and ``faktura book`` on SQLite files (and once
on PostgreSQL): schedules made and changed from the command line, billing runs that
print their summary (a second run skips what the first did), progress on stderr (plain
lines in a log, a redrawn bar on a terminal), deliveries to a real local access point,
batch booking with a refusal, and bad input ending with one line naming the flag (exit
code 2)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from faktura import Status
from faktura.billing import Billing
from faktura.cli import main
from faktura.commands import NewCustomer
from faktura.schedules import Period, current_month, period_id
from faktura.storage import open_store
from faktura.testing.access_point import LocalAccessPoint
from faktura.testing.parties import BUYER_ADDRESS
from faktura.wire import new_draft

pytest_plugins = ["pg_fixture"]

FAKTURA = [sys.executable, "-m", "faktura.cli"]
EAN = "5790000436057"
SELLER = ["--cvr", "13585628", "--vat-id", "DK13585628", "--street", "Vestergade 1"]
SELLER += ["--postal-code", "8000", "--city", "Aarhus C"]


@attrs.frozen
class World:
    """A SQLite file with a company (made by ``faktura companies create``) and two
    customers (the command line has no customer commands: made by the library)."""

    path: Path
    company: str
    customer: str
    region: str  # a customer with an EAN, reachable by e-invoice

    @property
    def store(self) -> str:
        return f"sqlite:///{self.path}"

    def billing(self) -> Billing:
        return Billing(open_store(self.store))


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def world(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    for variable in [v for v in os.environ if v.startswith(("FAKTURA_SMTP_", "FAKTURA_SPROOM"))]:
        monkeypatch.delenv(variable)
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "faktura.db"
    code, out, err = cli(
        capsys,
        "companies",
        "create",
        "--name",
        "Nordlys ApS",
        *SELLER,
        "--store",
        f"sqlite:///{path}",
    )
    assert code == 0, err
    company = out.strip()
    billing = Billing(open_store(f"sqlite:///{path}"))
    try:
        fjord = billing.create_customer(
            company, NewCustomer(name="Fjord A/S", address=BUYER_ADDRESS, email="ap@fjord.example")
        )
        region = billing.create_customer(
            company,
            NewCustomer(name="Region Midtjylland", number="K-1001", address=BUYER_ADDRESS, ean=EAN),
        )
    finally:
        billing.store.close()
    return World(path, company, fjord.id, region.id)


def summary(out: str) -> dict[str, str]:
    """The counts of a run's summary (the lines before the failures' table)."""
    head = out.split("\n\n")[0]
    return {
        label.rstrip(":"): value.strip()
        for label, value in (line.split(maxsplit=1) for line in head.splitlines())
    }


def failures(out: str) -> list[list[str]]:
    """The rows of a run's failures table: schedule, period, invoice, stage, reason."""
    if "\n\n" not in out:
        return []
    lines = out.split("\n\n", 1)[1].strip().splitlines()
    assert lines[0].split() == ["schedule", "period", "invoice", "stage", "reason"]
    return [line.split(maxsplit=4) for line in lines[2:]]


def create_schedule(
    capsys: pytest.CaptureFixture[str], world: World, *options: str, customer: str | None = None
) -> str:
    code, out, err = cli(
        capsys,
        "schedules",
        "create",
        "--company",
        world.company,
        "--customer",
        customer or world.customer,
        "--store",
        world.store,
        *options,
    )
    assert code == 0, err
    assert err == ""
    return out.strip()


# -- schedules and runs ------------------------------------------------------------------


def test_a_run_bills_what_is_due_and_a_second_run_skips_it(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # made first, so billed first: a run takes the schedules in the order they were made
    quarterly = create_schedule(
        capsys,
        world,
        *("--line", "Audit;1;3000", "--start", "2026-04-01", "--every", "quarter"),
        *("--arrears", "--payment-terms", "30"),
    )
    monthly = create_schedule(
        capsys,
        world,
        *("--line", "Hosting;1;499.00", "--line", r"Support\; on call;2.5;850;0"),
        *("--start", "2026-07-15", "--channel", "manual", "--description", "Drift"),
    )
    code, out, _ = cli(
        capsys, "schedules", "list", "--company", world.company, "--store", world.store
    )
    assert code == 0
    rows = [line.split() for line in out.splitlines()[2:]]
    assert [row[0] for row in rows] == sorted([monthly, quarterly])
    by_id = {row[0]: row for row in rows}
    assert by_id[monthly][2:] == ["month", "advance", "2026-07-15", "-", "manual", "active"]
    assert by_id[quarterly][2:] == ["quarter", "arrears", "2026-04-01", "-", "-", "active"]
    code, out, _ = cli(
        capsys, "schedules", "show", "--company", world.company, monthly, "--store", world.store
    )
    assert code == 0
    assert out.splitlines()[-3:] == [
        "lines from 2026-07-15:",
        "  Hosting;1;499.00;25",
        r"  Support\; on call;2.5;850;0",
    ]

    # July to September: the quarter April to June, billed in arrears on July 1st (1),
    # and the monthly one's periods from the 15th (3); a document per transaction. Every
    # one is dated the day of the run.
    window = "2026-07-01..2026-09-30"
    run = ["run", "--company", world.company, "--period", window, "--store", world.store]
    code, out, err = cli(capsys, *run, "--batch-size", "1")
    assert code == 0, out + err
    assert summary(out) == {
        "period": window,
        "due": "4",
        "created": "4",
        "booked": "4",
        "delivered": "3",  # the quarterly schedule has no channel: booked, not sent
        "skipped": "0",
        "failed": "0",
        "overdue": "0",
    }
    assert failures(out) == []
    assert err.splitlines()[0].startswith(f"faktura run: billing {window} for Nordlys ApS ")
    assert err.splitlines()[1:] == [
        f"faktura run: {n}/4 due done (created {n}, booked {n}, delivered {d}, failed 0)"
        for n, d in ((1, 0), (2, 1), (3, 2), (4, 3))
    ]

    billing = world.billing()
    try:
        invoices = {i.id: i for i in billing.list_invoices(world.company, limit=100).items}
        periods = [
            (monthly, Period(date(2026, 7, 15), date(2026, 8, 14))),
            (monthly, Period(date(2026, 8, 15), date(2026, 9, 14))),
            (monthly, Period(date(2026, 9, 15), date(2026, 10, 14))),
        ]
        quarter = (quarterly, Period(date(2026, 4, 1), date(2026, 6, 30)))
        assert set(invoices) == {period_id(s, p) for s, p in (quarter, *periods)}
        assert sorted(i.number or "" for i in invoices.values()) == ["1", "2", "3", "4"]
        first = billing.get_invoice(world.company, period_id(*periods[0]))
        assert [(ln.description, ln.quantity) for ln in first.lines] == [  # type: ignore[union-attr]
            ("Hosting", 1),
            ("Support; on call", Decimal("2.5")),
        ]
        assert first.totals.amount == Decimal("499.00") * Decimal("1.25") + Decimal("2125.00")
        audit = billing.get_invoice(world.company, period_id(*quarter))
        assert (audit.issue_date, audit.number) == (first.issue_date, "1")
        assert audit.issue_date >= date(2026, 12, 7)  # the day of the run
        assert audit.status is Status.SENDING  # booked, not delivered
    finally:
        billing.store.close()

    code, out, err = cli(capsys, *run)
    assert code == 0, out + err
    assert summary(out) == {
        "period": window,
        "due": "4",
        "created": "0",
        "booked": "0",
        "delivered": "0",
        "skipped": "4",
        "failed": "0",
        "overdue": "0",
    }
    assert err.splitlines()[1:] == [
        "faktura run: 4/4 due done (created 0, booked 0, delivered 0, failed 0)"
    ]


def test_schedules_end_pause_resume_and_change(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    schedule = create_schedule(
        capsys, world, "--line", "Hosting;1;100", "--start", "2026-01-01", "--no-proration"
    )
    target = ["--company", world.company, schedule, "--store", world.store]

    def shown(out: str) -> dict[str, str]:
        return dict(
            line.split(":", 1) for line in out.splitlines() if not line.startswith(("  ", "lines"))
        )

    code, out, err = cli(capsys, "schedules", "pause", *target)
    assert code == 0, err
    assert shown(out)["state"].strip() == "paused"
    code, out, _ = cli(
        capsys, "run", "--company", world.company, "--period", "2026-03", "--store", world.store
    )
    assert code == 0
    assert (summary(out)["due"], summary(out)["created"]) == ("0", "0")  # paused: nothing due

    code, out, err = cli(capsys, "schedules", "resume", *target)
    assert code == 0, err
    assert shown(out)["state"].strip() == "active"
    code, out, err = cli(
        capsys, "schedules", "change", *target, "--from", "2026-04-16", "--line", "Hosting;1;200"
    )
    assert code == 0, err
    assert out.splitlines()[-4:] == [
        "lines from 2026-01-01:",
        "  Hosting;1;100;25",
        "lines from 2026-04-16:",
        "  Hosting;1;200;25",
    ]
    code, out, err = cli(capsys, "schedules", "end", *target, "--on", "2026-05-31")
    assert code == 0, err
    assert shown(out)["end"].strip() == "2026-05-31"
    assert shown(out)["version"].strip() == "5"  # made, paused, resumed, changed, ended

    window = ["--period", "2026-04-01..2026-07-31", "--no-deliver"]
    code, out, err = cli(capsys, "run", "--company", world.company, *window, "--store", world.store)
    assert code == 0, err
    assert (summary(out)["due"], summary(out)["booked"]) == ("2", "2")  # April and May
    billing = world.billing()
    try:
        april = billing.get_invoice(
            world.company, period_id(schedule, Period(date(2026, 4, 1), date(2026, 4, 30)))
        )
        may = billing.get_invoice(
            world.company, period_id(schedule, Period(date(2026, 5, 1), date(2026, 5, 31)))
        )
    finally:
        billing.store.close()
    # without proration the period the change splits is billed whole at its first day's
    # price; the next at the new one
    assert april.totals.subtotal == Decimal("100.00")
    assert may.totals.subtotal == Decimal("200.00")


def test_a_delivery_that_fails_is_reported_and_a_later_run_delivers_it(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    schedule = create_schedule(
        capsys,
        world,
        *("--line", "Licens;1;1200", "--start", "2026-12-01", "--channel", "einvoice"),
        customer=world.region,
    )
    invoice = period_id(schedule, Period(date(2026, 12, 1), date(2026, 12, 31)))
    run = ["run", "--company", world.company, "--period", "2026-12", "--store", world.store]
    code, out, err = cli(capsys, *run)  # no access point configured
    assert code == 1, out + err
    # the channel is checked before the number: the draft waits, unbooked
    assert (summary(out)["created"], summary(out)["booked"]) == ("1", "0")
    assert summary(out)["failed"] == "1"
    [row] = failures(out)
    assert row[:4] == [schedule, "2026-12-01..2026-12-31", invoice, "book"]
    assert "einvoice delivery is not configured" in row[4]
    assert "--sproom-url" in row[4]

    with LocalAccessPoint(participants={f"0088:{EAN}"}) as access_point:
        monkeypatch.setenv("FAKTURA_SPROOM_URL", access_point.url)
        monkeypatch.setenv("FAKTURA_SPROOM_TOKEN", access_point.token)
        code, out, err = cli(capsys, *run)
        assert code == 0, out + err
        assert (summary(out)["booked"], summary(out)["delivered"]) == ("1", "1")
        [document] = access_point.documents.values()
        assert document.recipient == f"0088:{EAN}"
        assert b"<cbc:ID>1</cbc:ID>" in document.ubl
        code, out, err = cli(capsys, *run)  # delivered: nothing more to do
        assert code == 0, out + err
        assert (summary(out)["skipped"], summary(out)["delivered"]) == ("1", "0")
        assert len(access_point.documents) == 1


def test_progress_on_a_terminal_is_one_redrawn_line(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    for start in ("2026-12-01", "2026-12-02", "2026-12-03"):
        create_schedule(capsys, world, "--line", "Hosting;1;100", "--start", start)
    controller, terminal = pty.openpty()
    try:
        result = subprocess.run(
            [
                *FAKTURA,
                *("run", "--company", world.company, "--period", "2026-12"),
                *("--batch-size", "1", "--store", world.store),
            ],
            stdout=subprocess.PIPE,
            stderr=terminal,
            text=True,
            check=False,
            timeout=60,
        )
        os.close(terminal)
        terminal = -1
        written = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not chunk:
                break
            written += chunk
    finally:
        if terminal != -1:
            os.close(terminal)
        os.close(controller)
    assert result.returncode == 0, written
    assert summary(result.stdout)["booked"] == "3"
    text = written.decode().replace("\r\n", "\n")  # the terminal's own newline mapping
    head, bar = text.split("\n", 1)
    assert head.startswith("faktura run: billing ")
    assert bar.endswith("\n")
    assert bar.count("\n") == 1
    frames = bar.rstrip("\n").split("\r")[1:]
    assert len(frames) == 3
    assert [frame.split("]")[1].split()[0] for frame in frames] == ["1/3", "2/3", "3/3"]
    assert frames[-1].startswith("[" + "#" * 30 + "]")


# -- faktura book ------------------------------------------------------------------------


def test_book_books_drafts_in_batches_and_reports_the_refused(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    billing = world.billing()
    try:
        line = {"description": "Konsulent", "quantity": "2", "unitPrice": "950.00"}
        drafts = [
            billing.create_draft(
                world.company, new_draft({"customerId": world.customer, "lines": [line]})
            ).id
            for _ in range(4)
        ]
        booked_before = billing.book(world.company, drafts[2]).number
        # a draft that cannot be booked without a rate: a Danish seller's EUR invoice
        # states its VAT in DKK
        bad = billing.create_draft(
            world.company,
            new_draft({"customerId": world.customer, "currency": "EUR", "lines": [line]}),
        ).id
    finally:
        billing.store.close()
    ids = [drafts[0], bad, drafts[1], drafts[2], drafts[3]]
    code, out, err = cli(
        capsys,
        "book",
        "--company",
        world.company,
        *ids,
        "--batch-size",
        "2",
        "--store",
        world.store,
    )
    assert code == 1, out + err
    head, booked, refused = out.strip().split("\n\n")
    assert head == "booked 3, refused 2"
    booked_rows = [line.split() for line in booked.splitlines()[2:]]
    refused_rows = [line.split(maxsplit=1) for line in refused.splitlines()[2:]]
    assert [row[0] for row in booked_rows] == [drafts[0], drafts[1], drafts[3]]
    assert [row[0] for row in refused_rows] == [bad, drafts[2]]
    assert refused_rows[0][1].startswith("currency: an exchange rate EUR/DKK for ")
    assert refused_rows[1][1] == "cannot book an invoice in status sending"

    billing = world.billing()
    try:
        stored = {i: billing.get_invoice(world.company, i) for i in ids}
    finally:
        billing.store.close()
    for invoice_id, number in booked_rows:
        assert stored[invoice_id].number == number
    numbers = sorted(int(row[1]) for row in booked_rows)
    assert numbers == [int(booked_before or 0) + k for k in (1, 2, 3)]  # no number used
    assert stored[bad].status is Status.DRAFT
    assert stored[bad].number is None

    code, out, err = cli(
        capsys, "book", "--company", world.company, drafts[0], "--store", world.store
    )
    assert code == 1
    assert out.startswith("booked 0, refused 1")
    # with the rate the refused one is booked, with the next number
    code, out, err = cli(
        capsys,
        *("book", "--company", world.company, bad, "--store", world.store),
        *("--exchange-rate", "EUR=7.4604"),
    )
    assert code == 0, out + err
    assert out.strip().splitlines()[-1].split() == [bad, str(max(numbers) + 1)]


# -- bad input ---------------------------------------------------------------------------

BAD_INPUTS = [
    (["run"], "--company"),
    (["run", "--company", "C"], "company"),
    (["run", "--company", "{company}", "--period", "2026-13"], "--period"),
    (["run", "--company", "{company}", "--period", "December"], "--period"),
    (["run", "--company", "{company}", "--period", "2026-12-15..2026-12-01"], "--period"),
    (["run", "--company", "{company}", "--batch-size", "0"], "--batch-size"),
    (["run", "--company", "{company}", "--batch-size", "many"], "--batch-size"),
    (["run", "--company", "{company}", "--smtp-host", "smtp.example.dk"], "--smtp-sender"),
    (["run", "--company", "{company}", "--sproom-url", "http://x"], "--sproom-token"),
    (["run", "--company", "{company}", "--exchange-rate", "EUR"], "--exchange-rate"),
    (["run", "--company", "{company}", "--store", "sqlite:///missing.db"], "--store"),
    (["book", "--company", "{company}"], "INVOICE_ID"),
    (["book", "--company", "{company}", "x", "--batch-size", "10001"], "--batch-size"),
    (["book", "--company", "{company}", " padded "], "INVOICE_ID 1"),
    (["schedules", "create", "--company", "{company}", "--customer", "{customer}"], "--line"),
    (["schedules", "create", "{create}", "--line", "Hosting;1"], "--line 1"),
    (["schedules", "create", "{create}", "--line", "Hosting;1;49,50"], "--line 1: unit price"),
    (["schedules", "create", "{create}", "--line", "Hosting;1;-5"], "--line 1: unit price"),
    (["schedules", "create", "{create}", "--line", "Hosting;1;5", "--line", "X;y;5"], "--line 2"),
    (["schedules", "create", "{create}", "--line", "A;1;5;-25"], "--line 1: vat rate"),
    (["schedules", "create", "{create}", "--line", "A;1;5", "--every", "weekly"], "--every"),
    (["schedules", "create", "{create}", "--line", "A;1;5", "--every", "0-days"], "--every"),
    (["schedules", "create", "{create}", "--line", "A;1;5", "--anchor-day", "32"], "--anchor-day"),
    (["schedules", "create", "{create}", "--line", "A;1;5", "--channel", "fax"], "--channel"),
    (["schedules", "create", "{create}", "--line", "A;1;5", "--currency", "XYZ"], "--currency"),
    (["schedules", "create", "{create}", "--line", "A;1;5", "--payment-terms", "x"], "--payment"),
    (
        [
            "schedules",
            "create",
            "--company",
            "{company}",
            "--customer",
            "0123456789abcdef",
            "--start",
            "2026-01-01",
            "--line",
            "A;1;5",
        ],
        "--customer",
    ),
    (
        [
            "schedules",
            "create",
            "--company",
            "{company}",
            "--customer",
            "{customer}",
            "--start",
            "2026-02-30",
            "--line",
            "A;1;5",
        ],
        "--start",
    ),
    (["schedules", "show", "--company", "{company}", "0123456789abcdef"], "schedule"),
    (["schedules", "end", "--company", "{company}", "{schedule}", "--on", "soon"], "--on"),
    (
        [
            "schedules",
            "change",
            "--company",
            "{company}",
            "{schedule}",
            "--from",
            "2025-06-01",
            "--line",
            "A;1;5",
        ],
        "--from",
    ),
    (
        ["schedules", "change", "--company", "{company}", "{schedule}", "--from", "2026-06-01"],
        "--line",
    ),
    (["schedules", "list", "--company", "0123456789abcdef"], "company"),
]


@pytest.mark.parametrize(("argv", "names"), BAD_INPUTS, ids=lambda v: " ".join(v)[:70])
def test_bad_input_is_one_line_naming_the_flag_and_exit_2(
    argv: list[str], names: str, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    schedule = create_schedule(capsys, world, "--line", "A;1;5", "--start", "2026-01-01")
    create = ["--company", world.company, "--customer", world.customer, "--start", "2026-01-01"]
    expanded: list[str] = []
    for arg in argv:
        if arg == "{create}":
            expanded.extend(create)
        else:
            expanded.append(
                arg.format(company=world.company, customer=world.customer, schedule=schedule)
            )
    before = world.path.read_bytes()
    code, out, err = cli(capsys, *expanded)
    assert code == 2, out + err
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("faktura ")
    assert "error: " in lines[0]
    assert names.lower() in lines[0].lower()
    assert "Traceback" not in err
    assert world.path.read_bytes() == before  # nothing written


def test_a_run_without_a_period_bills_the_current_month(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    today = date.today()
    create_schedule(capsys, world, "--line", "Hosting;1;100", "--start", today.isoformat())
    code, out, err = cli(
        capsys, "run", "--company", world.company, "--no-deliver", "--store", world.store
    )
    if date.today() != today:  # midnight passed meanwhile: the month may differ
        pytest.skip("the day changed during the test")
    assert code == 0, out + err
    first, _ = current_month(today)
    assert summary(out)["period"] == f"{first}..{today}"  # what has fallen due: up to today
    assert (summary(out)["due"], summary(out)["booked"]) == ("1", "1")


# -- on PostgreSQL -----------------------------------------------------------------------


def test_schedules_runs_booking_and_webhooks_on_postgresql(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same commands on a PostgreSQL store (``--store postgresql://...``)."""
    code, out, err = cli(
        capsys, "companies", "create", "--name", "Nordlys ApS", *SELLER, "--store", pg_url
    )
    assert code == 0, err
    company = out.strip()
    billing = Billing(open_store(pg_url))
    try:
        customer = billing.create_customer(
            company, NewCustomer(name="Fjord A/S", address=BUYER_ADDRESS)
        ).id
        line = {"description": "Konsulent", "quantity": "2", "unitPrice": "950.00"}
        draft = billing.create_draft(
            company, new_draft({"customerId": customer, "lines": [line]})
        ).id
    finally:
        billing.store.close()
    target = ["--company", company, "--store", pg_url]
    code, out, err = cli(
        capsys,
        *("schedules", "create", *target, "--customer", customer),
        *("--line", "Hosting;1;499.00", "--start", "2026-11-01"),
    )
    assert code == 0, err
    schedule = out.strip()
    window = ["--period", "2026-11-01..2026-12-31", "--no-deliver"]
    code, out, err = cli(capsys, "run", *target, *window)
    assert code == 0, out + err
    assert (summary(out)["due"], summary(out)["booked"]) == ("2", "2")  # November, December
    code, out, err = cli(capsys, "run", *target, *window)
    assert (summary(out)["booked"], summary(out)["skipped"]) == ("0", "2")
    code, out, err = cli(capsys, "book", *target, draft)
    assert code == 0, out + err
    assert out.splitlines()[0] == "booked 1, refused 0"
    assert out.split("\n\n")[1].splitlines()[2].split() == [draft, "3"]
    code, out, err = cli(capsys, "webhooks", "add", *target, "--url", "https://erp.example/h")
    assert code == 0, err
    endpoint = out.splitlines()[0]
    code, out, err = cli(capsys, "webhooks", "list", *target)
    assert code == 0, err
    assert endpoint in out
    billing = Billing(open_store(pg_url))
    try:
        november = Period(date(2026, 11, 1), date(2026, 11, 30))
        assert billing.get_invoice(company, period_id(schedule, november)).number is not None
    finally:
        billing.store.close()
