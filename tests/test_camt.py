"""ISO 20022 camt.053 / camt.054 read into bank transactions: hand-written messages as
Danish banks send them, a round trip through a small camt.053 writer, keys that survive
re-reading and a second report of the same booking, and refusals (entities, garbage,
other messages and versions, missing elements) as ValidationError naming the element."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faktura.bank import CamtStatement, Skipped, SkipReason, read_statement
from faktura.bank.camt import MAX_BYTES, SUPPORTED_VERSIONS
from faktura.errors import ValidationError
from faktura.money import Currency
from faktura.receivables import BankTransaction

DATA = Path(__file__).parent / "data" / "camt"
DANSKE = DATA / "danske_camt053_001_02.xml"
NORDEA = DATA / "nordea_camt054_001_02.xml"
V08 = DATA / "camt054_001_08.xml"
IBAN = "DK5000400440116243"
DAY = date(2026, 12, 7)
FIK = "+71<000000000010421+85361543<"


def read(path: Path) -> CamtStatement:
    return read_statement(path.read_bytes())


def refusal(call: Callable[[], object], field: str, rule: str | None = None) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        call()
    error = caught.value
    assert error.field == field, (error.field, str(error))
    assert str(error).startswith(f"{field}: ")
    if rule is not None:
        assert error.errors[0].rule == rule, error.errors
    return error


# -- the hand-written messages ------------------------------------------------------------


def test_a_danish_camt053_statement_gives_its_booked_credits_one_per_transaction() -> None:
    statement = read(DANSKE)
    assert (statement.message_id, statement.kind, statement.version, statement.account) == (
        "DABA20261207000173",
        "camt.053",
        "001.02",
        IBAN,
    )
    ref = f"{IBAN}/4401162430-20261207-000"

    def tx(key: str, amount: str, *refs: str, **more: str | None) -> BankTransaction:
        return BankTransaction(key, Decimal(amount), "DKK", DAY, refs, IBAN, **more)  # type: ignore[arg-type]

    assert statement.transactions == (
        # the FIK payment line first, then the entry's own text
        tx(f"{ref}1", "1250.00", FIK, "Indbetalingskort 71", debtor="Hansen Tømrer ApS"),
        # the invoice number in the unstructured text; blanks around "Kunde 17" dropped
        tx(
            f"{ref}2",
            "3125.00",
            "Faktura 2026-0042",
            "Kunde 17",
            "Overførsel Café Nørrebro",
            debtor="Café Nørrebro I/S",
        ),
        # only the end-to-end id; the amount booked (DKK), not the one instructed (EUR)
        tx(
            f"{ref}3",
            "987.50",
            "INV-2026-0043",
            debtor="Müller GmbH",
            end_to_end_id="INV-2026-0043",
        ),
        # a batch of three: each its own amount and key, the batch's text on none
        tx(f"{ref}4/1", "1000.00", "000000000010447", debtor="Jensen VVS A/S"),
        tx(
            f"{ref}4/2",
            "1800.00",
            "Fakt. 1045",
            "E2E-7731",
            debtor="Larsen & Co",
            end_to_end_id="E2E-7731",
        ),
        tx(f"{ref}4/3", "500.00", "RF18539007547034"),
    )


def test_debits_pending_entries_reversals_and_a_second_report_are_skipped_with_the_reason() -> None:
    statement = read(DANSKE)
    assert statement.skipped == (
        Skipped(
            SkipReason.DEBIT,
            "Stmt.0.Ntry.4",
            Decimal("1740.00"),
            "DKK",
            "4401162430-20261207-0005",
            note="debit",
        ),
        Skipped(
            SkipReason.NOT_BOOKED,
            "Stmt.0.Ntry.5",
            Decimal("2000.00"),
            "DKK",
            "6",
            note="status PDNG",
        ),
        Skipped(
            SkipReason.REVERSAL,
            "Stmt.0.Ntry.6",
            Decimal("450.00"),
            "DKK",
            "4401162430-20261207-0007",
            note="reversal",
        ),
        Skipped(
            SkipReason.DUPLICATE,
            "Stmt.0.Ntry.7.NtryDtls.0.TxDtls.0",
            Decimal("1250.00"),
            "DKK",
            "4401162430-20261207-0001",
            key=f"{IBAN}/4401162430-20261207-0001",
            note="reported twice",
        ),
    )
    # every credit entry is accounted for: booked ones as payments, the rest skipped
    entries = ET.fromstring(DANSKE.read_bytes()).findall(".//{*}Ntry")
    assert len(entries) == 8


def test_the_same_booking_in_the_days_camt054_and_the_evenings_camt053_has_one_key() -> None:
    notification, statement = read(NORDEA), read(DANSKE)
    assert (notification.kind, notification.version) == ("camt.054", "001.02")
    fik_payment = notification.transactions[0]
    assert fik_payment == statement.transactions[0]
    assert fik_payment.key == f"{IBAN}/4401162430-20261207-0001"


def test_without_any_bank_reference_the_key_is_a_digest_of_what_the_payment_says() -> None:
    notification = read(NORDEA)
    payment = notification.transactions[1]
    assert (payment.amount, payment.booked_on, payment.references) == (
        Decimal("615.00"),
        DAY,  # no booking date: the value date
        ("000000000010454",),
    )
    assert payment.key.startswith("sha256:")
    digest = payment.key.removeprefix("sha256:")
    assert len(digest) == 64
    assert set(digest) <= set("0123456789abcdef")
    # it depends on what the payment says, not on where the message came from
    changed = NORDEA.read_bytes().replace(b"NDEA-NTF-20261207-112233", b"ANOTHER-MESSAGE")
    assert read_statement(changed).transactions[1].key == payment.key
    other = NORDEA.read_bytes().replace(b">615.00<", b">615.50<")
    assert read_statement(other).transactions[1].key != payment.key


def test_newer_versions_status_code_debtor_party_and_transaction_references() -> None:
    notification = read(V08)
    assert (notification.kind, notification.version, notification.account) == (
        "camt.054",
        "001.08",
        "4401162430",
    )
    acct = "4401162430"
    assert notification.transactions == (
        BankTransaction(
            f"{acct}/TX-A-1",
            Decimal("250.00"),
            "EUR",
            DAY,  # the date of BookgDt/DtTm, not the value date
            ("Invoice 1047", "E2E-A"),
            acct,
            "Acme BV",
            "E2E-A",
        ),
        BankTransaction(
            f"{acct}/TX-A-2", Decimal("200.00"), "EUR", DAY, ("E2E-B",), acct, "Beta Oy", "E2E-B"
        ),
    )
    assert [(s.reason, s.path, s.amount) for s in notification.skipped] == [
        (SkipReason.NOT_CREDIT, "Ntfctn.0.Ntry.0.NtryDtls.0.TxDtls.2", Decimal("50.00")),
        (SkipReason.NOT_BOOKED, "Ntfctn.0.Ntry.1", Decimal("99.00")),
    ]


@pytest.mark.parametrize("path", [DANSKE, NORDEA, V08], ids=lambda p: p.name)
def test_reading_a_message_again_gives_the_same_payments_and_keys(path: Path) -> None:
    first, second = read(path), read_statement(bytes(path.read_bytes()))
    assert first == second
    keys = [t.key for t in first.transactions]
    assert len(set(keys)) == len(keys)


def test_the_same_bank_reference_on_a_different_payment_is_a_conflict_not_a_payment() -> None:
    data = DANSKE.read_bytes()
    name = "Hansen Tømrer ApS".encode()
    last = data.rindex(name)
    changed = data[:last] + "Hansen Tømrer A/S".encode() + data[last + len(name) :]
    statement = read_statement(changed)
    assert statement.transactions[0].amount == Decimal("1250.00")
    conflict = statement.skipped[-1]
    assert (conflict.reason, conflict.key) == (
        SkipReason.CONFLICT,
        f"{IBAN}/4401162430-20261207-0001",
    )
    assert conflict.amount == Decimal("1250.00")  # the entry's amount, booked once


# -- a small camt.053 writer and the round trip -------------------------------------------

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.{}"


def sub(parent: ET.Element, path: str, text: str | None = None, **attrib: str) -> ET.Element:
    """The element ``path`` ("A/B/C") under ``parent``, new at each step."""
    element = parent
    for step in path.split("/"):
        element = ET.SubElement(element, step, attrib if step == path.split("/")[-1] else {})
    if text is not None:
        element.text = text
    return element


@attrs.frozen
class Tx:
    amount: Decimal
    strd: tuple[str, ...]
    ustrd: tuple[str, ...]
    end_to_end_id: str | None
    debtor: str | None
    new_debtor_shape: bool
    amount_where: str  # "Amt", "AmtDtls" or "" (a single transaction only)


@attrs.frozen
class Entry:
    booked_on: date
    currency: str
    key_from: str  # "tx" (TxDtls/Refs/AcctSvcrRef), "entry", "ntryref" or "digest"
    txs: tuple[Tx, ...]
    date_as: str  # "Dt", "DtTm" or "ValDt"
    status: str  # "BOOK", "PDNG", "INFO"; or "DBIT" / "RVSL" for the other skipped kinds


def write_camt053(
    account: str,
    entries: list[Entry],
    version: int = 2,
    message_id: str = "MSG-1",
    names: list[int] | None = None,
) -> bytes:
    """A camt.053 message with ``entries`` (tag names of ``version``), the way a bank
    would write it: one Stmt, one Ntry per entry, one TxDtls per transaction. The bank's
    references are named after the entry's position, or after ``names[position]``."""
    ET.register_namespace("", NS.format(f"{version:02d}"))
    ns = NS.format(f"{version:02d}")
    root = ET.Element(f"{{{ns}}}Document")
    body = ET.SubElement(root, "BkToCstmrStmt")
    header = sub(body, "GrpHdr")
    sub(header, "MsgId", message_id)
    sub(header, "CreDtTm", "2026-12-08T06:00:00")
    stmt = sub(body, "Stmt")
    sub(stmt, "Id", "S-1")
    sub(stmt, "CreDtTm", "2026-12-08T06:00:00")
    sub(stmt, "Acct/Id/IBAN", account)
    for position, entry in enumerate(entries):
        n = names[position] if names is not None else position
        ntry = sub(stmt, "Ntry")
        if entry.key_from == "ntryref":
            sub(ntry, "NtryRef", f"N{n}")
        total = sum((tx.amount for tx in entry.txs), Decimal(0))
        sub(ntry, "Amt", str(total), Ccy=entry.currency)
        sub(ntry, "CdtDbtInd", "DBIT" if entry.status == "DBIT" else "CRDT")
        if entry.status == "RVSL":
            sub(ntry, "RvslInd", "true")
        status = entry.status if entry.status in ("PDNG", "INFO") else "BOOK"
        if version >= 8:
            sub(ntry, "Sts/Cd", status)
        else:
            sub(ntry, "Sts", status)
        day = entry.booked_on.isoformat()
        if entry.date_as == "Dt":
            sub(ntry, "BookgDt/Dt", day)
        elif entry.date_as == "DtTm":
            sub(ntry, "BookgDt/DtTm", f"{day}T23:59:59+01:00")
        sub(ntry, "ValDt/Dt", day if entry.date_as == "ValDt" else "2000-01-01")
        if entry.key_from == "entry":
            sub(ntry, "AcctSvcrRef", f"E{n}")
        sub(ntry, "BkTxCd")
        details = sub(ntry, "NtryDtls")
        for t, tx in enumerate(entry.txs):
            txd = sub(details, "TxDtls")
            refs = sub(txd, "Refs")
            if entry.key_from == "tx":
                sub(refs, "AcctSvcrRef", f"T{n}-{t}")
            sub(refs, "EndToEndId", tx.end_to_end_id or "NOTPROVIDED")
            if tx.amount_where == "Amt" and version >= 3:
                sub(txd, "Amt", str(tx.amount), Ccy=entry.currency)
            elif tx.amount_where:
                sub(txd, "AmtDtls/TxAmt/Amt", str(tx.amount), Ccy=entry.currency)
            if tx.debtor is not None:
                shape = "Dbtr/Pty/Nm" if tx.new_debtor_shape else "Dbtr/Nm"
                sub(sub(txd, "RltdPties"), shape, tx.debtor)
            if tx.strd or tx.ustrd:
                remittance = sub(txd, "RmtInf")
                for text in tx.ustrd:
                    sub(remittance, "Ustrd", text)
                for text in tx.strd:
                    sub(remittance, "Strd/CdtrRefInf/Ref", text)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def expected(account: str, entries: list[Entry]) -> list[BankTransaction | None]:
    """The payments ``entries`` should read as, in order; None for a digest key."""
    out: list[BankTransaction | None] = []
    for n, entry in enumerate(entries):
        if entry.status != "BOOK":
            continue
        batch = len(entry.txs) > 1
        for t, tx in enumerate(entry.txs):
            ref = {
                "tx": f"T{n}-{t}",
                "entry": f"E{n}" + (f"/{t + 1}" if batch else ""),
                "ntryref": f"N{n}" + (f"/{t + 1}" if batch else ""),
                "digest": None,
            }[entry.key_from]
            refs = [*tx.strd, *tx.ustrd, *([tx.end_to_end_id] if tx.end_to_end_id else [])]
            out.append(
                BankTransaction(
                    key=f"{account}/{ref}" if ref else "digest",
                    amount=tx.amount,
                    currency=entry.currency,
                    booked_on=entry.booked_on,
                    references=tuple(dict.fromkeys(refs)),
                    account=account,
                    debtor=tx.debtor,
                    end_to_end_id=tx.end_to_end_id,
                )
            )
    return out


