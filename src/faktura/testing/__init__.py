"""Test helpers for hosts of faktura: hypothesis strategies (``faktura.testing.strategies``)."""
