"""The core is pure (STYLE habit 1): no I/O modules, no clock, no environment, no decimal context.

Importing it in a fresh interpreter pulls in none of the adapters' dependencies, and its
source never reads the clock or the environment, nor uses the caller's decimal context.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

import faktura

CORE_MODULES = [
    "faktura",
    "faktura.errors",
    "faktura.money",
    "faktura.identifiers",
    "faktura.vat",
    "faktura.terms",
    "faktura.lines",
    "faktura.totals",
    "faktura.status",
    "faktura.records",
    "faktura.periods",
    "faktura.crediting",
    "faktura.invoice",
    "faktura.summary",
    "faktura.issued",
    "faktura.requirements",
    "faktura.peppol_national",
    "faktura.issuability",
    "faktura.exchange",
    "faktura.fields",
    "faktura.schedules",
    "faktura.outbox",
    "faktura.dunning",
    "faktura.receivables",
    # present once written:
    "faktura.numbering",
    "faktura.parties",
    "faktura.wire",
    "faktura.wire.converter",
    "faktura.wire.invoices",
]
PRESENT = [name for name in CORE_MODULES if importlib.util.find_spec(name) is not None]
FORBIDDEN_IMPORTS = {
    "sqlite3",
    "smtplib",
    "socket",
    "psycopg",
    "reportlab",
    "pypdf",
    "segno",
    "hypothesis",
    "ssl",
    "http",
    "urllib.request",
}
PACKAGE = Path(faktura.__file__).parent


def _forbidden(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in FORBIDDEN_IMPORTS)


def test_the_forbidden_check_recognises_submodules() -> None:
    assert _forbidden("http.client")
    assert _forbidden("urllib.request")
    assert _forbidden("psycopg.pq")
    assert not _forbidden("urllib.parse")
    assert not _forbidden("faktura.http")
    assert not _forbidden("httpx_like")


def test_core_imports_no_io_modules() -> None:
    code = (
        "import json, sys, threading\n"
        f"for name in {PRESENT!r}:\n"
        "    __import__(name)\n"
        "print(json.dumps({'modules': sorted(sys.modules),"
        " 'threads': threading.active_count()}))\n"
    )
    # -I: no PYTHON* variables, no user site, no current directory on the path.
    done = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    report = json.loads(done.stdout)  # nothing else was printed at import
    loaded = [m for m in report["modules"] if _forbidden(m)]
    assert loaded == [], f"the core pulled in {loaded}"
    assert set(PRESENT) <= set(report["modules"])
    assert report["threads"] == 1  # nothing started at import time


# -- static checks of the core's source --------------------------------------------------

CLOCK = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
}


def _dotted(node: ast.expr) -> tuple[str, ...]:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return tuple(reversed(parts))


def _called(node: ast.Call) -> str:
    parts = _dotted(node.func)
    return parts[-1] if parts else ""


class _Scope:
    """What one function does with the decimal context."""

    def __init__(self) -> None:
        self.saved: set[str] = set()  # names assigned from getcontext()
        self.restored: set[str] = set()  # names handed back to setcontext() in a finally


def _decimal_context_problems(function: ast.AST, where: str) -> list[str]:
    """getcontext()/setcontext() are allowed only as save → install own → restore in
    ``finally`` (what decimal.localcontext(own) does); localcontext() without a context
    of its own copies the caller's and is refused."""
    scope = _Scope()
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and _called(node.value) == "getcontext"
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            scope.saved.add(node.targets[0].id)
        if isinstance(node, ast.Try):
            for inner in node.finalbody:
                for call in ast.walk(inner):
                    if (
                        isinstance(call, ast.Call)
                        and _called(call) == "setcontext"
                        and len(call.args) == 1
                        and isinstance(call.args[0], ast.Name)
                    ):
                        scope.restored.add(call.args[0].id)
    problems = []
    balanced = bool(scope.saved & scope.restored)
    for node in ast.walk(function):
        if not isinstance(node, ast.Call):
            continue
        name = _called(node)
        if name in ("getcontext", "setcontext") and not balanced:
            problems.append(f"{where}:{node.lineno}: {name}() without restoring the caller's")
        if name == "localcontext" and not node.args and not node.keywords:
            problems.append(f"{where}:{node.lineno}: localcontext() copies the caller's context")
    # getcontext() anywhere but "saved = getcontext()" (e.g. getcontext().prec = 10)
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Call)
            and _called(node.value) == "getcontext"
        ):
            problems.append(f"{where}:{node.lineno}: uses getcontext().{node.attr}")
    return problems