# texts as a bank writes them: no white space at the ends, single blanks inside, and
# characters XML can carry (control characters, surrogates and non-characters cannot be)
texts = (
    st.text(
        st.characters(categories=("L", "N", "P", "S", "Zs"), exclude_characters="\ufffe\uffff"),
        min_size=1,
        max_size=40,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)
currencies = st.sampled_from(["DKK", "EUR", "SEK", "JPY", "BHD"])


@st.composite
def entries(draw: st.DrawFn, *, skipped: bool = True) -> Entry:
    currency = draw(currencies)
    places = Currency.of(currency).minor_units
    size = draw(st.integers(1, 3))
    statuses = ["BOOK", "PDNG", "INFO", "DBIT", "RVSL"] if skipped else ["BOOK"]

    def tx(single: bool) -> Tx:
        cents = draw(st.integers(0, 10**9))
        return Tx(
            amount=Decimal(cents).scaleb(-places),
            strd=tuple(draw(st.lists(texts, max_size=2))),
            ustrd=tuple(draw(st.lists(texts, max_size=2))),
            end_to_end_id=draw(st.none() | texts.filter(lambda s: s != "NOTPROVIDED")),
            debtor=draw(st.none() | texts),
            new_debtor_shape=draw(st.booleans()),
            amount_where=draw(st.sampled_from(["Amt", "AmtDtls", *([""] if single else [])])),
        )

    return Entry(
        booked_on=draw(st.dates(date(2000, 1, 1), date(2099, 12, 31))),
        currency=currency,
        key_from=draw(st.sampled_from(["tx", "entry", "ntryref", "digest"])),
        txs=tuple(tx(size == 1) for _ in range(size)),
        date_as=draw(st.sampled_from(["Dt", "DtTm", "ValDt"])),
        status=draw(st.sampled_from(statuses)),
    )


accounts = st.from_regex(r"[A-Z]{2}[0-9]{2}[0-9A-Z]{10,30}", fullmatch=True)


@given(accounts, st.lists(entries(), max_size=8), st.sampled_from([2, 4, 8, 13]))
def test_payments_written_as_camt053_read_back_equal(
    account: str, written: list[Entry], version: int
) -> None:
    statement = read_statement(write_camt053(account, written, version))
    assert statement.account == account
    want = expected(account, written)
    assert len(statement.transactions) == len(want)
    for got, wanted in zip(statement.transactions, want, strict=True):
        if wanted is not None and wanted.key == "digest":
            assert got.key.startswith("sha256:")
            wanted = attrs.evolve(wanted, key=got.key)
        assert got == wanted
    # every payment has its own key, even two equal ones without any reference
    keys = [t.key for t in statement.transactions]
    assert len(set(keys)) == len(keys)
    # and every entry that paid nothing says why
    reasons = {
        "PDNG": SkipReason.NOT_BOOKED,
        "INFO": SkipReason.NOT_BOOKED,
        "DBIT": SkipReason.DEBIT,
        "RVSL": SkipReason.REVERSAL,
    }
    assert [s.reason for s in statement.skipped] == [
        reasons[e.status] for e in written if e.status != "BOOK"
    ]
    assert [s.path for s in statement.skipped] == [
        f"Stmt.0.Ntry.{n}" for n, e in enumerate(written) if e.status != "BOOK"
    ]


@given(accounts, st.lists(entries(skipped=False), min_size=1, max_size=6), st.data())
def test_keys_do_not_depend_on_the_message_and_digests_not_on_the_order(
    account: str, written: list[Entry], data: st.DataObject
) -> None:
    first = read_statement(write_camt053(account, written, message_id="A"))
    again = read_statement(write_camt053(account, written, message_id="B"))
    assert first.transactions == again.transactions
    # digest keys of payments that say different things do not depend on their position
    shuffled = data.draw(st.permutations(range(len(written))))
    moved = read_statement(write_camt053(account, [written[i] for i in shuffled]))
    digests = [t.key for t in first.transactions if t.key.startswith("sha256:")]
    if all("/" not in key for key in digests):  # no two payments said the same
        moved_digests = [t.key for t in moved.transactions if t.key.startswith("sha256:")]
        assert sorted(digests) == sorted(moved_digests)


@given(accounts, entries(skipped=False))
def test_an_entry_reported_twice_is_one_payment_and_one_duplicate(
    account: str, entry: Entry
) -> None:
    if entry.key_from == "digest":
        entry = attrs.evolve(entry, key_from="entry")
    # the second copy has the first's bank references
    statement = read_statement(write_camt053(account, [entry, entry], names=[0, 0]))
    assert statement.transactions == tuple(
        read_statement(write_camt053(account, [entry])).transactions
    )
    assert [s.reason for s in statement.skipped] == [SkipReason.DUPLICATE] * len(entry.txs)
    assert [s.key for s in statement.skipped] == [t.key for t in statement.transactions]


def test_the_digest_is_sha256_of_the_documented_facts() -> None:
    entry = Entry(
        DAY,
        "DKK",
        "digest",
        (Tx(Decimal("12.50"), ("RF18539007547034",), ("Faktura 7",), "E2E-1", None, False, ""),),
        "Dt",
        "BOOK",
    )
    (payment,) = read_statement(write_camt053(IBAN, [entry])).transactions
    facts = (
        f'["{IBAN}", "2026-12-07", "12.50", "DKK", "E2E-1", '
        '["RF18539007547034", "Faktura 7", "E2E-1"]]'
    )
    assert payment.key == "sha256:" + hashlib.sha256(facts.encode()).hexdigest()


# -- refusals -------------------------------------------------------------------------------

MINIMAL = (
    b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
    b"<GrpHdr><MsgId>M</MsgId></GrpHdr><Stmt><Acct><Id><IBAN>DK5000400440116243</IBAN>"
    b'</Id></Acct><Ntry><Amt Ccy="DKK">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
    b"<BookgDt><Dt>2026-12-07</Dt></BookgDt></Ntry></Stmt></BkToCstmrStmt></Document>"
)


def test_the_minimal_message_reads() -> None:
    (payment,) = read_statement(MINIMAL).transactions
    assert (payment.amount, payment.booked_on) == (Decimal("1.00"), DAY)


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("<Dt>2026-12-07+01:00</Dt>", DAY),
        ("<Dt>2026-12-07Z</Dt>", DAY),
        ("<DtTm>2026-12-07T23:30:00-05:00</DtTm>", DAY),  # the date as the bank wrote it
        ("<DtTm>2026-12-08T00:10:00.250Z</DtTm>", date(2026, 12, 8)),
    ],
)
def test_dates_with_a_time_zone_or_a_time(written: str, day: date) -> None:
    document = MINIMAL.replace(b"<Dt>2026-12-07</Dt>", written.encode())
    (payment,) = read_statement(document).transactions
    assert payment.booked_on == day


