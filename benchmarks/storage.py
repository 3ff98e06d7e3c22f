"""All storage benchmarks in one run: booking (SQLite, PostgreSQL, 4 SQLite writers) and
list/search latency on a 1,000,000-invoice SQLite file.

    .venv/bin/python benchmarks/storage.py            # everything (several minutes)
    .venv/bin/python benchmarks/storage.py --quick    # small sizes
    .venv/bin/python benchmarks/storage.py --check    # exit 1 when a target is missed
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import storage_booking
import storage_list


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    check = ["--check"] if "--check" in argv else []
    booking = storage_booking.main((["--quick"] if quick else []) + check)
    print()
    listing = storage_list.main((["--rows", "100000", "--repeats", "31"] if quick else []) + check)
    return booking or listing


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
