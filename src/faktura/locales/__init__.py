"""faktura's message catalog: every text it writes (PDF labels, payment terms, VAT
exemption texts, unit names, email subject and body), as data, one TOML file per
language beside this module (``da.toml``, ``en.toml``, ...).

Every file has the same tables and keys: ``[labels]`` (the fields of
``faktura.documents.l10n.Labels``; a plural text is a table of ``one``, ``other`` and
optionally ``zero``), ``[units]`` (UN/ECE Rec. 20 codes), ``[email]`` and
``[reminder_email]``. A placeholder
is ``{name}``, filled in by ``str.format``, and a text takes the same placeholders in
every language (tests/test_catalog.py checks both). A language is one file: its name is
the language code, and the files present are the languages faktura writes.

TOML, not gettext: ``tomllib`` is in the standard library, so reading the catalog
imports nothing beyond it (``babel.messages`` and compiled ``.mo`` files would add an
import and a build step), a key names its place in the document rather than being the
English text, and a plural text can have its own text for zero ("Netto kontant"), which
gettext's plural forms cannot say.

The files are package data, each parsed once per process and cached: a text is looked
up per render, the file is not. They are read from this package's directory, and only
when the package is not a directory (imported from a zip) through
``importlib.resources``: that module brings zipfile, tempfile and pathlib with it, about
as much import time again as the rest of faktura.documents.l10n, and ``tomllib`` is
imported when a file is first parsed, not with this module.

>>> languages()
('da', 'de', 'en', 'nb', 'sv')
>>> catalog("da")["labels"]["payable"], catalog("nb")["email"]["closing"]
('At betale', 'Med vennlig hilsen')
"""

from __future__ import annotations

import functools
import os
from types import MappingProxyType
from typing import Any

from faktura.errors import ConfigurationError

__all__ = ["catalog", "languages"]

_SUFFIX = ".toml"
_HERE = os.path.dirname(__file__)


def _names() -> list[str]:
    if os.path.isdir(_HERE):
        return os.listdir(_HERE)
    from importlib.resources import files

    return [entry.name for entry in files(__name__).iterdir()]


def _read(name: str) -> str:
    if os.path.isdir(_HERE):
        with open(os.path.join(_HERE, name), encoding="utf-8") as file:
            return file.read()
    from importlib.resources import files

    return files(__name__).joinpath(name).read_text(encoding="utf-8")


@functools.cache
def languages() -> tuple[str, ...]:
    """The languages the catalog has a file for, in code order."""
    return tuple(sorted(name.removesuffix(_SUFFIX) for name in _names() if name.endswith(_SUFFIX)))


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({key: _frozen(item) for key, item in value.items()})
    return value


@functools.cache
def catalog(language: str) -> MappingProxyType[str, Any]:
    """The texts of ``language`` (one of ``languages()``), read-only: a table per part
    (``labels``, ``units``, ``email``, ``reminder_email``) of key to text, or to a table
    of plural forms.

    Raises ConfigurationError when the language has no file or its file is not TOML.
    """
    if language not in languages():
        raise ConfigurationError(f"faktura has no texts in language {language!r}")
    import tomllib

    name = language + _SUFFIX
    try:
        data = tomllib.loads(_read(name))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigurationError(f"faktura's catalog {name} cannot be read: {error}") from None
    frozen: MappingProxyType[str, Any] = _frozen(data)
    return frozen
