"""Test helpers for hosts of faktura, imported on demand (nothing here at import time).

- ``faktura.testing.strategies``: hypothesis strategies (currencies, amounts, lines,
  allowances and charges, payment terms, drafts, invoices in every status), registered
  with hypothesis so ``st.from_type(Invoice)`` works;
- ``faktura.testing.contract``: ``StoreContract`` (also importable from here), the
  pytest suite every Store passes;
- ``faktura.testing.postgres``: ``PostgresCluster``, a throwaway PostgreSQL server;
- ``faktura.testing.faults``: ``FailingStore``, a store that fails on purpose;
- ``faktura.testing.channels``: ``ChannelContract`` / ``PeerChannelContract``, the pytest
  suites every DeliveryChannel passes, and the fakes ``RecordingChannel`` and
  ``MemoryAccessPoint``;
- ``faktura.testing.access_point``: ``LocalAccessPoint``, an e-invoicing access point
  served over HTTP on 127.0.0.1;
- ``faktura.testing.clock``: ``ManualClock``, a Clock that moves when told to.
"""

from typing import Any

__all__ = ["StoreContract"]


def __getattr__(name: str) -> Any:
    """``from faktura.testing import StoreContract``, imported on first use (it needs
    pytest and hypothesis, which importing this package does not)."""
    if name == "StoreContract":
        from faktura.testing.contract import StoreContract

        return StoreContract
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
