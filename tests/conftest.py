"""Shared test setup: hypothesis profiles ("default" locally, "ci" when CI=true)."""

from __future__ import annotations

import os

from hypothesis import settings

# No deadlines: timings on shared CI machines say nothing about correctness, and speed is
# measured by benchmarks/, not by unit tests (DESIGN §11).
settings.register_profile("default", max_examples=100, deadline=None)
settings.register_profile("ci", max_examples=300, deadline=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI", "").lower() == "true" else "default")
