"""Prints the packages whose installed version (pip freeze on stdin) differs from the lock.

Used by `make test-latest`, so its log says which upstream releases the run tried.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

_PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^ ;\\]+)")


def _pins(lines: list[str]) -> dict[str, set[str]]:
    pins: dict[str, set[str]] = {}
    for line in lines:
        match = _PIN.match(line.strip())
        if match:
            name = re.sub(r"[-_.]+", "-", match[1]).lower()
            pins.setdefault(name, set()).add(match[2])
    return pins


def main() -> int:
    locked = _pins(Path(sys.argv[1]).read_text(encoding="utf-8").splitlines())
    installed = _pins(sys.stdin.read().splitlines())
    rows = [
        (name, ", ".join(sorted(locked.get(name, {"-"}))), version)
        for name, versions in sorted(installed.items())
        for version in versions
        if version not in locked.get(name, set())
    ]
    if not rows:
        print("test-latest: the newest releases are the locked ones")
        return 0
    width = max(len(name) for name, _, _ in rows)
    print(f"test-latest: {len(rows)} package(s) differ from {sys.argv[1]}")
    print(f"  {'package':<{width}}  {'locked':<12}  installed")
    for name, was, now in rows:
        print(f"  {name:<{width}}  {was:<12}  {now}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