@pytest.mark.parametrize(
    "document",
    [
        # billion laughs
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<Document>&lol2;</Document>",
        # external entity (XXE)
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<Document>&x;</Document>",
        # an external DTD, no entity at all
        b'<!DOCTYPE Document SYSTEM "http://example.invalid/camt.dtd">' + MINIMAL,
        # a document type declaration in front of a valid message
        b"<!DOCTYPE Document>" + MINIMAL,
        # the same in UTF-16, where no byte search for "<!DOCTYPE" would find it
        (
            '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE Document [<!ENTITY a "b">]>'
            "<Document>&a;</Document>"
        ).encode("utf-16"),
    ],
    ids=["billion-laughs", "xxe", "external-dtd", "doctype", "utf-16"],
)
def test_document_type_declarations_and_entities_are_refused(document: bytes) -> None:
    error = refusal(lambda: read_statement(document), "camt", "xml")
    assert "document type declaration" in str(error)


def test_a_message_over_the_limit_is_refused_before_it_is_parsed() -> None:
    padding = b" " * (MAX_BYTES + 1 - len(MINIMAL))
    assert len(MINIMAL + padding) == MAX_BYTES + 1
    refusal(lambda: read_statement(MINIMAL + padding), "camt", "size")
    assert read_statement(MINIMAL + b" " * 1000).transactions  # white space is not the fault


