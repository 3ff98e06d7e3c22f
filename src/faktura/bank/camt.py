"""ISO 20022 bank statements (camt.053, BankToCustomerStatement) and debit/credit
notifications (camt.054, BankToCustomerDebitCreditNotification) read into payments.

``read_statement(data)`` reads one message, versions 001.02 to 001.13 of either, and
returns the credits booked to the account as ``BankTransaction`` values, and every entry
it did not turn into one with the reason (``Skipped``): debits, entries not booked
(pending or information only), reversals, transaction details that are not credits, and
entries reported twice.

>>> statement = read_statement(b'''<Document
...   xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
...   <GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-12-08T06:00:00</CreDtTm></GrpHdr>
...   <Stmt><Id>S1</Id><CreDtTm>2026-12-08T06:00:00</CreDtTm>
...   <Acct><Id><IBAN>DK5000400440116243</IBAN></Id></Acct>
...   <Ntry><Amt Ccy="DKK">1250.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
...   <BookgDt><Dt>2026-12-07</Dt></BookgDt><AcctSvcrRef>B1</AcctSvcrRef><BkTxCd/>
...   <NtryDtls><TxDtls><RmtInf><Ustrd>Faktura 1042</Ustrd></RmtInf></TxDtls></NtryDtls>
...   </Ntry></Stmt></BkToCstmrStmt></Document>''')
>>> [(t.key, t.amount, t.references) for t in statement.transactions]
[('DK5000400440116243/B1', Decimal('1250.00'), ('Faktura 1042',))]

What is read
------------
- Entries: ``BkToCstmrStmt/Stmt/Ntry`` (camt.053) or ``BkToCstmrDbtCdtNtfctn/Ntfctn/Ntry``
  (camt.054). An entry becomes payments only when it is a credit (``CdtDbtInd`` CRDT),
  booked (``Sts`` BOOK, or ``Sts/Cd`` BOOK from version 001.08 on) and not a reversal
  (``RvslInd`` true).
- Batch bookings: an entry with several ``TxDtls`` becomes one payment per ``TxDtls``
  (its ``Amt``, else ``AmtDtls/TxAmt/Amt``, required); a ``TxDtls`` whose own
  ``CdtDbtInd`` is DBIT is skipped. An entry with one ``TxDtls`` or none becomes one
  payment of the entry's amount: that is what was booked to the account (a single
  ``TxDtls`` may state the amount as instructed, in another currency).
- ``booked_on``: ``BookgDt/Dt`` (or the date of ``BookgDt/DtTm``), else ``ValDt``.
- ``references``, in the order a matcher should try them, without repeats: each
  ``RmtInf/Strd/CdtrRefInf/Ref`` (a structured creditor reference: RF, FIK
  "+71<...+...<", a payment id), each ``RmtInf/Ustrd`` text, ``Refs/EndToEndId`` unless
  "NOTPROVIDED", and last, for an entry that is not a batch, the entry's
  ``AddtlNtryInf`` (Danish banks put the payer's text there).
- ``debtor``: ``RltdPties/Dbtr/Nm`` (``RltdPties/Dbtr/Pty/Nm`` from version 001.08 on).
- ``account``: the statement's ``Acct/Id/IBAN``, else ``Acct/Id/Othr/Id``.
- Texts lose the white space at their ends, and each run of white space inside (line
  breaks, tabs) becomes one blank. Amounts are read exactly, as Decimal, and may have no
  more decimals than their currency (``Ccy``) has.

Keys
----
``key`` must be the same each time the same statement is imported, and, where the bank
makes it possible, the same whether a payment is read from the camt.054 sent during the
day or from the evening's camt.053, so that importing both changes nothing the second
time. It is the account followed by the bank's reference for the payment:

1. ``TxDtls/Refs/AcctSvcrRef`` (the bank's reference for the transaction itself);
2. else the entry's ``AcctSvcrRef``, with "/" and the position of the ``TxDtls`` (1, 2,
   ...) when the entry is a batch;
3. else the entry's ``NtryRef``, likewise;
4. else ``sha256:`` and the SHA-256 digest (hex) of the account, date, amount, currency,
   end-to-end id and references, and "/2", "/3", ... for the second, third, ... payment
   in the same message with the same digest (two equal payments without any reference
   are two payments, not one reported twice).

For example ``DK5000400440116243/2026120700042``. The account is part of the key because a
bank's references are unique for the accounts it keeps, not across banks. When two entries
of one message give the same key (1 to 3), the later one is skipped as a ``DUPLICATE``
(the bank reported the same booking twice) or, if it differs, as a ``CONFLICT`` for a
person to look at: a key never stands for two different payments.

Safety
------
The input is bytes of at most ``MAX_BYTES``. A document type declaration (and with it any
entity: "billion laughs", external entities) is refused before the document is parsed;
expat (the standard library's parser) reads it, and ElementTree builds the tree. Anything
that is not a well-formed camt.053 or camt.054 of a supported version, or lacks what the
standard requires, is a ``ValidationError`` naming the element (``camt.Stmt.0.Ntry.2.Amt``);
nothing else is raised.
"""

