"""The store contract's collections (issue 19): reminders and each company's reminder
policy (``faktura.ports.ReminderRepository``), customers' account entries and imported
bank transactions (``faktura.ports.CustomerAccounts``): round trips, optimistic updates,
tenancy, order and keyset pages, rollbacks, and a bank transaction kept once per key
even when two writers import it at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faktura.dunning import (
    REMINDER_SERIES,
    Reminder,
    ReminderItem,
    ReminderLevel,
    ReminderLimits,
    ReminderPolicy,
)
from faktura.errors import ConflictError, NotFoundError, StorageError
from faktura.numbering import NumberSeries, Reset
from faktura.ports import Store
from faktura.receivables import AccountEntry, BankEntry, BankOutcome, EntryKind
from faktura.records import Payment
from faktura.testing.contract.base import ContractBase
from faktura.testing.contract.data import AT, DAY, StoreFactory, StoreLocation, seeded

__all__ = [
    "CollectionsContract",
    "account_entries",
    "account_entry",
    "bank_entries",
    "bank_entry",
    "policies",
    "reminder",
    "reminders",
]

#: Ids and keys: ASCII and beyond, so that "by id" is the order of the code points.
IDS = st.text(alphabet="aAzZ09-_.éøÅ€", min_size=1, max_size=6)
#: Time zones an instant is written in: the same instant sorts the same in each.
ZONES = (UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30)))
#: Writers importing the same bank transactions at once, and the transactions.
IMPORTERS, IMPORTED = 2, 8
#: How long the concurrency test waits for a writer (seconds): a hung one fails.
PATIENCE = 60.0


# -- builders ----------------------------------------------------------------------------


def reminder(
    reminder_id: str,
    company_id: str = "co-a",
    customer_id: str = "cu-1",
    number: str | None = None,
    issue_date: date = DAY,
    payment_id: str | None = None,
) -> Reminder:
    """A first reminder of one overdue invoice, numbered ``R-<id>`` unless given."""
    item = ReminderItem(
        invoice_id="inv-1",
        number="1",
        issue_date=DAY - timedelta(days=40),
        due_date=DAY - timedelta(days=26),
        amount=Decimal("1250.00"),
        outstanding=Decimal("1000.00"),
        level=1,
        interest=Decimal("7.89"),
        interest_from=DAY - timedelta(days=26),
        interest_to=issue_date,
        compensation=Decimal("310.00"),
    )
    return Reminder(
        id=reminder_id,
        company_id=company_id,
        customer_id=customer_id,
        number=number if number is not None else f"R-{reminder_id}",
        issue_date=issue_date,
        currency="DKK",
        level=1,
        items=(item,),
        created_at=AT,
        fee=Decimal("100.00"),
        text="Please pay",
        language="da",
        payment_id=payment_id,
    )


def account_entry(
    entry_id: str,
    company_id: str = "co-a",
    customer_id: str = "cu-1",
    day: date = DAY,
    recorded_at: datetime = AT,
    kind: EntryKind = EntryKind.OVERPAYMENT,
) -> AccountEntry:
    """A movement of DKK 50 on the customer's credit balance."""
    return AccountEntry(
        id=entry_id,
        company_id=company_id,
        customer_id=customer_id,
        currency="DKK",
        kind=kind,
        amount=Decimal("50.00"),
        date=day,
        recorded_at=recorded_at,
        reference=f"ref {entry_id}",
        invoice_id="inv-1",
        payment_id=f"pay-{entry_id}",
    )


def bank_entry(
    key: str,
    company_id: str = "co-a",
    outcome: BankOutcome = BankOutcome.MATCHED,
    amount: str = "1250.00",
    reference: str | None = "+71<000000202400420+12345678<",
) -> BankEntry:
    """An imported credit of ``amount`` that paid invoice inv-1 (when it matched)."""
    matched = outcome is not BankOutcome.UNMATCHED
    return BankEntry(
        company_id=company_id,
        key=key,
        amount=Decimal(amount),
        currency="DKK",
        booked_on=DAY,
        outcome=outcome,
        recorded_at=AT,
        reference=reference,
        customer_id="cu-1" if matched else None,
        document_ids=("inv-1",) if matched else (),
        payment_ids=(f"pay-{key}",) if matched else (),
        reason=None if matched else "no document has this reference",
    )


