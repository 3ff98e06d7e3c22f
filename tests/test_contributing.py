"""docs/contributing.md stays true: every excerpt of its walk stands in the file it
names, and what it says needs no step (storage) holds."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from faktura.invoice import Invoice
from faktura.storage import codec
from faktura.testing.contract import draft

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "contributing.md"
BLOCK = re.compile(r"```text\n# (?P<path>\S+)\n(?P<body>.*?)```", re.S)


def _excerpts() -> list[tuple[str, str]]:
    found = [
        (match["path"], line.strip())
        for match in BLOCK.finditer(PAGE.read_text(encoding="utf-8"))
        for line in match["body"].splitlines()
        if line.strip()
    ]
    assert len(found) >= 6, "the walk lost its excerpts"
    return found


@pytest.mark.parametrize(("path", "line"), _excerpts())
def test_every_excerpt_of_the_walk_stands_in_its_file(path: str, line: str) -> None:
    source = ROOT / path
    assert source.is_file(), f"{path} is named by docs/contributing.md but does not exist"
    lines = {text.strip() for text in source.read_text(encoding="utf-8").splitlines()}
    assert line in lines, f"docs/contributing.md quotes a line {path} no longer has: {line}"


def test_a_document_stored_before_a_field_existed_reads_back_with_its_default() -> None:
    """The walk's claim that storage needs no step for a new field."""
    stored = json.loads(codec.dumps(draft("inv-1")))
    del stored["delivery_date"]  # as a document written before the field was declared
    loaded = codec.loads(json.dumps(stored), Invoice)
    assert loaded.delivery_date is None
    assert loaded == draft("inv-1")