from __future__ import annotations

import enum
import hashlib
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from xml.parsers import expat

import attrs

from faktura.errors import FieldError, ValidationError
from faktura.money import Currency, parse_decimal
from faktura.receivables import BankTransaction

__all__ = [
    "MAX_BYTES",
    "SUPPORTED_VERSIONS",
    "CamtStatement",
    "SkipReason",
    "Skipped",
    "read_statement",
]

MAX_BYTES = 50 * 1024 * 1024
"""The largest message read: 50 MiB, far above a year of a busy account's entries."""

SUPPORTED_VERSIONS = tuple(f"001.{n:02d}" for n in range(2, 14))
"""The message versions read, of camt.053 and camt.054 alike: 001.02 to 001.13."""

_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:"
_FIELD = "camt"
_NOT_PROVIDED = "NOTPROVIDED"

Kind = Literal["camt.053", "camt.054"]
_ROOTS: dict[str, tuple[Kind, str, str]] = {
    "camt.053": ("camt.053", "BkToCstmrStmt", "Stmt"),
    "camt.054": ("camt.054", "BkToCstmrDbtCdtNtfctn", "Ntfctn"),
}


class SkipReason(enum.StrEnum):
    """Why an entry (or one transaction of a batch entry) is not a payment."""

    DEBIT = "debit"  # money out (CdtDbtInd DBIT)
    NOT_BOOKED = "not_booked"  # pending (PDNG), information only (INFO), future ...
    REVERSAL = "reversal"  # RvslInd true: the bank took back an earlier booking
    NOT_CREDIT = "not_credit"  # a batch entry's transaction that is a debit
    DUPLICATE = "duplicate"  # the same payment reported twice in the message
    CONFLICT = "conflict"  # the same bank reference as an earlier, different payment


@attrs.frozen
class Skipped:
    """An entry, or a transaction of an entry (``path`` ends in ``TxDtls.<n>``), that
    did not become a payment: why, where it is in the message (``Stmt.0.Ntry.4``), its
    amount, the bank's reference for the entry (``AcctSvcrRef``, else ``NtryRef``), and
    for a ``DUPLICATE`` or ``CONFLICT`` the key it shares with an earlier payment."""

    reason: SkipReason
    path: str
    amount: Decimal | None = None
    currency: str | None = None
    reference: str | None = None
    key: str | None = None
    note: str = ""


@attrs.frozen
class CamtStatement:
    """A camt.053 or camt.054 message as read: its ``message_id`` (``GrpHdr/MsgId``),
    ``kind`` and ``version`` ("001.02"), the account (None when the message reports on
    several accounts; each payment names its own), the payments and what was skipped."""

    message_id: str
    kind: Kind
    version: str
    account: str | None
    transactions: tuple[BankTransaction, ...] = ()
    skipped: tuple[Skipped, ...] = ()


def read_statement(data: bytes) -> CamtStatement:
    """The credits booked in the camt.053 or camt.054 message ``data``, and what was
    skipped; a ValidationError naming the element for anything else."""
    root = _parse(data)
    kind, version, ns = _identify(root)
    _, body_tag, report_tag = _ROOTS[kind]
    read = _Reader(ns)
    body = read.one(root, body_tag, "")
    message_id = read.text(read.one(body, "GrpHdr", body_tag), "MsgId", f"{body_tag}.GrpHdr")
    if message_id is None:
        raise _missing(f"{body_tag}.GrpHdr.MsgId")
    reports = read.all(body, report_tag)
    if not reports:
        raise _missing(f"{body_tag}.{report_tag}")
    accounts = []
    collector = _Collector()
    for r, report in enumerate(reports):
        where = f"{report_tag}.{r}"
        account = _account(read, report, where)
        accounts.append(account)
        for n, entry in enumerate(read.all(report, "Ntry")):
            _entry(read, entry, f"{where}.Ntry.{n}", account, collector)
    return CamtStatement(
        message_id=message_id,
        kind=kind,
        version=version,
        account=accounts[0] if len(set(accounts)) == 1 else None,
        transactions=tuple(collector.transactions),
        skipped=tuple(collector.skipped),
    )