# -- strategies --------------------------------------------------------------------------

_DAYS = st.dates(date(2020, 1, 1), date(2030, 12, 31))
_AMOUNTS = st.decimals("0.00", "99999.99", places=2)
_INSTANTS = st.builds(
    lambda at, zone: at.replace(tzinfo=UTC, fold=0).astimezone(zone),
    st.datetimes(datetime(2020, 1, 1), datetime(2030, 12, 31)),
    st.sampled_from(ZONES),
)
_TEXTS = st.none() | st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.just("\n"), max_size=20
)
_ONE_LINE = st.text(alphabet="abcXYZ 0123-_.æøå€", min_size=1, max_size=20).filter(
    lambda text: text.strip() == text
)


@st.composite
def _payments(draw: st.DrawFn) -> Payment:
    return Payment(
        amount=draw(st.decimals("0.01", "999.99", places=2)),
        date=draw(_DAYS),
        recorded_at=draw(_INSTANTS),
        reference=draw(st.none() | _ONE_LINE),
        id=draw(st.none() | IDS),
    )


@st.composite
def _items(draw: st.DrawFn) -> ReminderItem:
    start = draw(st.none() | _DAYS)
    return ReminderItem(
        invoice_id=draw(IDS),
        number=draw(_ONE_LINE),
        issue_date=draw(_DAYS),
        due_date=draw(_DAYS),
        amount=draw(_AMOUNTS),
        outstanding=draw(_AMOUNTS),
        level=draw(st.integers(1, 10)),
        interest=draw(_AMOUNTS),
        interest_from=start,
        interest_to=None if start is None else start + timedelta(days=draw(st.integers(0, 400))),
        compensation=draw(st.sampled_from([Decimal("0.00"), Decimal("310.00")])),
    )


@st.composite
def reminders(draw: st.DrawFn, company_id: str = "co-a") -> Reminder:
    """Any reminder of ``company_id``: items, payments (with and without ids), texts."""
    return Reminder(
        id=draw(IDS),
        company_id=company_id,
        customer_id=draw(IDS),
        number=draw(_ONE_LINE),
        issue_date=draw(_DAYS),
        currency=draw(st.sampled_from(["DKK", "EUR", "SEK"])),
        level=draw(st.integers(1, 10)),
        items=tuple(draw(st.lists(_items(), min_size=1, max_size=3))),
        created_at=draw(_INSTANTS),
        fee=draw(st.decimals("0.00", "100.00", places=2)),
        text=draw(_TEXTS),
        language=draw(st.none() | st.sampled_from(["da", "en", "de-DE"])),
        payment_id=draw(st.none() | st.from_regex(r"\A[0-9]{15}\Z")),
        payments=tuple(draw(st.lists(_payments(), max_size=3))),
        version=draw(st.integers(1, 2**40)),
    )


@st.composite
def policies(draw: st.DrawFn) -> ReminderPolicy:
    """Any lawful policy: 1-5 levels at least the interval apart, fees within the limits."""
    limits = draw(
        st.sampled_from(
            [ReminderLimits(), ReminderLimits(Decimal("250.00"), 5, 7), ReminderLimits()]
        )
    )
    gaps = draw(st.lists(st.integers(limits.min_interval_days, 40), min_size=1, max_size=5))
    days = [sum(gaps[: n + 1]) for n in range(len(gaps))]
    levels = []
    for n, day in enumerate(days):
        fee = draw(st.decimals("0.00", limits.max_fee, places=2))
        levels.append(
            ReminderLevel(
                days_after_due=day,
                fee=fee if n < limits.max_fee_reminders else Decimal("0.00"),
                interest=draw(st.booleans()),
                text=draw(st.none() | _ONE_LINE),
            )
        )
    return ReminderPolicy(
        levels=tuple(levels),
        currency=draw(st.sampled_from(["DKK", "EUR"])),
        margin=draw(st.none() | st.decimals("-5.0000", "20.0000", places=4)),
        compensation=draw(st.none() | st.decimals("0.00", "500.00", places=2)),
        series=draw(
            st.sampled_from(
                [REMINDER_SERIES, NumberSeries("RY{yy}{month}-{seq:05}", 7, Reset.MONTHLY, True)]
            )
        ),
        limits=limits,
        enabled=draw(st.booleans()),
    )


