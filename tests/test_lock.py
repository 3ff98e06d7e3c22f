"""The checked-in lock agrees with pyproject.toml: every dependency pinned, every pin allowed.

`make demo` and `make test` install the lock with `--no-deps`, so a dependency added to
pyproject.toml without `make lock` would otherwise surface only as an ImportError.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
_PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^ ;\\]+)(?:\s*;\s*([^\\]+?))?\s*(?:\\)?$")


def _pins(path: Path) -> dict[str, list[tuple[str, Marker | None]]]:
    """The lock's `name==version ; marker` lines, by canonical name."""
    pins: dict[str, list[tuple[str, Marker | None]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            marker = Marker(match[3]) if match[3] else None
            pins.setdefault(canonicalize_name(match[1]), []).append((match[2], marker))
    return pins


def _requirements(extras: set[str]) -> list[Requirement]:
    """pyproject's dependencies plus the extras named, following faktura[...] self-references."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    optional: dict[str, list[str]] = project["optional-dependencies"]
    wanted, seen, found = set(extras), set[str](), [Requirement(r) for r in project["dependencies"]]
    while wanted - seen:
        extra = (wanted - seen).pop()
        seen.add(extra)
        for text in optional[extra]:
            requirement = Requirement(text)
            if canonicalize_name(requirement.name) == "faktura":
                wanted |= requirement.extras
            else:
                found.append(requirement)
    return found


@pytest.mark.parametrize(
    ("lock", "extras"),
    [("requirements/all.txt", {"all"}), ("requirements/test.txt", {"all", "test"})],
)
def test_the_lock_pins_every_dependency_within_its_bounds(lock: str, extras: set[str]) -> None:
    pins = _pins(ROOT / lock)
    environment = {"python_full_version": "3.11.7", "python_version": "3.11"}
    problems = []
    for requirement in _requirements(extras):
        versions = [
            version
            for version, marker in pins.get(canonicalize_name(requirement.name), [])
            if marker is None or marker.evaluate(environment)
        ]
        if not versions:
            problems.append(f"{requirement.name} is not in {lock}")
        elif not all(requirement.specifier.contains(v, prereleases=True) for v in versions):
            problems.append(f"{requirement.name}=={versions} is outside {requirement.specifier}")
    assert not problems, f"run `make lock`: {problems}"


def test_the_demo_lock_takes_the_test_locks_versions() -> None:
    test = _pins(ROOT / "requirements/test.txt")
    demo = _pins(ROOT / "requirements/all.txt")

    def versions(pins: list[tuple[str, Marker | None]] | None) -> set[str]:
        return {version for version, _ in pins or []}

    differ = {n: (versions(p), versions(test.get(n))) for n, p in demo.items()}
    assert not {n: pair for n, pair in differ.items() if pair[0] != pair[1]}


def test_every_pin_carries_a_hash() -> None:
    for lock in ("all.txt", "test.txt", "tools.txt"):
        text = (ROOT / "requirements" / lock).read_text(encoding="utf-8")
        entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
        unhashed = [e.split()[0] for e in entries if "==" in e and "--hash=sha256:" not in e]
        assert not unhashed, f"{lock}: {unhashed}"


def test_the_parser_sees_a_missing_pin(tmp_path: Path) -> None:
    lock = tmp_path / "lock.txt"
    lock.write_text("babel==2.19.0 \\\n    --hash=sha256:00\n", encoding="utf-8")
    assert _pins(lock) == {"babel": [("2.19.0", None)]}
    assert "attrs" not in _pins(lock)
