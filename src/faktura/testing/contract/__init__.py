"""StoreContract: the behaviour every Store must show, as a reusable pytest suite.

Subclass it in a test module and provide a ``make_store`` fixture returning a callable
that builds a fresh, empty store (a new file, a new database)::

    class TestMyStore(StoreContract):
        @pytest.fixture
        def make_store(self, tmp_path):
            counter = itertools.count()
            return lambda: MyStore(tmp_path / f"{next(counter)}.db", create=True)

A durable store (one whose data outlives the process: a file, a database server) also
provides ``store_location``: a callable that makes a new, empty store and returns its
``StoreLocation``, an importable opener ("module:function") and a target (a path, a URL)
that opens another handle on it, in another thread or another process::

        @pytest.fixture
        def store_location(self, tmp_path):
            counter = itertools.count()

            def make():
                path = tmp_path / f"shared-{next(counter)}.db"
                MyStore(path, create=True).close()
                return StoreLocation.of(open_my_store, str(path))  # open_my_store(str)

            return make

With it, the concurrent writers each book on a handle of their own, and a child
process that books in a loop is killed with SIGKILL and the store opened anew. Without
it (the default, None) the store is taken for not durable, as MemoryStore: the writers
share the one store; the in-process abort of a booking holds it to the same guarantee
as the kill test does a durable store.

The contract is StoreContract and the parts a store adds when they apply to it:
``CustomersContract`` when it keeps customers, ``ApiKeysContract`` when it keeps API
keys, ``DurableStoreContract`` (the kill test) when it is durable; ``FullStoreContract``
is all four. A store may do without the optional repositories
(``OPTIONAL_REPOSITORIES``): its units of work give None for ``customers`` (customers
live in the host's system: pass ``Billing(customers=...)``) or ``api_keys`` (no HTTP
API keys). StoreContract fails a test class that leaves out a part its store declares
it needs, so no part is skipped and none is forgotten::

    class TestMySqlStore(FullStoreContract): ...  # make_store and store_location

    class TestMyLeanStore(StoreContract): ...  # no customers, no API keys, in memory

The modules: ``records`` (round trips, tenancy, units of work, the archive),
``outbox`` (the outbox and webhook endpoints, and the events each change writes to the
outbox), ``schedules`` (recurring-invoice schedules), ``collections`` (reminders and
their policies, customers' account entries, imported bank transactions),
``optional`` (customers, API keys), ``lists`` (order, paging, filters, search,
overdue), ``numbers`` (number series, the delivery log) and ``guarantees``
(concurrent writers, aborted and killed bookings), joined in ``suite``;
``booking`` and ``booker`` are the booking the guarantees run and the child process the
kill test starts (neither imports pytest; neither does this package until StoreContract
is asked for). Property tests build a fresh store per example. faktura runs it against
MemoryStore, SqliteStore, PostgresStore and the stores on a host's connection; hosts run
it against their own stores.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from faktura.testing.contract.booking import Abort, book, check_bookings
from faktura.testing.contract.data import (
    AT,
    DAY,
    OPTIONAL_REPOSITORIES,
    PNG_LOGO,
    STEPS,
    StoreFactory,
    StoreLocation,
    add,
    advance,
    api_key,
    attempt,
    company,
    customer,
    draft,
    endpoint,
    full_company,
    lacks,
    message,
    past_due,
    payable,
    schedule,
    seeded,
)

if TYPE_CHECKING:
    from faktura.testing.contract.suite import (
        ApiKeysContract,
        CollectionsContract,
        CustomersContract,
        DurableStoreContract,
        FullStoreContract,
        OutboxContract,
        SchedulesContract,
        StoreContract,
        WebhooksContract,
    )

__all__ = [
    "AT",
    "DAY",
    "OPTIONAL_REPOSITORIES",
    "PNG_LOGO",
    "STEPS",
    "Abort",
    "ApiKeysContract",
    "CollectionsContract",
    "CustomersContract",
    "DurableStoreContract",
    "FullStoreContract",
    "OutboxContract",
    "SchedulesContract",
    "StoreContract",
    "StoreFactory",
    "StoreLocation",
    "WebhooksContract",
    "add",
    "advance",
    "api_key",
    "attempt",
    "book",
    "check_bookings",
    "company",
    "customer",
    "draft",
    "endpoint",
    "full_company",
    "lacks",
    "message",
    "past_due",
    "payable",
    "schedule",
    "seeded",
]


_SUITE = (
    "ApiKeysContract",
    "CollectionsContract",
    "CustomersContract",
    "DurableStoreContract",
    "FullStoreContract",
    "OutboxContract",
    "SchedulesContract",
    "StoreContract",
    "WebhooksContract",
)


def __getattr__(name: str) -> Any:
    """The contract's classes, imported on first use: they need pytest and hypothesis,
    which the builders above and the crash test's child process do not."""
    if name in _SUITE:
        from faktura.testing.contract import suite

        return getattr(suite, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
