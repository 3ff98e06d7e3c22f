"""The faces the PDF templates write with: ``FontSpec``, the PDF core fonts, the
TrueType families registered with reportlab and the default family (the lowest module of
the fonts: ``faktura.documents.fonts`` is its public face, with the check that a
document's text can be drawn). Importing this module needs no PDF library.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import threading
from pathlib import Path

import attrs

from faktura.errors import RenderError

__all__ = [
    "CORE",
    "SYSTEM_DEJAVU",
    "FontSpec",
    "default_font",
    "font_files",
    "register_font",
    "register_ttf",
]

#: Where Debian's fonts-dejavu-core puts DejaVu Sans (the fallback to the package).
SYSTEM_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_ALWAYS_DRAWN = frozenset("\n\t")  # line breaks and tabs are layout, not glyphs


@attrs.frozen
class FontSpec:
    """The regular and bold face a layout writes with (reportlab font names), and the
    family's name for messages."""

    regular: str = "Helvetica"
    bold: str = "Helvetica-Bold"
    family: str = "Helvetica"

    def charset(self) -> frozenset[str]:
        """Every character both faces draw (cached per pair of faces)."""
        return _both(self.regular, self.bold)

    def covers(self, char: str) -> bool:
        """True when both faces have a glyph for ``char``."""
        return char in self.charset()

    def first_missing(self, text: str) -> str | None:
        """The first character of ``text`` the faces cannot draw, else None."""
        chars = self.charset()
        missing = set(text).difference(chars)
        if not missing:
            return None
        return next(char for char in text if char in missing)

    def refusal(self, char: str) -> str:
        """What is said about ``char``, which this family cannot draw."""
        return f"{char!r} (U+{ord(char):04X}) cannot be drawn by the font {self.family}"


#: The PDF core fonts: not embedded, WinAnsi only; used when no TrueType family is found.
CORE = FontSpec()


@functools.cache
def _charset(font_name: str) -> frozenset[str]:
    from reportlab.pdfbase import pdfmetrics

    font = pdfmetrics.getFont(font_name)
    glyphs = getattr(getattr(font, "face", None), "charToGlyph", None)
    if isinstance(glyphs, dict):  # a TrueType font: its own character map
        return frozenset(chr(code) for code, glyph in glyphs.items() if glyph) | _ALWAYS_DRAWN
    # a standard Type 1 font, drawn with WinAnsi encoding (cp1252)
    winansi = bytes(range(32, 256)).decode("cp1252", errors="ignore")
    return frozenset(winansi) | _ALWAYS_DRAWN


@functools.cache
def _both(regular: str, bold: str) -> frozenset[str]:
    return _charset(regular) & _charset(bold)


_LOCK = threading.Lock()
_REGISTERED: dict[str, str] = {}  # reportlab font name -> the file it was read from
_HOST_DEFAULT: list[FontSpec] = []  # the family a host chose with register_font


def register_ttf(
    name: str, path: str | os.PathLike[str], bold_path: str | os.PathLike[str] | None = None
) -> FontSpec:
    """Register a TrueType font (regular, optional bold; once per process) and the FontSpec
    writing with it. The regular face is used as bold when there is no bold file.

    Raises RenderError when a file is missing or not a usable TrueType font.
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    bold_name = f"{name}-Bold"
    family = name
    with _LOCK:
        for index, (font_name, font_path) in enumerate(
            ((name, os.fspath(path)), (bold_name, os.fspath(bold_path or path)))
        ):
            if _REGISTERED.get(font_name) != font_path:
                try:
                    font = TTFont(font_name, font_path)
                except Exception as exc:  # reportlab raises several kinds for a bad file
                    raise RenderError(f"{font_path} is not a usable TrueType font: {exc}") from exc
                pdfmetrics.registerFont(font)
                _REGISTERED[font_name] = font_path
                _charset.cache_clear()
                _both.cache_clear()
            if index == 0:
                face = getattr(pdfmetrics.getFont(font_name), "face", None)
                family_name = getattr(face, "familyName", b"")
                if isinstance(family_name, bytes) and family_name:
                    family = family_name.decode("latin-1")
    return FontSpec(name, bold_name, family)


def register_font(
    regular: str | os.PathLike[str],
    bold: str | os.PathLike[str] | None = None,
    *,
    name: str = "HostFont",
) -> FontSpec:
    """Make the TrueType family at ``regular`` (and ``bold``) the one the built-in
    templates ("default", "modern") write with from now on, in this process, and the one
    ``check_drawable`` checks their documents against. Returns its FontSpec (for
    ``CLASSIC.with_font(spec, "my-id")`` too).

    Raises RenderError when a file is missing or not a usable TrueType font.
    """
    spec = register_ttf(name, regular, bold)
    with _LOCK:
        _HOST_DEFAULT[:] = [spec]
    return spec


def font_files() -> tuple[str, Path, Path] | None:
    """The default family's name, regular and bold file: Fira Sans from the
    ``fontpkg-fira-sans`` package, else DejaVu Sans from the system, else None."""
    package = importlib.util.find_spec("fontpkg_fira_sans")  # found, not imported
    for folder in (package.submodule_search_locations or []) if package else []:
        files = Path(folder) / "files"
        regular, bold = files / "FiraSans-Regular.ttf", files / "FiraSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return "Fira Sans", regular, bold
    regular, bold = SYSTEM_DEJAVU / "DejaVuSans.ttf", SYSTEM_DEJAVU / "DejaVuSans-Bold.ttf"
    if regular.is_file() and bold.is_file():
        return "DejaVu Sans", regular, bold
    return None


@functools.cache
def _builtin_default() -> FontSpec:
    found = font_files()
    if found is None:
        return CORE
    _, regular, bold = found
    return register_ttf("FakturaSans", regular, bold)


def default_font() -> FontSpec:
    """The family the built-in templates write with (registered on first use)."""
    if _HOST_DEFAULT:
        return _HOST_DEFAULT[0]
    return _builtin_default()
