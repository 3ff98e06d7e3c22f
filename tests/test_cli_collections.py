"""``faktura reminders``, ``faktura payments`` and ``faktura statement`` on SQLite files,
in-process (``faktura.cli.main``), as tests/test_cli_runs.py runs the command line: a
dry run that writes nothing, a reminder run that makes, numbers and delivers by hand (a
second finds nothing due), a delivery over a real SMTP server (aiosmtpd) refused and
then sent again, the policy shown and set, payments by reference (with a key, twice), a
camt.053 statement imported twice, a reversal, the statement printed and as a PDF, and
bad input ending with one line naming the flag (exit code 2) with nothing written.

The invoices are made through ``Billing`` on the same file with a clock set in the past
(2026), so that the command line, on the system clock, finds them overdue; runs name
their day with ``--today``.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from faktura import Status
from faktura.billing import Billing
from faktura.cli import main
from faktura.commands import LineInput, NewCustomer, NewDraft
from faktura.dunning import DAYS_IN_YEAR, ReminderLevel
from faktura.storage import open_store
from faktura.testing.clock import ManualClock
from faktura.testing.parties import BUYER_ADDRESS
from test_delivery_email import SmtpServer, smtp_server  # noqa: F401  # the fixture

SELLER = ["--cvr", "13585628", "--vat-id", "DK13585628", "--street", "Vestergade 1"]
SELLER += ["--postal-code", "8000", "--city", "Aarhus C", "--fik-creditor", "12345678"]
SELLER += ["--reg-no", "1234", "--account-no", "0001234567", "--invoice-series", "{year}-{seq:04}"]
RATES = ["--reference-rate", "2026-01-01=1.60", "--reference-rate", "2026-07-01=1.35"]
#: Issued on 1 September 2026, due 14 days later: a month overdue on 20 October.
ISSUED = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
DUE = date(2026, 9, 15)
RUN_DAY = "2026-10-20"


@attrs.frozen
class World:
    """A SQLite file with a company (``faktura companies create``), a business customer
    (CVR: owes the compensation) and an invoice of 10,000.00 to it, booked and sent by
    hand on ``ISSUED``."""

    path: Path
    company: str
    customer: str
    invoice: str
    number: str

    @property
    def store(self) -> str:
        return f"sqlite:///{self.path}"

    def billing(self) -> Billing:
        return Billing(open_store(self.store))


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def make_invoice(
    store: str, company: str, customer: str, price: str = "8000.00", terms: int = 14
) -> tuple[str, str]:
    """An invoice of ``price`` + 25 % VAT sent by hand on ``ISSUED``, due ``terms`` days
    later."""
    billing = Billing(open_store(store), ManualClock(ISSUED))
    try:
        line = LineInput(description="Rådgivning", quantity=Decimal(1), unit_price=Decimal(price))
        draft = billing.create_draft(
            company, NewDraft(customer_id=customer, lines=[line], payment_terms=terms)
        )
        billing.send(company, draft.id, "manual")
        invoice = billing.get_invoice(company, draft.id)
    finally:
        billing.store.close()
    assert invoice.number is not None
    return invoice.id, invoice.number


@pytest.fixture
def world(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> World:
    for variable in [v for v in os.environ if v.startswith("FAKTURA_")]:
        monkeypatch.delenv(variable)
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "faktura.db"
    store = f"sqlite:///{path}"
    code, out, err = cli(
        capsys, "companies", "create", "--name", "Nordlys ApS", *SELLER, "--store", store
    )
    assert code == 0, err
    company = out.strip()
    billing = Billing(open_store(store))
    try:
        customer = billing.create_customer(
            company,
            NewCustomer(name="Købmand Jensen A/S", cvr="10150817", address=BUYER_ADDRESS),
        ).id
    finally:
        billing.store.close()
    invoice, number = make_invoice(store, company, customer)
    return World(path, company, customer, invoice, number)


def table(text: str) -> list[dict[str, str]]:
    """The rows of the first text table in ``text`` by column (cells are separated by
    two blanks or more)."""
    lines = text.strip().split("\n\n")[0].splitlines()
    header = re.split(r"\s{2,}", lines[0].strip())
    assert set(lines[1].replace(" ", "")) == {"-"}
    rows = []
    for line in lines[2:]:
        cells = re.split(r"\s{2,}", line.strip())
        cells += [""] * (len(header) - len(cells))  # empty last cells are not written
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


def counts(text: str) -> dict[str, str]:
    """The ``label: value`` lines of ``text``."""
    found = {}
    for line in text.splitlines():
        label, sep, value = line.partition(":")
        if sep and label and "  " not in label and not line.startswith(" "):
            found[label] = value.strip()
    return found


def expected_interest(amount: Decimal, days_at: list[tuple[int, Decimal]]) -> Decimal:
    """Interest on ``amount`` for (days, yearly percent) runs, summed and rounded once."""
    exact = sum((amount * days * rate for days, rate in days_at), Decimal(0))
    return (exact / (100 * DAYS_IN_YEAR)).quantize(Decimal("0.01"))


# -- reminders -----------------------------------------------------------------------------


def test_a_dry_run_writes_nothing_and_a_run_makes_each_reminder_once(
    world: World, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = ["--company", world.company, "--store", world.store]
    before = world.path.read_bytes()
    # the policy charges interest: without the reference rates nothing is made
    code, out, err = cli(capsys, "reminders", "run", *target, "--today", RUN_DAY)
    assert code == 2, out + err
    assert out == ""
    assert err.startswith("faktura reminders run: error: --reference-rate")
    assert world.path.read_bytes() == before

    code, out, err = cli(
        capsys, "reminders", "run", *target, "--today", RUN_DAY, "--dry-run", *RATES
    )
    assert code == 0, out + err
    assert world.path.read_bytes() == before  # a dry run writes nothing
    [planned] = table(out)
    # 10,000.00 × (1.35 + 8) % for the 35 days after the due date (all in the second half)
    interest = expected_interest(Decimal("10000.00"), [(35, Decimal("9.35"))])
    assert interest == Decimal("89.66")
    assert planned == {
        "reminder": "(new)",
        "customer": "Købmand Jensen A/S",
        "level": "1",
        "invoices": world.number,
        "fee": "100.00",
        "interest": str(interest),
        "compensation": "310.00",
        "to pay": str(Decimal("10410.00") + interest),
        "delivery": "dry run",
    }
    assert counts(out)["would make"] == "1"

    code, out, err = cli(capsys, "reminders", "run", *target, "--today", RUN_DAY, *RATES)
    assert code == 0, out + err
    [made] = table(out)
    assert made == {**planned, "reminder": "R-2026-0001", "delivery": "delivered (manual)"}
    summary = counts(out.split("\n\n")[1])
    assert summary["reminders"] == "1"
    assert (summary["delivered"], summary["failed"]) == ("1", "0")
    assert summary["charges"] == f"{Decimal('410.00') + interest} DKK"

    billing = world.billing()
    try:
        [reminder] = billing.list_reminders(world.company)
        assert (reminder.number, reminder.issue_date, reminder.level) == (
            "R-2026-0001",
            date(2026, 10, 20),
            1,
        )
        assert reminder.interest == interest
        assert reminder.to_pay == Decimal(made["to pay"])
        assert billing.reminder_deliveries(world.company, reminder.id).last is not None
        archived = billing.reminder_pdf(world.company, reminder.id)
    finally:
        billing.store.close()

    # the same day again: nothing is due (the interval has not passed)
    code, out, err = cli(capsys, "reminders", "run", *target, "--today", RUN_DAY, *RATES)
    assert code == 0, out + err
    assert counts(out)["reminders"] == "0"

    # the environment gives the rates as well; the company is the store's only one
    code, out, err = cli(capsys, "reminders", "list", "--store", world.store)
    assert code == 0, err
    [listed] = table(out)
    assert (listed["id"], listed["number"], listed["date"]) == (
        reminder.id,
        "R-2026-0001",
        RUN_DAY,
    )
    assert listed["unpaid"] == str(reminder.charges)
    code, out, _ = cli(capsys, "reminders", "list", *target, "--customer", world.customer)
    assert [row["id"] for row in table(out)] == [reminder.id]

    code, out, err = cli(capsys, "reminders", "show", *target, reminder.id)
    assert code == 0, err
    shown = counts(out.split("\n\n")[0])
    assert shown["number"] == "R-2026-0001"
    assert shown["to pay"] == f"{reminder.to_pay} DKK"
    assert shown["payment id"] == reminder.payment_id
    [item] = table(out.split("\n\n", 1)[1])
    assert (item["invoice"], item["due"], item["days late"]) == (world.number, str(DUE), "35")
    [attempt] = table(out.split("\n\n", 2)[2])
    assert (attempt["channel"], attempt["state"]) == ("manual", "delivered")

    pdf = tmp_path / "reminder.pdf"
    code, out, err = cli(capsys, "reminders", "pdf", *target, reminder.id, "-o", str(pdf))
    assert code == 0, err
    assert pdf.read_bytes() == archived
    assert archived.startswith(b"%PDF")


def test_the_policy_is_shown_and_set(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    target = ["--company", world.company, "--store", world.store]
    code, out, err = cli(capsys, "reminders", "policy", *target)
    assert code == 0, err
    assert counts(out)["interest"] == "reference rate + 8 %"
    assert [(r["days after due"], r["fee"]) for r in table(out.split("\n\n")[1])] == [
        ("10", "100.00"),
        ("20", "100.00"),
        ("30", "100.00"),
    ]
    code, out, err = cli(
        capsys,
        *("reminders", "policy", "set", *target, "--levels", "8:50, 20:0"),
        *("--no-interest", "--compensation", "none"),
    )
    assert code == 0, err
    assert counts(out)["interest"] == "none"
    assert counts(out)["compensation"] == "none"
    billing = world.billing()
    try:
        policy = billing.reminder_policy(world.company)
    finally:
        billing.store.close()
    assert policy.levels == (ReminderLevel(8, Decimal("50.00")), ReminderLevel(20, Decimal(0)))
    assert (policy.margin, policy.compensation, policy.currency) == (None, None, "DKK")

    # no interest now: a run needs no reference rates; 35 days late is the first level
    code, out, err = cli(capsys, "reminders", "run", *target, "--today", RUN_DAY, "--no-deliver")
    assert code == 0, out + err
    [made] = table(out)
    assert (made["fee"], made["interest"], made["compensation"]) == ("50.00", "0.00", "0.00")
    assert (made["to pay"], made["delivery"]) == ("10050.00", "not sent")
    assert (counts(out)["not sent"], counts(out)["delivered"]) == ("1", "0")
    billing = world.billing()
    try:
        [reminder] = billing.list_reminders(world.company)
    finally:
        billing.store.close()
    code, out, err = cli(capsys, "reminders", "send", *target, reminder.id)
    assert code == 0, out + err
    assert out.strip() == f"{made['reminder']}: delivered (manual)"

    # --company and --store before "set" count as well
    code, out, err = cli(capsys, "reminders", "policy", *target, "set", "--margin", "7.5")
    assert code == 0, err
    assert counts(out)["interest"] == "reference rate + 7.5 %"
    assert [r["fee"] for r in table(out.split("\n\n")[1])] == ["50.00", "0.00"]  # kept


def test_a_refused_delivery_fails_the_run_and_send_delivers_it_again(
    world: World,
    capsys: pytest.CaptureFixture[str],
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    billing = world.billing()
    try:
        customer = billing.create_customer(
            world.company,
            NewCustomer(name="Fjord A/S", email="ap@fjord.example", address=BUYER_ADDRESS),
        ).id
    finally:
        billing.store.close()
    _, number = make_invoice(world.store, world.company, customer, "400.00")
    smtp = ["--smtp-host", "127.0.0.1", "--smtp-port", str(smtp_server.port)]
    smtp += ["--smtp-sender", "faktura@nordlys.example", "--smtp-security", "none"]
    target = ["--company", world.company, "--store", world.store]
    smtp_server.recorder.rcpt_reply = "550 5.1.1 no such mailbox"
    code, out, err = cli(capsys, "reminders", "run", *target, "--today", RUN_DAY, *RATES, *smtp)
    assert code == 1, out + err
    rows = {row["customer"]: row for row in table(out)}
    assert rows["Fjord A/S"]["delivery"] == "failed (email)"
    assert rows["Fjord A/S"]["invoices"] == number
    assert rows["Købmand Jensen A/S"]["delivery"] == "delivered (manual)"  # no address
    assert counts(out)["failed"] == "1"
    [failed] = table(out.split("\n\n")[2])
    assert failed["failed"] == rows["Fjord A/S"]["reminder"]
    assert "550" in failed["reason"] or "mailbox" in failed["reason"]
    assert smtp_server.recorder.envelopes == []

    smtp_server.recorder.rcpt_reply = None
    reminder_id = failed["reminder id"]
    code, out, err = cli(capsys, "reminders", "send", *target, reminder_id, *smtp)
    assert code == 0, out + err
    assert out.strip() == f"{failed['failed']}: delivered (email)"
    [envelope] = smtp_server.recorder.envelopes
    assert envelope.rcpt_tos == ["ap@fjord.example"]
    code, out, err = cli(capsys, "reminders", "show", *target, reminder_id)
    assert [row["state"] for row in table(out.split("\n\n", 2)[2])] == ["failed", "delivered"]


# -- payments and the statement --------------------------------------------------------------


def camt(entries: list[tuple[str, str, str]]) -> bytes:
    """A camt.053.001.02 statement with credits (bank reference, amount, remittance) and
    one debit."""
    rows = "".join(
        f"""<Ntry><Amt Ccy="DKK">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-10-25</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef>
        <BkTxCd/><NtryDtls><TxDtls><RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls>
        </Ntry>"""
        for ref, amount, text in entries
    )
    debit = """<Ntry><Amt Ccy="DKK">75.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-10-25</Dt></BookgDt><AcctSvcrRef>D1</AcctSvcrRef><BkTxCd/></Ntry>"""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-10-26T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><CreDtTm>2026-10-26T06:00:00</CreDtTm>
<Acct><Id><IBAN>DK5000400440116243</IBAN></Id></Acct>{rows}{debit}</Stmt></BkToCstmrStmt>
</Document>
""".encode()