# -- parsing -------------------------------------------------------------------------------


class _Refused(Exception):
    pass


def _refuse_doctype(*_args: object) -> None:
    raise _Refused


def _parse(data: bytes) -> ET.Element:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ValidationError("must be the message's bytes", field=_FIELD, rule="type")
    data = bytes(data)
    if len(data) > MAX_BYTES:
        raise ValidationError(f"is larger than {MAX_BYTES} bytes", field=_FIELD, rule="size")
    # A first pass with expat alone, stopping at a document type declaration before any
    # entity in it is declared or expanded; ElementTree parses only what passed.
    checker = expat.ParserCreate()
    checker.StartDoctypeDeclHandler = _refuse_doctype
    checker.EntityDeclHandler = _refuse_doctype
    try:
        checker.Parse(data, True)
    except _Refused:
        raise ValidationError(
            "must not have a document type declaration or entities", field=_FIELD, rule="xml"
        ) from None
    except expat.ExpatError as err:
        raise ValidationError(
            f"is not well-formed XML: {expat.ErrorString(err.code)} at line {err.lineno}",
            field=_FIELD,
            rule="xml",
        ) from None
    except (LookupError, ValueError) as err:  # an encoding Python does not know, or bytes
        # that do not decode in the one declared
        raise ValidationError(
            f"is not XML in an encoding that can be read: {str(err)[:100]}",
            field=_FIELD,
            rule="xml",
        ) from None
    try:
        return ET.fromstring(data)
    except (ET.ParseError, LookupError, ValueError) as err:  # pragma: no cover - expat read it
        raise ValidationError(f"is not well-formed XML: {err}", field=_FIELD, rule="xml") from None


def _identify(root: ET.Element) -> tuple[Kind, str, str]:
    tag = root.tag
    ns, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    if local != "Document" or not ns.startswith(_NAMESPACE):
        raise ValidationError(
            f"is not an ISO 20022 camt.053 or camt.054 Document but {tag[:200]!r}",
            field=_FIELD,
            rule="camt_root",
        )
    name = ns[len(_NAMESPACE) :]
    message, _, version = name.rpartition(".001.")
    kind = _ROOTS.get(message)
    if kind is None or f"001.{version}" not in SUPPORTED_VERSIONS:
        raise ValidationError(
            f"{name[:100]!r} is not a supported message: camt.053 or camt.054, versions "
            f"{SUPPORTED_VERSIONS[0]} to {SUPPORTED_VERSIONS[-1]}",
            field=_FIELD,
            rule="camt_version",
        )
    return kind[0], f"001.{version}", ns


def _missing(path: str) -> ValidationError:
    return ValidationError("is required", field=f"{_FIELD}.{path}", rule="required")


def _invalid(path: str, message: str, rule: str = "invalid") -> ValidationError:
    return ValidationError(message, field=f"{_FIELD}.{path}", rule=rule)


class _Reader:
    """Element access in the message's namespace."""

    def __init__(self, ns: str) -> None:
        self.ns = ns

    def q(self, path: str) -> str:
        return "/".join(f"{{{self.ns}}}{step}" for step in path.split("/"))

    def all(self, parent: ET.Element, path: str) -> list[ET.Element]:
        return parent.findall(self.q(path))

    def find(self, parent: ET.Element, path: str) -> ET.Element | None:
        return parent.find(self.q(path))

    def one(self, parent: ET.Element, path: str, where: str) -> ET.Element:
        found = parent.find(self.q(path))
        if found is None:
            raise _missing(f"{where}.{path.replace('/', '.')}".lstrip("."))
        return found

    def text(self, parent: ET.Element, path: str, where: str) -> str | None:
        """The stripped text of ``path`` under ``parent``; None when absent or blank."""
        found = parent.find(self.q(path))
        if found is None:
            return None
        if len(found):
            raise _invalid(
                f"{where}.{path.replace('/', '.')}", "must be text, not elements", "type"
            )
        return _clean(found.text) or None

    def texts(self, parent: ET.Element, path: str, where: str) -> Iterator[str]:
        """The texts of every ``path`` under ``parent``, in order, without blank ones."""
        for n, found in enumerate(parent.iterfind(self.q(path))):
            if len(found):
                raise _invalid(
                    f"{where}.{path.replace('/', '.')}.{n}", "must be text, not elements", "type"
                )
            text = _clean(found.text)
            if text:
                yield text


def _clean(text: str | None) -> str:
    """``text`` with its runs of white space (line breaks and tabs too) made one blank,
    and none at either end: how a person reads it, and what a matcher compares."""
    return " ".join((text or "").split())


