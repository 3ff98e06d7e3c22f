"""Test helpers for hosts of faktura, imported on demand (nothing here at import time).

- ``faktura.testing.strategies``: hypothesis strategies (currencies, amounts, lines,
  allowances and charges, payment terms, drafts, invoices in every status), registered
  with hypothesis so ``st.from_type(Invoice)`` works;
- ``faktura.testing.contract``: ``StoreContract``, the pytest suite every Store passes;
- ``faktura.testing.postgres``: ``PostgresCluster``, a throwaway PostgreSQL server.
"""