@pytest.mark.parametrize("value", ["<Document/>", None, 42], ids=["str", "none", "int"])
def test_anything_but_bytes_is_refused(value: object) -> None:
    refusal(lambda: read_statement(value), "camt", "type")  # type: ignore[arg-type]


@given(st.binary(max_size=300))
def test_garbage_is_a_validation_error_never_another_exception(data: bytes) -> None:
    refusal(lambda: read_statement(data), "camt")


@given(st.data())
@settings(max_examples=200)
def test_a_message_cut_short_or_corrupted_is_a_validation_error(data: st.DataObject) -> None:
    document = DANSKE.read_bytes()
    cut = data.draw(st.integers(0, len(document) - 1))
    byte = data.draw(st.integers(0, 255))
    broken = data.draw(
        st.sampled_from([document[:cut], document[:cut] + bytes([byte]) + document[cut + 1 :]])
    )
    error: ValidationError | None = None
    try:
        read_statement(broken)
    except ValidationError as caught:
        error = caught
    assert error is None or (error.field or "").startswith("camt")


@given(st.data())
@settings(max_examples=200)
def test_a_message_with_an_element_removed_or_emptied_reads_or_names_the_fault(
    data: st.DataObject,
) -> None:
    for path in (DANSKE, NORDEA, V08):
        root = ET.fromstring(path.read_bytes())
        parents = [(parent, child) for parent in root.iter() for child in parent]
        parent, child = data.draw(st.sampled_from(parents))
        if data.draw(st.booleans()):
            parent.remove(child)
        else:
            child.text, child[:] = data.draw(st.sampled_from(["", " ", "x", "-1", "CRDT"])), []
        error: ValidationError | None = None
        try:
            read_statement(ET.tostring(root))
        except ValidationError as caught:
            error = caught
        assert error is None or (error.field or "").startswith("camt.")