def test_payments_a_statement_imported_twice_a_reversal_and_the_statement(
    world: World, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = ["--company", world.company, "--store", world.store]
    second, second_number = make_invoice(world.store, world.company, world.customer, "400.00")
    _, third_number = make_invoice(world.store, world.company, world.customer, "800.00")

    # a partial payment of the first invoice by its number, under a key, given twice
    pay = ["payments", "receive", "2500.00", "--reference", f"Faktura {world.number}"]
    pay += ["--paid-on", "2026-10-01", "--key", "bank-1", *target]
    code, out, err = cli(capsys, *pay)
    assert code == 0, out + err
    assert "received before" not in out
    entry = counts(out)
    assert (entry["outcome"], entry["amount"], entry["documents"]) == (
        "partial",
        "2500.00 DKK",
        world.invoice,
    )
    payment_id = entry["payments"]
    assert payment_id.startswith("pay_")
    code, out, err = cli(capsys, *pay)
    assert code == 0, out + err
    assert out.splitlines()[0] == "payment 'bank-1' was received before: nothing new was applied"
    assert counts(out)["payments"] == payment_id

    # the bank's statement: the second invoice in full, the third with 100.00 too much,
    # one that names nothing, the second entry again, and a debit
    statement = tmp_path / "camt053.xml"
    statement.write_bytes(
        camt(
            [
                ("B1", "500.00", f"Faktura {second_number}"),
                ("B2", "1100.00", third_number),
                ("B3", "99.00", "ukendt"),
                ("B1", "500.00", f"Faktura {second_number}"),
            ]
        )
    )
    code, out, err = cli(capsys, "payments", "import", str(statement), *target)
    assert code == 0, out + err
    first = counts(out.split("\n\n")[0])
    assert (first["matched"], first["overpaid"], first["unmatched"]) == ("1", "1", "1")
    assert (first["duplicates"], first["skipped"]) == ("0", "2")  # B1 again, the debit
    skipped = table(out.split("\n\n")[-1])
    assert sorted(row["why"] for row in skipped) == ["debit", "duplicate"]
    assert "nothing new" not in out
    code, out, err = cli(capsys, "payments", "import", str(statement), *target)
    assert code == 0, out + err
    again = counts(out.split("\n\n")[0])
    assert (again["matched"], again["overpaid"], again["unmatched"]) == ("0", "0", "0")
    assert again["duplicates"] == "3"
    assert "nothing new was applied" in out

    code, out, err = cli(capsys, "payments", "list", *target, "--outcome", "unmatched")
    assert code == 0, err
    [unmatched] = table(out)
    assert (unmatched["key"], unmatched["amount"]) == ("DK5000400440116243/B3", "99.00 DKK")
    code, out, _ = cli(capsys, "payments", "list", *target)
    assert len(table(out)) == 4

    billing = world.billing()
    try:
        assert billing.get_invoice(world.company, second).status is Status.PAID
        assert billing.credit_balance(world.company, world.customer) == Decimal("100.00")
    finally:
        billing.store.close()

    code, out, err = cli(
        capsys, "payments", "reverse", *target, world.invoice, payment_id, "--reason", "bounced"
    )
    assert code == 0, out + err
    assert out.strip() == f"reversed {payment_id} on {world.number}: sent, owed 10000.00 DKK"
    billing = world.billing()
    try:
        first_invoice = billing.get_invoice(world.company, world.invoice)
        assert first_invoice.outstanding == Decimal("10000.00")
        assert first_invoice.payments == ()
    finally:
        billing.store.close()

    code, out, err = cli(
        capsys, "statement", world.customer, "--from", "2026-09-01", "--to", "2026-10-31", *target
    )
    assert code == 0, out + err
    head = counts(out.split("\n\n")[0])
    assert (head["period"], head["opening"]) == ("2026-09-01..2026-10-31", "0.00")
    lines = table(out.split("\n\n")[1])
    assert [line["what"] for line in lines] == [
        "invoice",
        "invoice",
        "invoice",
        "payment",
        "payment",
        "payment_on_account",
    ]
    # 10,000 + 500 + 1,000 owed, 500 and 1,000 paid, 100 on account
    assert lines[-1]["balance"] == "9900.00"
    assert counts(out.split("\n\n")[2])["closing"] == "9900.00"
    items = table(out.split("\n\n")[3])
    assert {(row["open"], row["amount"]) for row in items} == {
        ("invoice", "10000.00"),
        ("credit_balance", "-100.00"),
    }
    assert counts(out)["open"] == "9900.00"

    pdf = tmp_path / "kontoudtog.pdf"
    code, out, err = cli(
        capsys, "statement", world.customer, "--pdf", str(pdf), "--language", "da", *target
    )
    assert code == 0, out + err
    assert pdf.read_bytes().startswith(b"%PDF")
    assert out.strip().startswith(f"wrote {pdf}")


# -- bad input ------------------------------------------------------------------------------

REMINDER_RUN = ["reminders", "run", "--company", "{company}", "--today", RUN_DAY]
BAD_INPUTS = [
    ([*REMINDER_RUN, "--reference-rate", "2026-01-01"], "--reference-rate"),
    ([*REMINDER_RUN, "--reference-rate", "2026-13-01=1.60"], "--reference-rate"),
    ([*REMINDER_RUN, "--reference-rate", "2026-01-01=1,60"], "--reference-rate"),
    ([*REMINDER_RUN, "--reference-rate", "2026-01-01=1000"], "--reference-rate"),
    ([*REMINDER_RUN, "--reference-rate", "2026-01-01=1.123456"], "--reference-rate"),
    (
        [*REMINDER_RUN, "--reference-rate", "2026-01-01=1", "--reference-rate", "2026-01-01=2"],
        "--reference-rate",
    ),
    # the rates begin after the days the interest is counted for
    ([*REMINDER_RUN, "--reference-rate", "2026-10-01=1.35"], "--reference-rate"),
    ([*REMINDER_RUN[:-1], "2026-10-32"], "--today"),
    (["reminders", "run", "--company", "0123456789abcdef"], "company"),
    (["reminders", "show", "--company", "{company}", "0123456789abcdef"], "reminder"),
    (["reminders", "send", "--company", "{company}", "0123456789abcdef"], "reminder"),
    (["reminders", "pdf", "--company", "{company}", "0123456789abcdef", "-o", "x.pdf"], "remind"),
    (["reminders", "list", "--company", "{company}", "--customer", "0123456789abcdef"], "custom"),
    (["reminders", "policy", "set", "--levels", "10:100,20:100,30:100,40:100"], "--levels 4"),
    (["reminders", "policy", "set", "--levels", "10:150"], "--levels 1: fee"),
    (["reminders", "policy", "set", "--levels", "10:100,15:100"], "--levels 2: days after due"),
    (["reminders", "policy", "set", "--levels", "ten:100"], "--levels 1"),
    (["reminders", "policy", "set", "--levels", "10:1,5"], "--levels"),
    (["reminders", "policy", "set", "--levels", ""], "--levels"),
    (["reminders", "policy", "set", "--margin", "eight"], "--margin"),
    (["reminders", "policy", "set", "--margin", "8", "--no-interest"], "--margin"),
    (["reminders", "policy", "set", "--compensation", "-310"], "--compensation"),
    (["reminders", "policy", "set", "--currency", "XYZ"], "--currency"),
    (["reminders", "policy", "set"], "--levels"),
    (["payments", "receive", "12,50", "--reference", "1"], "AMOUNT"),
    (["payments", "receive", "-5", "--reference", "1"], "AMOUNT"),
    (["payments", "receive", "5"], "--reference"),
    (["payments", "receive", "5", "--reference", "1", "--currency", "XYZ"], "--currency"),
    (["payments", "receive", "5", "--reference", "1", "--paid-on", "today"], "--paid-on"),
    (["payments", "import", "missing.xml"], "FILE"),
    (["payments", "import", "{garbage}"], "FILE: camt"),
    (["payments", "list", "--outcome", "lost"], "--outcome"),
    (["payments", "reverse", "{invoice}", "pay_0123456789abcdef"], "payment"),
    (["statement", "{customer}", "--from", "2026-10-01", "--to", "2026-09-01"], "--to"),
    (["statement", "{customer}", "--currency", "XYZ"], "--currency"),
    (["statement", "{customer}", "--language", "da"], "--language"),
    (["statement", "0123456789abcdef"], "customer"),
    (["payments", "list", "--store", "sqlite:///missing.db"], "--store"),
    (["serve", "--reference-rate", "2026-01-01=high"], "--reference-rate"),
    (["reminders", "policy", "--company", "0123456789abcdef", "set", "--margin", "7"], "company"),
]


@pytest.mark.parametrize(("argv", "names"), BAD_INPUTS, ids=lambda v: " ".join(v)[:70])
def test_bad_input_is_one_line_naming_the_flag_and_exit_2(
    argv: list[str], names: str, world: World, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    garbage = tmp_path / "garbage.xml"
    garbage.write_bytes(b"<Document><nothing/></Document>")
    expanded = [
        arg.format(
            company=world.company,
            customer=world.customer,
            invoice=world.invoice,
            garbage=garbage,
        )
        for arg in argv
    ]
    if "--store" not in expanded:
        expanded += ["--store", world.store]
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


def test_without_company_a_store_with_two_is_refused(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(
        capsys, "companies", "create", "--name", "Fjeld ApS", *SELLER, "--store", world.store
    )
    assert code == 0, err
    code, out, err = cli(capsys, "reminders", "list", "--store", world.store)
    assert (code, out) == (2, "")
    assert err.strip() == (
        "faktura reminders list: error: --company is needed: the store has 2 companies "
        "(faktura companies list shows them)"
    )


def test_the_environment_gives_the_reference_rates(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKTURA_REFERENCE_RATES", "2026-01-01=1.60, 2026-07-01=1.35")
    code, out, err = cli(
        capsys, "reminders", "run", "--store", world.store, "--today", RUN_DAY, "--dry-run"
    )
    assert code == 0, out + err
    [planned] = table(out)
    assert planned["interest"] == "89.66"
    monkeypatch.setenv("FAKTURA_REFERENCE_RATES", "2026-01-01=lots")
    code, out, err = cli(
        capsys, "reminders", "run", "--store", world.store, "--today", RUN_DAY, "--dry-run"
    )
    assert code == 2
    assert err.startswith("faktura reminders run: error: FAKTURA_REFERENCE_RATES: ")


def test_rates_that_miss_a_day_make_no_reminder_for_anyone(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run makes and sends reminders customer by customer: rates that cannot price the
    second customer's interest are found before the first one's reminder is made."""
    billing = world.billing()
    try:
        later = billing.create_customer(
            world.company, NewCustomer(name="Fjord A/S", address=BUYER_ADDRESS)
        ).id
    finally:
        billing.store.close()
    assert later > world.customer  # the run takes it second
    # due 6 September: its interest needs the rate of the 7th on, the first one's the 16th on
    make_invoice(world.store, world.company, later, "400.00", terms=5)
    before = world.path.read_bytes()
    run = ["reminders", "run", "--store", world.store, "--today", RUN_DAY]
    code, out, err = cli(capsys, *run, "--reference-rate", "2026-09-10=1.35")
    assert (code, out) == (2, "")
    assert err.strip() == (
        "faktura reminders run: error: --reference-rate: no reference rate is known for 2026-09-07"
    )
    assert world.path.read_bytes() == before
    code, out, err = cli(capsys, *run, *RATES)
    assert code == 0, out + err
    assert sorted(row["customer"] for row in table(out)) == ["Fjord A/S", "Købmand Jensen A/S"]