def _problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    where = path.name
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            parts = _dotted(node.func)
            if parts[-2:] in CLOCK:
                problems.append(f"{where}:{node.lineno}: reads the clock ({'.'.join(parts)})")
            if parts[-2:] in (("os", "getenv"), ("os", "putenv")):
                problems.append(f"{where}:{node.lineno}: reads the environment")
        if isinstance(node, ast.Attribute) and _dotted(node)[-2:] == ("os", "environ"):
            problems.append(f"{where}:{node.lineno}: reads os.environ")
        if isinstance(node, ast.ImportFrom) and node.module in ("os", "time"):
            names = {alias.name for alias in node.names}
            if names & {"environ", "getenv", "time", "time_ns"}:
                problems.append(
                    f"{where}:{node.lineno}: imports {sorted(names)} from {node.module}"
                )
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            problems += [f"{where}:{node.lineno}: imports {m}" for m in modules if _forbidden(m)]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Module):
            if isinstance(node, ast.Module):
                # module level: only code outside functions
                body = ast.Module(
                    body=[
                        n
                        for n in node.body
                        if not isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                    ],
                    type_ignores=[],
                )
                problems += _decimal_context_problems(body, where)
            else:
                problems += _decimal_context_problems(node, where)
    return problems


def _source(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    assert spec is not None
    assert spec.origin is not None
    return Path(spec.origin)


CORE_FILES = [
    PACKAGE / "__init__.py",
    *sorted(_source(name) for name in PRESENT if name != "faktura"),
]


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_source_reads_no_clock_environment_or_decimal_context(path: Path) -> None:
    assert _problems(path) == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("import datetime\nx = datetime.datetime.now()", "reads the clock"),
        ("from datetime import date\ndef f():\n    return date.today()", "reads the clock"),
        ("import os\nx = os.environ.get('X')", "os.environ"),
        ("import os\nx = os.getenv('X')", "environment"),
        ("import decimal\ndecimal.getcontext().prec = 10", "getcontext().prec"),
        (
            "from decimal import getcontext\ndef f():\n    return getcontext().rounding",
            "getcontext",
        ),
        ("import decimal\ndef f():\n    with decimal.localcontext():\n        pass", "copies"),
        ("import decimal\ndef f(c):\n    decimal.setcontext(c)", "without restoring"),
        ("import sqlite3", "imports sqlite3"),
        ("from http import client", "imports http"),
    ],
)
def test_the_static_check_finds_impurities(tmp_path: Path, source: str, found: str) -> None:
    path = tmp_path / "impure.py"
    path.write_text(source, encoding="utf-8")
    problems = _problems(path)
    assert any(found in p for p in problems), problems


def test_the_static_check_allows_a_restored_private_context(tmp_path: Path) -> None:
    path = tmp_path / "pure.py"
    path.write_text(
        "from decimal import Context, getcontext, localcontext, setcontext\n"
        "OWN = Context(prec=60)\n"
        "def f(x):\n"
        "    caller = getcontext()\n"
        "    setcontext(OWN)\n"
        "    try:\n"
        "        return x * x\n"
        "    finally:\n"
        "        setcontext(caller)\n"
        "def g(x):\n"
        "    with localcontext(OWN):\n"
        "        return x + x\n",
        encoding="utf-8",
    )
    assert _problems(path) == []
