"""faktura's message catalog (``faktura.locales``): one TOML file per language with the
same keys in every file, the same placeholders in every language, and the Python API
(``labels``, ``describe_terms``, ``exemption_text``, ``unit_name``, ``email_text``)
reading its texts from it.

The texts themselves are not written out here: that the catalog says what the
documents said before it existed was checked once, text by text, when it was made;
the wording is tested in test_l10n and the documents' tests.
"""

from __future__ import annotations

import json
import string
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import faktura
from faktura import locales
from faktura.delivery import texts
from faktura.delivery.texts import email_text
from faktura.documents import l10n
from faktura.documents import language as document_language
from faktura.documents.l10n import FALLBACK, SUPPORTED, Labels, PluralText, labels
from faktura.errors import ConfigurationError
from faktura.invoice import DocumentKind

TABLES = {"labels", "units", "email", "reminder_email", "reminder", "statement"}
SOURCE = Path(faktura.__file__).parent / "locales"


def leaves(table: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every key path of ``table`` down to its texts, in file order."""
    for key, value in table.items():
        if isinstance(value, Mapping):
            yield from leaves(value, (*prefix, key))
        else:
            yield (*prefix, key)


def text_at(table: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        table = table[key]
    return table


def placeholders(template: str) -> list[tuple[str, str, str | None]]:
    """The replacement fields of ``template``: (name, format spec, conversion)."""
    return [
        (name, spec or "", conversion)
        for _, name, spec, conversion in string.Formatter().parse(template)
        if name is not None
    ]


def read(language: str) -> dict[str, Any]:
    """The language's file, parsed straight from the checkout (not through the cache)."""
    return tomllib.loads((SOURCE / f"{language}.toml").read_text(encoding="utf-8"))


def test_the_languages_are_the_files_and_english_is_one() -> None:
    on_disk = sorted(path.stem for path in SOURCE.glob("*.toml"))
    assert list(SUPPORTED) == on_disk == list(locales.languages())
    assert FALLBACK in SUPPORTED
    assert len(SUPPORTED) >= 2


@pytest.mark.parametrize("language", SUPPORTED)
def test_every_language_has_every_key_and_no_other_in_the_same_order(language: str) -> None:
    ours, english = read(language), read(FALLBACK)
    assert set(ours) == TABLES
    assert list(leaves(ours)) == list(leaves(english))


def test_no_language_has_a_key_another_lacks() -> None:
    keys = {language: set(leaves(read(language))) for language in SUPPORTED}
    every = set().union(*keys.values())
    for language, own in keys.items():
        assert every - own == set(), f"{language} lacks keys others have"


@pytest.mark.parametrize("language", SUPPORTED)
def test_the_labels_table_is_the_labels_class(language: str) -> None:
    table = read(language)["labels"]
    assert list(table) == [field.name for field in attrs.fields(Labels)]
    for field in attrs.fields(Labels):
        plural = field.name in document_language._PLURALS
        assert isinstance(table[field.name], dict) is plural, field.name
    assert isinstance(labels(language), Labels)


@pytest.mark.parametrize("language", SUPPORTED)
def test_the_email_table_is_the_email_phrases(language: str) -> None:
    assert list(read(language)["email"]) == [f.name for f in attrs.fields(texts._Phrases)]


@pytest.mark.parametrize("language", SUPPORTED)
def test_every_text_is_non_empty_trimmed_and_uses_named_placeholders_only(language: str) -> None:
    data = read(language)
    for path in leaves(data):
        text = text_at(data, path)
        where = f"{language}: {'.'.join(path)}"
        assert isinstance(text, str), where
        assert text, where
        assert text == text.strip(), where
        for name, spec, conversion in placeholders(text):
            # {name}, the one syntax: no positional {} or {0}, no format spec, no !r
            assert name.isidentifier(), where
            assert (spec, conversion) == ("", None), where


@pytest.mark.parametrize("language", SUPPORTED)
def test_placeholders_agree_across_languages(language: str) -> None:
    ours, english = read(language), read(FALLBACK)
    for path in leaves(english):
        names = sorted(name for name, _, _ in placeholders(text_at(ours, path)))
        expected = sorted(name for name, _, _ in placeholders(text_at(english, path)))
        assert names == expected, f"{language}: {'.'.join(path)}"


@pytest.mark.parametrize("language", SUPPORTED)
def test_the_api_reads_the_catalog(language: str) -> None:
    data = read(language)
    words = labels(language)
    for path in leaves(data["labels"]):
        value = getattr(words, path[0])
        if len(path) == 2:
            assert isinstance(value, PluralText)
            value = getattr(value, path[1])
        assert value == text_at(data["labels"], path)
    for code, name in data["units"].items():
        assert l10n.unit_name(code, language) == name
    mail = email_text(
        language, DocumentKind.CREDIT_NOTE, "K-7", "Fjord ApS", "Ida", Decimal(5), "EUR",
        date(2026, 1, 5),
    )  # fmt: skip
    email = data["email"]
    assert mail.subject == email["subject"].format(
        title=words.credit_note, number="K-7", company="Fjord ApS"
    )
    assert email["credit_note"] + " K-7" in mail.body
    assert mail.body.endswith(f"\n{email['closing']}\nFjord ApS\n")


@given(
    language=st.sampled_from(SUPPORTED),
    name=st.sampled_from(sorted(document_language._PLURALS)),
    n=st.integers(min_value=2, max_value=10**6),
)
def test_a_plural_text_names_its_count(language: str, name: str, n: int) -> None:
    text = getattr(labels(language), name).format(n)
    assert str(n) in text
    assert "{" not in text


def test_the_catalog_is_read_once_and_read_only() -> None:
    assert locales.catalog("da") is locales.catalog("da")
    assert labels("da") is labels("da_DK")
    table = locales.catalog("da")["labels"]
    assert isinstance(table, MappingProxyType)
    with pytest.raises(TypeError):
        table["payable"] = "Betal"  # type: ignore[index]
    assert labels("da").payable == read("da")["labels"]["payable"]


def test_the_files_are_package_data() -> None:
    names = {entry.name for entry in files("faktura.locales").iterdir()}
    assert {f"{language}.toml" for language in SUPPORTED} <= names


def test_an_unknown_language_has_no_catalog_but_falls_back_to_english() -> None:
    with pytest.raises(ConfigurationError, match="'fr'"):
        locales.catalog("fr")
    assert labels("fr") is labels(FALLBACK)
    assert email_text(
        "fr", DocumentKind.INVOICE, "1", "A", "B", Decimal(1), "EUR", date(2026, 1, 1)
    ) == email_text("en", DocumentKind.INVOICE, "1", "A", "B", Decimal(1), "EUR", date(2026, 1, 1))


def broken(table: Mapping[str, Any], key: str, value: object | None) -> dict[str, Any]:
    """``table`` with ``key`` set to ``value``, or left out for None."""
    copy = {k: dict(v) if isinstance(v, Mapping) else v for k, v in table.items()}
    if value is None:
        del copy[key]
    else:
        copy[key] = value
    return copy


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("payable", None, r"lack \['payable'\]"),
        ("paid_in_full", "Paid", r"unknown \['paid_in_full'\]"),
        ("payable", {"one": "x", "other": "y"}, "payable is not a text"),
        ("terms_net", "Net", "terms_net is not a table"),
        ("terms_net", {"one": "1 day"}, "terms_net is not a table"),
        ("terms_net", {"one": "1", "other": "{n}", "few": "{n}"}, "terms_net is not a table"),
        ("terms_net", {"one": "1", "other": 2}, "terms_net is not a table"),
        ("vat", 7, "vat is not a text"),
    ],
)
def test_a_defective_labels_table_is_refused_naming_the_key(
    key: str, value: object | None, message: str
) -> None:
    table = broken(locales.catalog("en")["labels"], key, value)
    with pytest.raises(ConfigurationError, match=message):
        document_language._labels_of(table, "xx")


