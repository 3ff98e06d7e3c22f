"""The public API: an explicit, sorted and complete ``__all__`` and a quiet import."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import types

import pytest

import faktura

CORE_MODULES = [
    "faktura.crediting",
    "faktura.errors",
    "faktura.identifiers",
    "faktura.invoice",
    "faktura.fields",
    "faktura.lines",
    "faktura.money",
    "faktura.parties",
    "faktura.periods",
    "faktura.records",
    "faktura.status",
    "faktura.summary",
    "faktura.terms",
    "faktura.totals",
    "faktura.vat",
    "faktura.wire",
    "faktura.wire.converter",
    "faktura.wire.invoices",
]


def _isort_key(name: str) -> tuple[int, str]:
    if name.isupper():
        return 0, name
    return (1 if name[0].isupper() else 2), name


def test_all_is_sorted_and_names_only_real_objects() -> None:
    assert faktura.__all__ == sorted(faktura.__all__)
    for name in faktura.__all__:
        assert hasattr(faktura, name), name


def test_all_is_complete() -> None:
    # as httpx checks its own: every public name of the package is in __all__, those
    # imported with it and those loaded on first use
    public = {
        name
        for name, value in vars(faktura).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    public.discard("annotations")  # from __future__
    public.discard("importlib")
    public.discard("TYPE_CHECKING")
    assert set(faktura.__all__) - {"__version__"} == public | set(faktura._LAZY)


def test_a_host_finds_everything_in_one_namespace() -> None:
    from faktura import Billing, MemoryStore, SqliteStore, create_app, open_store, to_ubl
    from faktura.billing import Billing as billing_module_billing
    from faktura.documents.ubl import to_ubl as ubl_module_to_ubl

    assert Billing is billing_module_billing
    assert to_ubl is ubl_module_to_ubl
    billing = Billing(open_store("memory://"))
    assert isinstance(billing.store, MemoryStore)
    assert create_app.__module__ == "faktura.http.app"
    from faktura.storage.sqlite import SqliteStore as sqlite_package_store

    assert SqliteStore is sqlite_package_store
    with pytest.raises(AttributeError):
        faktura.NoSuchThing  # noqa: B018


def test_names_outside_the_core_load_on_first_use() -> None:
    code = (
        "import sys, faktura\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('faktura.billing', "
        "'faktura.storage', 'faktura.http', 'faktura.delivery', 'faktura.documents')))\n"
        "assert not loaded, loaded\n"
        "for name in ('sqlite3', 'socket', 'starlette', 'reportlab', 'psycopg', 'httpx'):\n"
        "    assert name not in sys.modules, name\n"
        "faktura.Billing\n"
        "assert 'faktura.billing' in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_missing_extra_is_named() -> None:
    code = (
        "import sys\n"
        "sys.modules['starlette'] = None  # as if the http extra were not installed\n"
        "import faktura\n"
        "try:\n"
        "    faktura.create_app\n"
        "except faktura.ConfigurationError as err:\n"
        "    print(err)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "pip install 'faktura[http]'" in result.stdout


def test_every_public_exception_is_exported() -> None:
    import faktura.errors as errors

    exported = {
        n
        for n in faktura.__all__
        if n.endswith(("Error", "Rejected", "Unavailable")) and n != "FieldError"
    }
    assert exported == {n for n in errors.__all__ if n != "FieldError"}


def test_module_alls_are_sorted_and_resolve() -> None:
    for name in CORE_MODULES:
        module = importlib.import_module(name)
        names = module.__all__
        # isort-style, as ruff's RUF022 keeps it: CONSTANTS, then Classes, then functions
        assert names == sorted(names, key=_isort_key), name
        for attr in names:
            assert hasattr(module, attr), f"{name}.{attr}"


def test_every_module_of_the_package_imports() -> None:
    for info in pkgutil.walk_packages(faktura.__path__, "faktura."):
        importlib.import_module(info.name)


def test_error_codes_are_stable_and_unique() -> None:
    import faktura.errors as errors

    classes = [getattr(errors, n) for n in errors.__all__ if n != "FieldError"]
    codes = [cls.code for cls in classes]
    assert len(set(codes)) == len(codes)
    assert errors.ValidationError.code == "validation_failed"
    assert errors.NotFoundError.code == "not_found"
    assert errors.InvoiceStateError.code == "invalid_state"
    assert issubclass(errors.ValidationError, ValueError)


def test_import_prints_nothing_and_reads_no_environment() -> None:
    code = (
        "import os, sys\n"
        "class Env(dict):\n"
        "    def __getitem__(self, k): raise SystemExit(f'read {k}')\n"
        "    def get(self, k, d=None): raise SystemExit(f'read {k}')\n"
        "os.environ = Env(os.environ)\n"
        "import faktura, faktura.wire\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


def test_the_stores_are_names_of_faktura_storage_too() -> None:
    """Where a new user looks for a store first (``from faktura.storage import ...``)."""
    from faktura import storage

    assert (storage.MemoryStore, storage.SqliteStore) == (faktura.MemoryStore, faktura.SqliteStore)
    with pytest.raises(AttributeError, match="no attribute 'Store'"):
        storage.Store  # noqa: B018 (the lookup is the check)
