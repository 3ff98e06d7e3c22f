"""faktura as a user gets it: ``python -m build`` makes an sdist and a wheel, and the
wheel, installed into a new virtualenv outside the checkout, runs the README's
Quickstart, ``faktura demo`` and a ``faktura.testing`` example with the extras the docs
name for them.

Slow (a build and two installs from PyPI, about a minute): the versions installed are
the lock's (``requirements/test.txt`` without its hashes, as pip constraints), hatchling
for an isolated build included. Network to PyPI is needed unless pip's cache holds every
file; without it the test fails, it does not skip.
"""

from __future__ import annotations

import email.parser
import importlib.util
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import attrs
import pytest

from test_docs_examples import examples

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "test.txt"
VERSION = "0.1.0"
#: The extras the README's table names (the package also has "test", for its own suite).
EXTRAS = {"pdf", "postgres", "einvoice", "http", "all", "testing"}


@attrs.frozen
class Dist:
    sdist: Path
    wheel: Path
    env: dict[str, str]  # pip's settings: the lock as constraints


def run(args: Sequence[str | Path], cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, args))} ended with {result.returncode} (in {cwd})\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}",
            pytrace=False,
        )
    return result.stdout


def constraints(lock: Path, target: Path) -> Path:
    """The lock's pins (markers kept) without hashes: pip takes no hashes in constraints."""
    pins = [
        line.removesuffix("\\").strip()
        for line in lock.read_text(encoding="utf-8").splitlines()
        if re.match(r"[A-Za-z0-9]", line)
    ]
    target.write_text("\n".join(pins) + "\n", encoding="utf-8")
    return target


def test_constraints_drop_hashes_and_keep_markers(tmp_path: Path) -> None:
    lock = tmp_path / "lock.txt"
    lock.write_text(
        "# via uv\nattrs==26.1.0 \\\n    --hash=sha256:c6\n    # via cattrs\n"
        "cffi==2.1.1 ; platform_python_implementation != 'PyPy' \\\n    --hash=sha256:00\n",
        encoding="utf-8",
    )
    assert constraints(lock, tmp_path / "c.txt").read_text().splitlines() == [
        "attrs==26.1.0",
        "cffi==2.1.1 ; platform_python_implementation != 'PyPy'",
    ]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    folder = tmp_path_factory.mktemp("dist")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    if LOCK.is_file():
        env["PIP_CONSTRAINT"] = str(constraints(LOCK, folder / "constraints.txt"))
    # hatchling from the lock in this venv, else an isolated build fetches it
    isolation = ["--no-isolation"] if importlib.util.find_spec("hatchling") else []
    out = folder / "out"
    run([sys.executable, "-m", "build", *isolation, "--outdir", out, ROOT], cwd=folder, env=env)
    sdists, wheels = sorted(out.glob("*.tar.gz")), sorted(out.glob("*.whl"))
    assert [p.name for p in sdists] == [f"faktura-{VERSION}.tar.gz"]
    assert [p.name for p in wheels] == [f"faktura-{VERSION}-py3-none-any.whl"]
    return Dist(sdists[0], wheels[0], env)


def test_the_wheel_holds_the_package_only(dist: Dist) -> None:
    with zipfile.ZipFile(dist.wheel) as wheel:
        names = wheel.namelist()
        metadata = email.parser.Parser().parsestr(
            wheel.read(f"faktura-{VERSION}.dist-info/METADATA").decode("utf-8")
        )
        entry_points = wheel.read(f"faktura-{VERSION}.dist-info/entry_points.txt").decode()
    assert "faktura/py.typed" in names
    assert "faktura/testing/access_point.py" in names  # faktura.testing ships, tests do not
    catalog = {f"faktura/locales/{p.name}" for p in (ROOT / "src/faktura/locales").glob("*.toml")}
    assert catalog, "no catalog files in the checkout"
    assert catalog <= set(names)  # the message catalog is package data
    outside = [n for n in names if not n.startswith(("faktura/", f"faktura-{VERSION}.dist-info/"))]
    assert outside == []
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert set(metadata.get_all("Provides-Extra") or []) >= EXTRAS
    assert "faktura = faktura.cli:main" in entry_points


def test_the_sdist_holds_sources_not_leftovers(dist: Dist) -> None:
    with tarfile.open(dist.sdist) as sdist:
        names = [n.split("/", 1)[1] for n in sdist.getnames() if "/" in n]
    for needed in ("src/faktura/py.typed", "tests/test_package.py", "README.md", "pyproject.toml"):
        assert needed in names, needed
    leftovers = [
        n
        for n in names
        if n.split("/")[0] in (".venv", "faktura-demo", "site", "received", "dist")
        or "__pycache__" in n
        or n.endswith((".pyc", ".db"))
    ]
    assert leftovers == []


def python_block(page: Path, heading: str) -> str:
    """The first runnable python block under ``heading`` on ``page``."""
    lines = page.read_text(encoding="utf-8").splitlines()
    start = lines.index(heading) + 1  # 1-based: the line after the heading
    block = next((e for e in examples(page) if e.runs and e.line > start), None)
    assert block is not None, f"{page.name}: no python block after {heading!r}"
    between = [line for line in lines[start : block.line - 1] if re.match(r"#{1,2} ", line)]
    assert between == [], f"{page.name}: no python block under {heading!r}"
    return block.code


def test_the_wheel_runs_the_quickstart_and_the_demo(dist: Dist, tmp_path: Path) -> None:
    venv, work = tmp_path / "venv", tmp_path / "work"
    work.mkdir()
    run([sys.executable, "-m", "venv", venv], cwd=tmp_path, env=dist.env, timeout=120)
    python, pip = venv / "bin" / "python", [venv / "bin" / "python", "-m", "pip", "install"]

    # the README: "pip install ...whl[pdf]", then the Quickstart
    run([*pip, f"{dist.wheel}[pdf]"], cwd=work, env=dist.env)
    where = run([python, "-c", "import faktura; print(faktura.__file__)"], cwd=work, env=dist.env)
    assert Path(where.strip()).is_relative_to(venv), where  # not the checkout's src/
    quickstart = python_block(ROOT / "README.md", "## Quickstart")
    run([python, "-c", quickstart], cwd=work, env=dist.env, timeout=120)

    # faktura.testing needs the testing extra, as the docs say
    missing = subprocess.run(
        [python, "-c", "import faktura.testing.channels"],
        cwd=work,
        env=dist.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "ModuleNotFoundError" in missing.stderr, missing.stderr

    # "faktura demo needs pdf and einvoice"; docs/delivery.md's first example, testing
    run([*pip, f"{dist.wheel}[pdf,einvoice,testing]"], cwd=work, env=dist.env)
    demo = run([venv / "bin" / "faktura", "demo"], cwd=work, env=dist.env, timeout=120)
    assert "wrote faktura-demo/invoice-3.xml" in demo
    assert (work / "faktura-demo" / "invoice-1.pdf").read_bytes().startswith(b"%PDF-")
    delivery = python_block(ROOT / "docs" / "delivery.md", "# Sending and delivery")
    assert "faktura.testing" in delivery
    run([python, "-c", delivery], cwd=work, env=dist.env, timeout=120)