def test_an_intact_table_makes_the_labels() -> None:
    assert document_language._labels_of(locales.catalog("de")["labels"], "de") == labels("de")
    assert texts._phrases_of(locales.catalog("sv")["email"], "sv") == texts._phrases("sv")


@pytest.mark.parametrize(("key", "value"), [("closing", None), ("signature", "x"), ("intro", 1)])
def test_a_defective_email_table_is_refused(key: str, value: object | None) -> None:
    table = broken(locales.catalog("en")["email"], key, value)
    with pytest.raises(ConfigurationError, match="email texts"):
        texts._phrases_of(table, "xx")


def test_the_catalog_is_read_from_a_zipped_package_too(tmp_path: Path) -> None:
    archive = tmp_path / "faktura.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(Path(faktura.__file__).parent.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                zipped.write(path, path.relative_to(Path(faktura.__file__).parent.parent))
    code = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(archive)!r})\n"
        "from faktura import locales\n"
        "from faktura.documents.l10n import SUPPORTED, labels\n"
        "print(json.dumps([locales.__file__, SUPPORTED, labels('nb').payable]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    where, languages, payable = json.loads(done.stdout)
    assert where.startswith(str(archive))
    assert tuple(languages) == SUPPORTED
    assert payable == read("nb")["labels"]["payable"]