@st.composite
def account_entries(draw: st.DrawFn, company_id: str = "co-a") -> AccountEntry:
    """Any account entry of ``company_id``, its instant in any of ZONES."""
    currency = draw(st.sampled_from(["DKK", "EUR", "JPY"]))
    places = 0 if currency == "JPY" else 2
    return AccountEntry(
        id=draw(IDS),
        company_id=company_id,
        customer_id=draw(st.sampled_from(["cu-1", "cu-2"])),
        currency=currency,
        kind=draw(st.sampled_from(EntryKind)),
        amount=Decimal(draw(st.integers(1, 10**7))).scaleb(-places),
        date=draw(_DAYS),
        recorded_at=draw(_INSTANTS),
        reference=draw(_TEXTS),
        invoice_id=draw(st.none() | IDS),
        payment_id=draw(st.none() | IDS),
    )


@st.composite
def bank_entries(draw: st.DrawFn, company_id: str = "co-a") -> BankEntry:
    """Any imported bank transaction of ``company_id``."""
    return BankEntry(
        company_id=company_id,
        key=draw(IDS),
        amount=draw(st.decimals("-9999.99", "99999.99", places=2)),
        currency=draw(st.sampled_from(["DKK", "EUR"])),
        booked_on=draw(_DAYS),
        outcome=draw(st.sampled_from(BankOutcome)),
        recorded_at=draw(_INSTANTS),
        reference=draw(_TEXTS),
        customer_id=draw(st.none() | IDS),
        document_ids=tuple(draw(st.lists(IDS, max_size=3))),
        payment_ids=tuple(draw(st.lists(IDS, max_size=3))),
        reason=draw(_TEXTS),
    )


# -- the contract ------------------------------------------------------------------------