@pytest.mark.parametrize(
    ("namespace", "rule"),
    [
        ("urn:iso:std:iso:20022:tech:xsd:camt.053.001.01", "camt_version"),
        ("urn:iso:std:iso:20022:tech:xsd:camt.053.001.14", "camt_version"),
        ("urn:iso:std:iso:20022:tech:xsd:camt.053.001.2", "camt_version"),
        ("urn:iso:std:iso:20022:tech:xsd:camt.052.001.02", "camt_version"),
        ("urn:iso:std:iso:20022:tech:xsd:pain.001.001.03", "camt_version"),
        ("urn:iso:std:iso:20022:tech:xsd:camt.053.001.02x", "camt_version"),
        ("urn:oasis:names:specification:ubl:schema:xsd:Invoice-2", "camt_root"),
        ("", "camt_root"),
    ],
)
def test_other_messages_and_versions_are_refused(namespace: str, rule: str) -> None:
    document = MINIMAL.replace(
        b"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02", namespace.encode()
    )
    if not namespace:
        document = document.replace(b' xmlns=""', b"")
    refusal(lambda: read_statement(document), "camt", rule)


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
@pytest.mark.parametrize("message", ["053", "054"])
def test_every_supported_version_of_both_messages_reads(version: str, message: str) -> None:
    document = MINIMAL.replace(b"camt.053.001.02", f"camt.{message}.{version}".encode())
    if message == "054":
        document = document.replace(b"BkToCstmrStmt>", b"BkToCstmrDbtCdtNtfctn>").replace(
            b"Stmt>", b"Ntfctn>"
        )
    statement = read_statement(document)
    assert (statement.kind, statement.version) == (f"camt.{message}", version)
    assert len(statement.transactions) == 1


