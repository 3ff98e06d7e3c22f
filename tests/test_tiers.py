"""The test suite's own rules: every test in exactly one tier (the TIERS table of
conftest.py), and hypothesis runs that are reproducible unless HYPOTHESIS_PROFILE asks
for exploring."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from conftest import (
    DEFAULT_PROFILE,
    OTHERS,
    TIER_NAMES,
    TIERS,
    module_key,
    tier_of,
    tier_problems,
    top_level_name,
)

ROOT = Path(__file__).resolve().parent.parent
# Where tests and the contract suites they run live (conftest.py aside, which registers
# the profiles): none of them picks its own randomness or example database.
HYPOTHESIS_USERS = [
    path
    for path in [*(ROOT / "tests").glob("*.py"), *(ROOT / "src/faktura/testing").rglob("*.py")]
    if path.name != "conftest.py"
]


# -- tiers -----------------------------------------------------------------------------------


def test_every_collected_test_has_exactly_one_tier(request: pytest.FixtureRequest) -> None:
    wrong = []
    for item in request.session.items:
        tiers = [mark.name for mark in item.iter_markers() if mark.name in TIER_NAMES]
        if tiers != [tier_of(module_key(item), top_level_name(item))]:
            wrong.append(f"{item.nodeid}: {tiers}")
    assert request.session.items
    assert not wrong, "\n".join(wrong)


def test_the_tiers_are_registered_markers(pytestconfig: pytest.Config) -> None:
    registered = {line.split(":")[0].strip() for line in pytestconfig.getini("markers")}
    assert set(TIER_NAMES) <= registered


def test_every_test_module_has_a_tier_and_every_entry_a_module() -> None:
    modules = {path.relative_to(ROOT).as_posix() for path in (ROOT / "tests").glob("test_*.py")}
    assert not modules - set(TIERS), "add these to TIERS in tests/conftest.py"
    assert all((ROOT / key).exists() for key in TIERS), "TIERS names a module that is gone"
    for key, entry in TIERS.items():
        tiers = entry.values() if not isinstance(entry, str) else [entry]
        assert set(tiers) <= set(TIER_NAMES), key


def _top_level_tests(path: Path) -> set[str]:
    """The test functions and classes a module defines (or assigns: a state machine's
    ``TestCase``)."""
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
    return {name for name in names if name.startswith(("test", "Test"))}


def test_a_split_module_names_its_tests_and_only_them() -> None:
    for key, entry in TIERS.items():
        if isinstance(entry, str):
            continue
        tests = _top_level_tests(ROOT / key)
        named = set(entry) - {OTHERS}
        assert named <= tests, f"{key}: no such tests: {sorted(named - tests)}"
        if OTHERS not in entry:
            assert tests <= named, f"{key}: no tier for {sorted(tests - named)}"


def test_the_table_places_tests_and_refuses_the_untiered() -> None:
    assert tier_of("tests/test_billing.py", "test_anything") == "unit"
    assert tier_of("tests/test_store_sqlite.py", "TestSqliteStore") == "contract"
    assert tier_of("tests/test_store_sqlite.py", "test_pragmas") == "integration"
    assert tier_of("tests/test_store_memory.py", "test_a_new_one") is None  # no "*" there
    assert tier_of("tests/test_brand_new.py", "test_x") is None
    assert tier_of("src/faktura/any/module.py", "faktura.any.module") == "docs"
    assert tier_problems([("tests/test_billing.py::test_x", "unit", [])]) == []
    [untiered] = tier_problems([("tests/test_brand_new.py::test_x", None, [])])
    assert "test_brand_new.py::test_x: no tier" in untiered
    [by_hand] = tier_problems([("tests/test_billing.py::test_x", "unit", ["integration"])])
    assert "by hand" in by_hand


def test_an_untiered_module_stops_the_run(tmp_path: Path) -> None:
    shutil.copy(ROOT / "tests" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_brand_new.py").write_text("def test_x():\n    pass\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout + result.stderr
    assert "test_brand_new.py::test_x: no tier" in result.stderr


# -- hypothesis ------------------------------------------------------------------------------


def test_the_ci_profile_is_reproducible() -> None:
    ci = settings.get_profile("ci")
    assert ci.derandomize is True
    assert ci.database is None
    assert ci.deadline is None
    assert ci.print_blob is True
    assert ci.max_examples == 300
    explore = settings.get_profile("explore")
    assert explore.derandomize is False
    assert explore.database is not None
    assert explore.max_examples > ci.max_examples


def test_the_loaded_profile_is_ci_unless_hypothesis_profile_names_another() -> None:
    asked = os.environ.get("HYPOTHESIS_PROFILE")
    assert settings.get_current_profile_name() == (asked or DEFAULT_PROFILE)
    if not asked:
        assert DEFAULT_PROFILE == "ci"
        assert settings().derandomize is True
        assert settings().database is None


def test_collected_hypothesis_tests_keep_the_profiles_randomness_and_database(
    request: pytest.FixtureRequest,
) -> None:
    loaded = settings()
    wrong = []
    for item in request.session.items:
        function = getattr(item, "obj", None)
        chosen = getattr(function, "_hypothesis_internal_use_settings", None)
        chosen = chosen or getattr(getattr(item, "cls", None), "settings", None)
        if not isinstance(chosen, settings):
            continue
        if chosen.derandomize != loaded.derandomize or (chosen.database is None) != (
            loaded.database is None
        ):
            wrong.append(item.nodeid)
    assert not wrong, wrong


@pytest.mark.parametrize(
    "path", sorted(HYPOTHESIS_USERS), ids=lambda path: path.relative_to(ROOT).as_posix()
)
def test_no_test_sets_derandomize_or_the_database_itself(path: Path) -> None:
    # Read from the source: a nested @settings (inside a test, or in a contract suite's
    # method) exists only once its test runs.
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name in ("register_profile", "load_profile"):
            found.append(f"line {node.lineno}: {name}")
        if name == "settings":
            found += [
                f"line {node.lineno}: settings({keyword.arg}=...)"
                for keyword in node.keywords
                if keyword.arg in ("derandomize", "database")
            ]
    assert not found, found