class CollectionsContract(ContractBase):
    """Reminders, reminder policies, account entries, bank entries (see StoreContract)."""

    # -- reminders -----------------------------------------------------------------------

    def test_reminder_round_trip_and_optimistic_update(self, store: Store) -> None:
        made = reminder("rm-1", payment_id="000000202400420")
        with store.unit_of_work() as uow:
            uow.reminders.add(made)
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.reminders.get("co-a", "rm-1") == made
        # as invoices: the caller passes the reminder with its next version, and the
        # version it read as ``expected_version``
        paid = made.pay_charges(Payment(Decimal("100.00"), DAY, AT, "bank", "pay-1"))
        with store.unit_of_work() as uow:
            uow.reminders.update(paid, made.version)
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.reminders.get("co-a", "rm-1") == paid
            assert uow.reminders.get("co-a", "rm-1").version == 2
        stale = made.pay_charges(Payment(Decimal("5.00"), DAY, AT, "lost update", "pay-2"))
        with store.unit_of_work() as uow, pytest.raises(ConflictError):
            uow.reminders.update(stale, made.version)
        with store.unit_of_work(readonly=True) as uow:
            assert uow.reminders.get("co-a", "rm-1") == paid

    def test_any_reminder_round_trips(self, make_store: StoreFactory) -> None:
        """Every field, every item and payment (with or without an id) comes back equal,
        decimals with their exponents."""
        store = seeded(make_store(), "co-a")
        try:

            @settings(max_examples=25, suppress_health_check=list(HealthCheck), deadline=None)
            @given(reminders())
            def check(made: Reminder) -> None:
                with store.unit_of_work() as uow:
                    uow.reminders.add(made)
                    back = uow.reminders.get("co-a", made.id)
                    # not committed: the next example finds the id free again
                assert back == made
                assert _exact(back) == _exact(made)

            check()
        finally:
            store.close()

    def test_reminders_not_found_conflicts_and_tenancy(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.reminders.add(reminder("rm-1"))
            uow.reminders.add(reminder("rm-2"))
            # an id and a number are unique per company
            uow.reminders.add(reminder("rm-1", "co-b"))
            uow.commit()
        with store.unit_of_work() as uow, pytest.raises(ConflictError):
            uow.reminders.add(reminder("rm-1", number="R-other"))  # the id is taken
        with store.unit_of_work() as uow, pytest.raises(ConflictError):
            uow.reminders.add(reminder("rm-3", number="R-rm-1"))  # the number is taken
        with store.unit_of_work() as uow, pytest.raises(ConflictError):
            # an update may not take another reminder's number
            uow.reminders.update(attrs.evolve(reminder("rm-2", number="R-rm-1"), version=2), 1)
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.reminders.add(reminder("rm-3", "co-nope"))
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.reminders.update(attrs.evolve(reminder("rm-3"), version=2), 1)
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.reminders.update(attrs.evolve(reminder("rm-1", "co-c"), version=2), 1)
        with store.unit_of_work(readonly=True) as uow:
            with pytest.raises(NotFoundError):
                uow.reminders.get("co-a", "rm-3")
            with pytest.raises(NotFoundError):
                uow.reminders.get("co-c", "rm-1")
            assert uow.reminders.list("co-a") == [reminder("rm-1"), reminder("rm-2")]
            assert uow.reminders.list("co-b") == [reminder("rm-1", "co-b")]
            assert uow.reminders.list("co-c") == []
            assert uow.reminders.get("co-a", "rm-2") == reminder("rm-2")

    def test_a_reminder_is_found_by_its_number_or_payment_id(self, store: Store) -> None:
        first = reminder("rm-1", payment_id="000000202400420")
        second = reminder("rm-2", number="R-2026-0002")
        with store.unit_of_work() as uow:
            uow.reminders.add(first)
            uow.reminders.add(second)
            uow.reminders.add(reminder("rm-3", "co-b", payment_id="000000202400438"))
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            found = uow.reminders.by_reference
            assert found("co-a", "R-rm-1") == first
            assert found("co-a", "000000202400420") == first
            assert found("co-a", "R-2026-0002") == second
            # exactly: no other case, no part, no padding; none of another company's
            assert found("co-a", "r-rm-1") is None
            assert found("co-a", "R-2026") is None
            assert found("co-a", " R-rm-1") is None
            assert found("co-a", "000000202400438") is None
            assert found("co-b", "000000202400420") is None
            assert found("co-c", "R-rm-1") is None

    def test_a_customers_reminders_oldest_first(self, make_store: StoreFactory) -> None:
        """for_customer: the customer's reminders by issue date, then id; no other
        customer's or company's."""

        @settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow], deadline=None)
        @given(
            st.dictionaries(IDS, st.tuples(st.sampled_from(["cu-1", "cu-2"]), _DAYS), max_size=10),
            st.sets(IDS, max_size=3),
        )
        def check(spec: dict[str, tuple[str, date]], others: set[str]) -> None:
            store = seeded(make_store(), "co-a", "co-b")
            try:
                made = [reminder(rid, customer_id=c, issue_date=d) for rid, (c, d) in spec.items()]
                with store.unit_of_work() as uow:
                    for one in made:
                        uow.reminders.add(one)
                    for rid in others:
                        uow.reminders.add(reminder(rid, "co-b"))
                    uow.commit()
                with store.unit_of_work(readonly=True) as uow:
                    for customer_id in ("cu-1", "cu-2", "cu-3"):
                        expected = sorted(
                            (r for r in made if r.customer_id == customer_id),
                            key=lambda r: (r.issue_date, r.id),
                        )
                        assert uow.reminders.for_customer("co-a", customer_id) == expected
            finally:
                store.close()

        check()

    def test_keyset_pages_visit_every_reminder_once(self, make_store: StoreFactory) -> None:
        """Page after page (``after`` the last id of the one before), the company's
        reminders by id, each exactly once, none of another company's."""

        @settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow], deadline=None)
        @given(st.sets(IDS, max_size=12), st.sets(IDS, max_size=4), st.integers(1, 5))
        def check(ids: set[str], others: set[str], limit: int) -> None:
            store = seeded(make_store(), "co-a", "co-b")
            try:
                with store.unit_of_work() as uow:
                    for rid in ids:
                        uow.reminders.add(reminder(rid))
                    for rid in others:
                        uow.reminders.add(reminder(rid, "co-b"))
                    uow.commit()
                seen: list[str] = []
                after: str | None = None
                with store.unit_of_work(readonly=True) as uow:
                    for _ in range(len(ids) + 2):
                        page = uow.reminders.list("co-a", after, limit)
                        assert len(page) <= limit
                        assert page == [reminder(r.id) for r in page]
                        seen += [r.id for r in page]
                        if len(page) < limit:
                            break
                        after = page[-1].id
                    if ids:
                        assert uow.reminders.list("co-a", max(ids), limit) == []
                    assert uow.reminders.list("co-a", None, 0) == []
                assert seen == sorted(ids)
            finally:
                store.close()

        check()

    # -- policies ------------------------------------------------------------------------

    def test_a_policy_is_none_until_set_and_then_replaced(self, store: Store) -> None:
        mine = ReminderPolicy.danish()
        changed = attrs.evolve(mine, levels=mine.levels[:1], compensation=None, margin=None)
        with store.unit_of_work(readonly=True) as uow:
            assert uow.reminders.policy("co-a") is None
        with store.unit_of_work() as uow:
            uow.reminders.set_policy("co-a", mine)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.reminders.policy("co-a") == mine
            assert uow.reminders.policy("co-b") is None
            uow.reminders.set_policy("co-a", changed)
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.reminders.policy("co-a") == changed
            assert uow.reminders.policy("co-b") is None
            with pytest.raises(NotFoundError):
                uow.reminders.policy("co-nope")
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.reminders.set_policy("co-nope", mine)

    def test_any_policy_round_trips(self, make_store: StoreFactory) -> None:
        store = seeded(make_store(), "co-a")
        try:

            @settings(max_examples=25, suppress_health_check=list(HealthCheck), deadline=None)
            @given(policies())
            def check(policy: ReminderPolicy) -> None:
                with store.unit_of_work() as uow:
                    uow.reminders.set_policy("co-a", policy)
                    uow.commit()
                with store.unit_of_work(readonly=True) as uow:
                    back = uow.reminders.policy("co-a")
                assert back == policy
                assert _exact(back) == _exact(policy)

            check()
        finally:
            store.close()

    # -- account entries -----------------------------------------------------------------

    def test_account_entries_round_trip_conflicts_and_tenancy(self, store: Store) -> None:
        entry = account_entry("ae-1")
        with store.unit_of_work() as uow:
            uow.accounts.add(entry)
            uow.accounts.add(account_entry("ae-1", "co-b"))  # an id is unique per company
            uow.commit()
        with store.unit_of_work() as uow, pytest.raises(ConflictError):
            uow.accounts.add(account_entry("ae-1", customer_id="cu-2"))
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.accounts.add(account_entry("ae-2", "co-nope"))
        with store.unit_of_work(readonly=True) as uow:
            assert uow.accounts.for_customer("co-a", "cu-1") == [entry]
            assert uow.accounts.for_customer("co-a", "cu-2") == []
            assert uow.accounts.for_customer("co-b", "cu-1") == [account_entry("ae-1", "co-b")]
            assert uow.accounts.for_customer("co-c", "cu-1") == []

    def test_account_entries_in_the_order_they_were_made(self, make_store: StoreFactory) -> None:
        """for_customer: by date, then the instant recorded (however its time zone writes
        it), then id; every field back as it went in."""

        # few days and instants, so that entries share them and the next key decides
        made = st.builds(
            lambda entry_id, customer_id, days, minutes, zone: account_entry(
                entry_id,
                customer_id=customer_id,
                day=DAY + timedelta(days=days),
                recorded_at=(AT + timedelta(minutes=minutes)).astimezone(zone),
            ),
            IDS,
            st.sampled_from(["cu-1", "cu-2"]),
            st.integers(0, 2),
            st.integers(-2, 2),
            st.sampled_from(ZONES),
        )

        @settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow], deadline=None)
        @given(st.lists(made, max_size=10, unique_by=lambda e: e.id))
        def check(entries: list[AccountEntry]) -> None:
            store = seeded(make_store(), "co-a", "co-b")
            try:
                with store.unit_of_work() as uow:
                    for entry in entries:
                        uow.accounts.add(entry)
                    uow.accounts.add(account_entry("other", "co-b"))
                    uow.commit()
                with store.unit_of_work(readonly=True) as uow:
                    for customer_id in ("cu-1", "cu-2"):
                        expected = sorted(
                            (e for e in entries if e.customer_id == customer_id),
                            key=lambda e: (e.date, e.recorded_at, e.id),
                        )
                        found = uow.accounts.for_customer("co-a", customer_id)
                        assert found == expected
                        assert [_exact(e) for e in found] == [_exact(e) for e in expected]
            finally:
                store.close()

        check()

    def test_any_account_entry_round_trips(self, make_store: StoreFactory) -> None:
        store = seeded(make_store(), "co-a")
        try:

            @settings(max_examples=25, suppress_health_check=list(HealthCheck), deadline=None)
            @given(account_entries())
            def check(entry: AccountEntry) -> None:
                with store.unit_of_work() as uow:
                    uow.accounts.add(entry)
                    (back,) = uow.accounts.for_customer("co-a", entry.customer_id)
                    # not committed: the next example finds the store empty again
                assert back == entry
                assert _exact(back) == _exact(entry)

            check()
        finally:
            store.close()

    # -- bank entries --------------------------------------------------------------------

    def test_a_bank_entry_is_kept_once_per_key(self, store: Store) -> None:
        first = bank_entry("tx-1")  # it made the payment pay-tx-1
        again = attrs.evolve(
            bank_entry("tx-1", amount="1.00", reference=None), payment_ids=("pay-again",)
        )
        with store.unit_of_work() as uow:
            assert uow.accounts.bank_entry("co-a", "tx-1") is None
            assert uow.accounts.add_bank_entry(first) is True
            # the same key again in the same unit of work: nothing changes
            assert uow.accounts.add_bank_entry(again) is False
            assert uow.accounts.bank_entry("co-a", "tx-1") == first
            assert uow.accounts.receipt("co-a", "pay-tx-1") == first
            assert uow.accounts.receipt("co-a", "pay-again") is None
            uow.commit()
        with store.unit_of_work() as uow:
            # and in the next one, after the first committed
            assert uow.accounts.add_bank_entry(again) is False
            # the key is the company's: another company's is another transaction
            assert uow.accounts.add_bank_entry(bank_entry("tx-1", "co-b")) is True
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.accounts.bank_entry("co-a", "tx-1") == first
            assert uow.accounts.bank_entry("co-b", "tx-1") == bank_entry("tx-1", "co-b")
            assert uow.accounts.bank_entry("co-a", "tx-2") is None
            assert uow.accounts.bank_entry("co-c", "tx-1") is None
            assert uow.accounts.bank_entries("co-a") == [first]
            # the entry that made a payment: none for a payment no entry made, none of
            # another company's
            assert uow.accounts.receipt("co-a", "pay-tx-1") == first
            assert uow.accounts.receipt("co-b", "pay-tx-1") == bank_entry("tx-1", "co-b")
            assert uow.accounts.receipt("co-a", "pay-again") is None
            assert uow.accounts.receipt("co-a", "tx-1") is None
            assert uow.accounts.receipt("co-c", "pay-tx-1") is None
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.accounts.add_bank_entry(bank_entry("tx-1", "co-nope"))

    def test_bank_entries_by_key_and_outcome(self, make_store: StoreFactory) -> None:
        """Page after page by key, all of them or those of one outcome, each once."""

        @settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow], deadline=None)
        @given(
            st.dictionaries(IDS, st.sampled_from(BankOutcome), max_size=12),
            st.sets(IDS, max_size=4),
            st.none() | st.sampled_from(BankOutcome),
            st.integers(1, 5),
        )
        def check(
            spec: dict[str, BankOutcome],
            others: set[str],
            outcome: BankOutcome | None,
            limit: int,
        ) -> None:
            store = seeded(make_store(), "co-a", "co-b")
            try:
                with store.unit_of_work() as uow:
                    for key, made in spec.items():
                        assert uow.accounts.add_bank_entry(bank_entry(key, outcome=made))
                    for key in others:
                        assert uow.accounts.add_bank_entry(bank_entry(key, "co-b"))
                    uow.commit()
                expected = sorted(k for k, o in spec.items() if outcome in (None, o))
                seen: list[str] = []
                after: str | None = None
                with store.unit_of_work(readonly=True) as uow:
                    for _ in range(len(spec) + 2):
                        page = uow.accounts.bank_entries("co-a", outcome, after, limit)
                        assert len(page) <= limit
                        assert page == [bank_entry(e.key, outcome=spec[e.key]) for e in page]
                        seen += [e.key for e in page]
                        if len(page) < limit:
                            break
                        after = page[-1].key
                assert seen == expected
            finally:
                store.close()

        check()

    def test_any_bank_entry_round_trips(self, make_store: StoreFactory) -> None:
        store = seeded(make_store(), "co-a")
        try:

            @settings(max_examples=25, suppress_health_check=list(HealthCheck), deadline=None)
            @given(bank_entries())
            def check(entry: BankEntry) -> None:
                with store.unit_of_work() as uow:
                    assert uow.accounts.add_bank_entry(entry) is True
                    back = uow.accounts.bank_entry("co-a", entry.key)
                    for payment_id in entry.payment_ids:  # each payment it made finds it
                        assert uow.accounts.receipt("co-a", payment_id) == entry
                    # not committed: the next example finds the key free again
                assert back == entry
                assert _exact(back) == _exact(entry)

            check()
        finally:
            store.close()

    def test_concurrent_imports_of_one_bank_transaction_keep_it_once(
        self,
        make_store: StoreFactory,
        store_location: Callable[[], StoreLocation] | None,
    ) -> None:
        """IMPORTERS writers import the same IMPORTED transactions at once, each on a
        handle of its own (``store_location``; all on the one store when it is not
        durable), each transaction in a unit of work of its own: every key is added
        exactly once (one writer gets True, the others False), and what is kept is the
        entry of the writer that got True."""
        location = store_location() if store_location is not None else None
        store = seeded(location.open() if location is not None else make_store())
        handles: list[Store] = []
        try:
            handles = [location.open() if location else store for _ in range(IMPORTERS)]
            start = threading.Barrier(IMPORTERS)
            results: dict[str, list[int]] = {f"tx-{n}": [] for n in range(IMPORTED)}
            failures: list[BaseException] = []
            lock = threading.Lock()

            def importer(writer: int, handle: Store) -> None:
                try:
                    for key in results:
                        start.wait(timeout=PATIENCE)  # every writer takes each key at once
                        entry = bank_entry(key, amount=f"{writer + 1}.00")
                        with handle.unit_of_work() as uow:
                            added = uow.accounts.add_bank_entry(entry)
                            uow.commit()
                        if added:
                            with lock:
                                results[key].append(writer)
                except BaseException as exc:  # reported to the test
                    start.abort()
                    with lock:
                        failures.append(exc)

            threads = [
                threading.Thread(target=importer, args=(w, handle))
                for w, handle in enumerate(handles)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=PATIENCE)
            assert not any(thread.is_alive() for thread in threads), "an importer hangs"
            assert failures == []
            assert all(len(winners) == 1 for winners in results.values()), results
            with store.unit_of_work(readonly=True) as uow:
                kept = {e.key: e for e in uow.accounts.bank_entries("co-a", limit=IMPORTED + 1)}
                receipts = {key: uow.accounts.receipt("co-a", f"pay-{key}") for key in results}
            assert kept == receipts
            assert kept == {
                key: bank_entry(key, amount=f"{winners[0] + 1}.00")
                for key, winners in results.items()
            }
        finally:
            for handle in {id(h): h for h in handles if h is not store}.values():
                handle.close()
            store.close()

    # -- units of work -------------------------------------------------------------------

    def test_collections_roll_back_unless_committed(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.reminders.add(reminder("rm-1", payment_id="000000202400420"))
            uow.reminders.set_policy("co-a", ReminderPolicy.danish())
            uow.accounts.add(account_entry("ae-1"))
            assert uow.accounts.add_bank_entry(bank_entry("tx-1")) is True
            assert uow.reminders.list("co-a") == [reminder("rm-1", payment_id="000000202400420")]
        with store.unit_of_work(readonly=True) as uow:
            assert uow.reminders.list("co-a") == []
            assert uow.reminders.for_customer("co-a", "cu-1") == []
            assert uow.reminders.by_reference("co-a", "R-rm-1") is None
            assert uow.reminders.by_reference("co-a", "000000202400420") is None
            assert uow.reminders.policy("co-a") is None
            assert uow.accounts.for_customer("co-a", "cu-1") == []
            assert uow.accounts.bank_entry("co-a", "tx-1") is None
            assert uow.accounts.bank_entries("co-a") == []
            assert uow.accounts.receipt("co-a", "pay-tx-1") is None
        with store.unit_of_work() as uow:
            uow.reminders.add(reminder("rm-1"))
            uow.commit()
        with store.unit_of_work() as uow:
            uow.reminders.update(attrs.evolve(reminder("rm-1"), version=2, text="changed"), 1)
        with store.unit_of_work(readonly=True) as uow:
            assert uow.reminders.get("co-a", "rm-1") == reminder("rm-1")
        with store.unit_of_work() as uow:  # a bank key not committed is free again
            assert uow.accounts.add_bank_entry(bank_entry("tx-1")) is True

    def test_a_read_only_unit_of_work_reads_and_refuses_writes(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.reminders.add(reminder("rm-1"))
            uow.reminders.set_policy("co-a", ReminderPolicy.danish())
            uow.accounts.add(account_entry("ae-1"))
            uow.accounts.add_bank_entry(bank_entry("tx-1"))
            uow.commit()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.reminders.get("co-a", "rm-1") == reminder("rm-1")
            assert uow.reminders.policy("co-a") == ReminderPolicy.danish()
            assert uow.accounts.for_customer("co-a", "cu-1") == [account_entry("ae-1")]
            assert uow.accounts.receipt("co-a", "pay-tx-1") == bank_entry("tx-1")
            writes: list[Callable[[], object]] = [
                lambda: uow.reminders.add(reminder("rm-2")),
                lambda: uow.reminders.update(attrs.evolve(reminder("rm-1"), version=2), 1),
                lambda: uow.reminders.set_policy("co-a", ReminderPolicy.danish()),
                lambda: uow.accounts.add(account_entry("ae-2")),
                lambda: uow.accounts.add_bank_entry(bank_entry("tx-2")),
                lambda: uow.accounts.add_bank_entry(bank_entry("tx-1")),
            ]
            for write in writes:
                with pytest.raises(StorageError):
                    write()
        with store.unit_of_work(readonly=True) as uow:
            assert uow.reminders.list("co-a") == [reminder("rm-1")]
            assert uow.accounts.bank_entries("co-a") == [bank_entry("tx-1")]


def _exact(value: object) -> str:
    """``value`` with every decimal's exponent and every instant's offset shown: what
    ``==`` does not tell apart (1.0 and 1.00; one instant in two time zones)."""
    return repr(value)
