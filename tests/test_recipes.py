"""The recipes (docs/recipes/*.md) run as tests, against SQLite and PostgreSQL.

Each recipe is a complete small app embedding faktura on the host's own transaction; its
last block drives the app with its framework's test client and asserts what the page
promises (an order and its invoice in one transaction, both rolled back by a failure
after the booking, a bad input answered with faktura's problem JSON naming the field).

A page's python blocks run in order, in one namespace (as tests/test_docs_examples.py
runs the other pages), in a process of their own: a web framework configured once per
process (Django's settings) starts afresh for each database. The page finds the
database in ``SHOP_DATABASE_URL``: a SQLite file of the test's, or a new database of the
throwaway PostgreSQL cluster (failing, not skipped, under CI=true when there is none).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["pg_fixture"]

ROOT = Path(__file__).resolve().parent.parent
RECIPES = sorted((ROOT / "docs" / "recipes").glob("*.md"))

# Runs the page given as argv[1] as test_docs_examples does, its blocks' line numbers kept.
RUNNER = """\
import sys
from pathlib import Path

sys.path.insert(0, sys.argv[2])
from test_docs_examples import _execute, examples

page = Path(sys.argv[1])
namespace = {"__name__": "recipe_" + page.stem}
ran = 0
for example in examples(page):
    if example.runs:
        failure = _execute(example, namespace)
        if failure is not None:
            sys.exit(f"{page}: the block opening on line {example.line} failed\\n{failure}")
        ran += 1
print(f"{ran} blocks ran")
"""


def run_page(page: Path, database_url: str, cwd: Path) -> None:
    env = {
        **os.environ,
        "SHOP_DATABASE_URL": database_url,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(page), str(ROOT / "tests")],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-6000:] or done.stdout[-2000:]
    ran = int(done.stdout.split()[-3])
    assert ran >= 3, f"{page.name}: only {ran} blocks ran"


def test_there_are_recipes() -> None:
    assert {page.stem for page in RECIPES} >= {"fastapi", "django", "flask"}


@pytest.mark.parametrize("page", RECIPES, ids=lambda page: page.stem)
def test_recipe_on_sqlite(page: Path, tmp_path: Path) -> None:
    run_page(page, f"sqlite:///{tmp_path / 'shop.db'}", tmp_path)


@pytest.mark.parametrize("page", RECIPES, ids=lambda page: page.stem)
def test_recipe_on_postgres(page: Path, pg_url: str, tmp_path: Path) -> None:
    run_page(page, pg_url, tmp_path)