def _account(read: _Reader, report: ET.Element, where: str) -> str:
    ident = read.one(report, "Acct/Id", where)
    account = read.text(ident, "IBAN", f"{where}.Acct.Id") or read.text(
        ident, "Othr/Id", f"{where}.Acct.Id"
    )
    if account is None:
        raise _missing(f"{where}.Acct.Id.IBAN")
    return account


def _amount(read: _Reader, element: ET.Element, where: str) -> tuple[Decimal, str]:
    if len(element):
        raise _invalid(where, "must be an amount, not elements", "type")
    code = (element.get("Ccy") or "").strip()
    if not code:
        raise _missing(f"{where}.Ccy")
    try:
        currency = Currency.of(code, f"{_FIELD}.{where}.Ccy")
    except ValidationError as err:
        raise ValidationError("", errors=err.errors) from None
    try:
        amount = parse_decimal(
            element.text or "", where, places=currency.minor_units, minimum=Decimal(0)
        )
    except ValidationError as err:
        raise _invalid(where, err.errors[0].message, err.errors[0].rule) from None
    return amount, code


def _date(read: _Reader, parent: ET.Element, path: str, where: str) -> date | None:
    holder = read.find(parent, path)
    if holder is None:
        return None
    day = read.text(holder, "Dt", f"{where}.{path}")
    stamp = read.text(holder, "DtTm", f"{where}.{path}")
    text, name = (day, "Dt") if day is not None else (stamp, "DtTm")
    if text is None:
        raise _missing(f"{where}.{path}.Dt")
    try:
        if name == "DtTm":
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        if len(text) > 10 and text[10] in "Z+-":  # xs:date may name its time zone
            text = text[:10]
        return date.fromisoformat(text)
    except ValueError:
        raise _invalid(
            f"{where}.{path}.{name}", f"{text[:40]!r} is not an ISO 8601 date", "date"
        ) from None


def _status(read: _Reader, entry: ET.Element, where: str) -> str:
    sts = read.one(entry, "Sts", where)
    if len(sts):
        code = read.text(sts, "Cd", f"{where}.Sts") or read.text(sts, "Prtry", f"{where}.Sts")
    else:
        code = (sts.text or "").strip() or None
    if code is None:
        raise _missing(f"{where}.Sts")
    return code


def _indicator(read: _Reader, parent: ET.Element, where: str, required: bool) -> str | None:
    value = read.text(parent, "CdtDbtInd", where)
    if value is None:
        if required:
            raise _missing(f"{where}.CdtDbtInd")
        return None
    if value not in ("CRDT", "DBIT"):
        raise _invalid(f"{where}.CdtDbtInd", f"{value[:40]!r} is neither CRDT nor DBIT")
    return value


def _flag(read: _Reader, parent: ET.Element, path: str, where: str) -> bool:
    value = read.text(parent, path, where)
    if value is None:
        return False
    if value not in ("true", "false", "1", "0"):
        raise _invalid(f"{where}.{path}", f"{value[:40]!r} is not a boolean")
    return value in ("true", "1")


# -- entries -------------------------------------------------------------------------------


@attrs.define
class _Collector:
    transactions: list[BankTransaction] = attrs.Factory(list)
    skipped: list[Skipped] = attrs.Factory(list)
    by_key: dict[str, BankTransaction] = attrs.Factory(dict)
    digests: dict[str, int] = attrs.Factory(dict)

    def skip(
        self,
        reason: SkipReason,
        path: str,
        amount: Decimal | None,
        currency: str | None,
        reference: str | None,
        note: str,
        key: str | None = None,
    ) -> None:
        self.skipped.append(Skipped(reason, path, amount, currency, reference, key, note))

    def add(self, transaction: BankTransaction, path: str, reference: str | None) -> None:
        earlier = self.by_key.get(transaction.key)
        if earlier is None:
            self.by_key[transaction.key] = transaction
            self.transactions.append(transaction)
            return
        same = earlier == transaction
        self.skip(
            SkipReason.DUPLICATE if same else SkipReason.CONFLICT,
            path,
            transaction.amount,
            transaction.currency,
            reference,
            "reported twice" if same else "same bank reference as a different earlier payment",
            transaction.key,
        )


