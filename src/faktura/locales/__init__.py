"""faktura's message catalog: every text it writes (PDF labels, payment terms, VAT
exemption texts, unit names, email subject and body), as data, one TOML file per
language beside this module (``da.toml``, ``en.toml``, ...).

Every file has the same tables and keys: ``[labels]`` (the fields of
``faktura.documents.l10n.Labels``; a plural text is a table of ``one``, ``other`` and
optionally ``zero``), ``[units]`` (UN/ECE Rec. 20 codes) and ``[email]``. A placeholder
is ``{name}``, filled in by ``str.format``, and a text takes the same placeholders in
every language (tests/test_catalog.py checks both). A language is one file: its name is
the language code, and the files present are the languages faktura writes.

TOML, not gettext: ``tomllib`` is in the standard library, so reading the catalog
imports nothing beyond it (``babel.messages`` and compiled ``.mo`` files would add an
import and a build step), a key names its place in the document rather than being the
English text, and a plural text can have its own text for zero ("Netto kontant"), which
gettext's plural forms cannot say. The files are package data, read through
``importlib.resources`` (so they are found in a wheel, a zip or a checkout), each parsed
once per process and cached: a text is looked up per render, the file is not.

>>> languages()
('da', 'de', 'en', 'nb', 'sv')
>>> catalog("da")["labels"]["payable"], catalog("nb")["email"]["closing"]
('At betale', 'Med vennlig hilsen')
"""

from __future__ import annotations

import functools
import tomllib
from importlib.resources import files
from types import MappingProxyType
from typing import Any

from faktura.errors import ConfigurationError

__all__ = ["catalog", "languages"]

_SUFFIX = ".toml"


@functools.cache
def languages() -> tuple[str, ...]:
    """The languages the catalog has a file for, in code order."""
    return tuple(
        sorted(
            entry.name.removesuffix(_SUFFIX)
            for entry in files(__name__).iterdir()
            if entry.name.endswith(_SUFFIX) and entry.is_file()
        )
    )


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({key: _frozen(item) for key, item in value.items()})
    return value


@functools.cache
def catalog(language: str) -> MappingProxyType[str, Any]:
    """The texts of ``language`` (one of ``languages()``), read-only: a table per part
    (``labels``, ``units``, ``email``) of key to text, or to a table of plural forms.

    Raises ConfigurationError when the language has no file or its file is not TOML.
    """
    if language not in languages():
        raise ConfigurationError(f"faktura has no texts in language {language!r}")
    name = language + _SUFFIX
    try:
        data = tomllib.loads(files(__name__).joinpath(name).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigurationError(f"faktura's catalog {name} cannot be read: {error}") from None
    frozen: MappingProxyType[str, Any] = _frozen(data)
    return frozen