def test_a_camt054_namespace_around_a_statement_body_is_refused() -> None:
    document = MINIMAL.replace(b"camt.053.001.02", b"camt.054.001.02")
    refusal(lambda: read_statement(document), "camt.BkToCstmrDbtCdtNtfctn", "required")


@pytest.mark.parametrize(
    ("old", "new", "field", "rule"),
    [
        (b"<MsgId>M</MsgId>", b"", "camt.BkToCstmrStmt.GrpHdr.MsgId", "required"),
        (b"<MsgId>M</MsgId>", b"<MsgId> </MsgId>", "camt.BkToCstmrStmt.GrpHdr.MsgId", None),
        (b"<IBAN>DK5000400440116243</IBAN>", b"", "camt.Stmt.0.Acct.Id.IBAN", "required"),
        (b'<Amt Ccy="DKK">1.00</Amt>', b"", "camt.Stmt.0.Ntry.0.Amt", "required"),
        (b'Ccy="DKK"', b"", "camt.Stmt.0.Ntry.0.Amt.Ccy", "required"),
        (b'Ccy="DKK"', b'Ccy="XYZ"', "camt.Stmt.0.Ntry.0.Amt.Ccy", None),
        (b">1.00<", b">1,00<", "camt.Stmt.0.Ntry.0.Amt", "format"),
        (b">1.00<", b">1.001<", "camt.Stmt.0.Ntry.0.Amt", None),
        (b">1.00<", b">-1.00<", "camt.Stmt.0.Ntry.0.Amt", None),
        (b">1.00<", b">1e3<", "camt.Stmt.0.Ntry.0.Amt", "format"),
        (b"<CdtDbtInd>CRDT</CdtDbtInd>", b"", "camt.Stmt.0.Ntry.0.CdtDbtInd", "required"),
        (b">CRDT<", b">CREDIT<", "camt.Stmt.0.Ntry.0.CdtDbtInd", None),
        (b"<Sts>BOOK</Sts>", b"", "camt.Stmt.0.Ntry.0.Sts", "required"),
        (b"<Sts>BOOK</Sts>", b"<Sts><Cd/></Sts>", "camt.Stmt.0.Ntry.0.Sts", "required"),
        (b"<BookgDt><Dt>2026-12-07</Dt></BookgDt>", b"", "camt.Stmt.0.Ntry.0.BookgDt", None),
        (b"<Dt>2026-12-07</Dt>", b"<Dt>07.12.2026</Dt>", "camt.Stmt.0.Ntry.0.BookgDt.Dt", None),
        (
            b"<Dt>2026-12-07</Dt>",
            b"<DtTm>yesterday</DtTm>",
            "camt.Stmt.0.Ntry.0.BookgDt.DtTm",
            None,
        ),
        (b"<Dt>2026-12-07</Dt>", b"", "camt.Stmt.0.Ntry.0.BookgDt.Dt", "required"),
        (
            b"<Sts>BOOK</Sts>",
            b"<RvslInd>maybe</RvslInd><Sts>BOOK</Sts>",
            "camt.Stmt.0.Ntry.0.RvslInd",
            None,
        ),
        (
            b"<MsgId>M</MsgId>",
            b"<MsgId><B>M</B></MsgId>",
            "camt.BkToCstmrStmt.GrpHdr.MsgId",
            "type",
        ),
        (b"<GrpHdr><MsgId>M</MsgId></GrpHdr>", b"", "camt.BkToCstmrStmt.GrpHdr", "required"),
        (
            b"</Ntry>",
            b"<NtryDtls><TxDtls/><TxDtls/></NtryDtls></Ntry>",
            "camt.Stmt.0.Ntry.0.NtryDtls.0.TxDtls.0.Amt",
            "required",
        ),
        (
            b"</Ntry>",
            b"<NtryDtls><TxDtls><RmtInf><Ustrd><b/></Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>",
            "camt.Stmt.0.Ntry.0.NtryDtls.0.TxDtls.0.RmtInf.Ustrd.0",
            "type",
        ),
        (
            b"</Ntry>",
            b"<AcctSvcrRef>" + b"R" * 300 + b"</AcctSvcrRef></Ntry>",
            "camt.Stmt.0.Ntry.0.key",
            "length",
        ),
    ],
)
def test_a_missing_or_malformed_element_is_named(
    old: bytes, new: bytes, field: str, rule: str | None
) -> None:
    assert old in MINIMAL
    document = MINIMAL.replace(old, new, 1)
    refusal(lambda: read_statement(document), field, rule)


def test_a_message_without_a_statement_is_refused() -> None:
    start, end = MINIMAL.index(b"<Stmt>"), MINIMAL.index(b"</Stmt>") + len(b"</Stmt>")
    refusal(lambda: read_statement(MINIMAL[:start] + MINIMAL[end:]), "camt.BkToCstmrStmt.Stmt")