def _entry(
    read: _Reader, entry: ET.Element, where: str, account: str, collector: _Collector
) -> None:
    amount, currency = _amount(read, read.one(entry, "Amt", where), f"{where}.Amt")
    indicator = _indicator(read, entry, where, required=True)
    status = _status(read, entry, where)
    reversal = _flag(read, entry, "RvslInd", where)
    bank_ref = read.text(entry, "AcctSvcrRef", where)
    entry_ref = read.text(entry, "NtryRef", where)
    shown_ref = bank_ref or entry_ref
    if status != "BOOK":
        collector.skip(
            SkipReason.NOT_BOOKED, where, amount, currency, shown_ref, f"status {status[:20]}"
        )
        return
    if reversal:
        collector.skip(SkipReason.REVERSAL, where, amount, currency, shown_ref, "reversal")
        return
    if indicator != "CRDT":
        collector.skip(SkipReason.DEBIT, where, amount, currency, shown_ref, "debit")
        return
    booked_on = _date(read, entry, "BookgDt", where) or _date(read, entry, "ValDt", where)
    if booked_on is None:
        raise _missing(f"{where}.BookgDt")
    details = [
        (f"{where}.NtryDtls.{d}.TxDtls.{t}", tx)
        for d, group in enumerate(read.all(entry, "NtryDtls"))
        for t, tx in enumerate(read.all(group, "TxDtls"))
    ]
    batch = len(details) > 1
    extra = () if batch else tuple(read.texts(entry, "AddtlNtryInf", where))
    if not details:
        _add(
            collector,
            where,
            account=account,
            amount=amount,
            currency=currency,
            booked_on=booked_on,
            own_ref=None,
            entry_ref=shown_ref,
            shown_ref=shown_ref,
            references=tuple(dict.fromkeys(extra)),
            debtor=None,
            end_to_end_id=None,
        )
        return
    for position, (path, tx) in enumerate(details, start=1):
        if batch:
            tx_amount, tx_currency = _tx_amount(read, tx, path)
        else:
            tx_amount, tx_currency = amount, currency
        if _indicator(read, tx, path, required=False) == "DBIT":
            collector.skip(
                SkipReason.NOT_CREDIT, path, tx_amount, tx_currency, shown_ref, "a debit"
            )
            continue
        end_to_end = read.text(tx, "Refs/EndToEndId", path)
        if end_to_end == _NOT_PROVIDED:
            end_to_end = None
        references = [
            *read.texts(tx, "RmtInf/Strd/CdtrRefInf/Ref", path),
            *read.texts(tx, "RmtInf/Ustrd", path),
            *((end_to_end,) if end_to_end else ()),
            *extra,
        ]
        debtor = read.text(tx, "RltdPties/Dbtr/Nm", path) or read.text(
            tx, "RltdPties/Dbtr/Pty/Nm", path
        )
        entry_key = bank_ref or entry_ref
        if entry_key is not None and batch:
            entry_key = f"{entry_key}/{position}"
        _add(
            collector,
            path,
            account=account,
            amount=tx_amount,
            currency=tx_currency,
            booked_on=booked_on,
            own_ref=read.text(tx, "Refs/AcctSvcrRef", path),
            entry_ref=entry_key,
            shown_ref=shown_ref,
            references=tuple(dict.fromkeys(references)),
            debtor=debtor,
            end_to_end_id=end_to_end,
        )


def _tx_amount(read: _Reader, tx: ET.Element, where: str) -> tuple[Decimal, str]:
    for path in ("Amt", "AmtDtls/TxAmt/Amt"):
        found = read.find(tx, path)
        if found is not None:
            return _amount(read, found, f"{where}.{path.replace('/', '.')}")
    raise _missing(f"{where}.Amt")


def _add(
    collector: _Collector,
    where: str,
    *,
    account: str,
    amount: Decimal,
    currency: str,
    booked_on: date,
    own_ref: str | None,
    entry_ref: str | None,
    shown_ref: str | None,
    references: tuple[str, ...],
    debtor: str | None,
    end_to_end_id: str | None,
) -> None:
    ref = own_ref or entry_ref
    if ref is not None:
        key = f"{account}/{ref}"
    else:
        facts = [account, booked_on.isoformat(), str(amount), currency, end_to_end_id, references]
        digest = hashlib.sha256(json.dumps(facts).encode()).hexdigest()
        seen = collector.digests.get(digest, 0) + 1
        collector.digests[digest] = seen
        key = f"sha256:{digest}" + (f"/{seen}" if seen > 1 else "")
    try:
        transaction = BankTransaction(
            key=key,
            amount=amount,
            currency=currency,
            booked_on=booked_on,
            references=references,
            account=account,
            debtor=debtor,
            end_to_end_id=end_to_end_id,
        )
    except ValidationError as err:
        raise ValidationError(
            "",
            errors=[
                FieldError(f"{_FIELD}.{where}.{e.path}", e.rule, e.message) for e in err.errors
            ],
        ) from None
    collector.add(transaction, where, shown_ref)
