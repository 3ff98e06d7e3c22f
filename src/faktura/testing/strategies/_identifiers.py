"""Identifiers: registration and VAT numbers, GLNs and IBANs, drawn as digits with their
check digits computed by python-stdnum (``calc_check_digit`` where stdnum has one, else
the one digit or pair stdnum accepts), never taken from a list of real numbers: the
numbers are valid, and most likely belong to no one."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from types import ModuleType

from hypothesis import strategies as st

from ._draw import ints, pick

Digits = st.SearchStrategy[str]


@functools.cache
def digits(size: int, *, first: str = "0123456789") -> Digits:
    """``size`` decimal digits, the first of them from ``first``."""
    return st.builds(
        lambda head, tail: head + tail,
        pick(tuple(first)),
        st.text(alphabet="0123456789", min_size=size - 1, max_size=size - 1),
    )


def _stdnum(module: str) -> ModuleType:
    # imported on first use, as faktura.identifiers does: stdnum's util imports network
    # modules, which importing faktura must not pull in.
    return importlib.import_module(f"stdnum.{module}")


def _completed(body: str, module: str, width: int = 1) -> str | None:
    """``body`` followed by the first check of ``width`` digits that makes it valid for
    stdnum's ``module``; None when no check makes it valid."""
    is_valid: Callable[[str], bool] = _stdnum(module).is_valid
    for check in range(10**width):
        candidate = f"{body}{check:0{width}d}"
        if is_valid(candidate):
            return candidate
    return None


def _luhn(body: str) -> str:
    return body + str(_stdnum("luhn").calc_check_digit(body))


@functools.cache
def _completions(body: Digits, module: str, width: int) -> st.SearchStrategy[str | None]:
    return body.map(lambda b: _completed(b, module, width)).filter(bool)


def draw_completed(draw: st.DrawFn, body: Digits, module: str, width: int = 1) -> str:
    number = draw(_completions(body, module, width))
    assert number is not None
    return number


# Registration numbers (the part of a VAT number after the country prefix), by country.
def dk_cvr(draw: st.DrawFn) -> str:
    return draw_completed(draw, digits(7, first="123456789"), "dk.cvr")


def se_orgnr(draw: st.DrawFn) -> str:
    return _luhn(draw(digits(9, first="5")))  # aktiebolag: 55...


def no_orgnr(draw: st.DrawFn) -> str:
    return draw_completed(draw, digits(8, first="89"), "no.orgnr")


def de_vat(draw: st.DrawFn) -> str:
    body = draw(digits(8, first="123456789"))
    check = _stdnum("iso7064.mod_11_10").calc_check_digit(body)
    return f"DE{body}{check}"


def nl_vat(draw: st.DrawFn) -> str:
    rsin = draw_completed(draw, digits(8, first="123456789"), "nl.bsn")
    return f"NL{rsin}B{draw(ints(1, 99)):02d}"


def it_vat(draw: st.DrawFn) -> str:
    office = draw(ints(1, 100))
    return "IT" + _luhn(f"{draw(digits(7, first='123456789'))}{office:03d}")


def gr_vat(draw: st.DrawFn) -> str:
    body = draw(digits(8))
    return f"EL{body}{_stdnum('gr.vat').calc_check_digit(body)}"


def fr_vat(draw: st.DrawFn) -> str:
    siren = _luhn(draw(digits(8, first="123456789")))
    return next(
        f"FR{key:02d}{siren}"
        for key in range(100)
        if _stdnum("fr.tva").is_valid(f"FR{key:02d}{siren}")
    )


def be_vat(draw: st.DrawFn) -> str:
    return "BE" + draw_completed(draw, digits(8, first="01"), "be.vat", width=2)


def fi_vat(draw: st.DrawFn) -> str:
    return "FI" + draw_completed(draw, digits(7, first="0123"), "fi.alv")


@functools.cache
def gln(prefix: str) -> Digits:
    """13-digit GLN/EAN location numbers under a GS1 country prefix."""
    calc = _stdnum("ean").calc_check_digit
    return digits(12 - len(prefix)).map(lambda body: prefix + body + calc(prefix + body))


def make_iban(country: str, bban: str) -> str:
    calc = _stdnum("iban").calc_check_digits
    return f"{country}{calc(country + '00' + bban)}{bban}"


def valid_iban(number: str) -> bool:
    is_valid: Callable[[str], bool] = _stdnum("iban").is_valid
    return is_valid(number)


_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ALNUM = _UPPER + "0123456789"


@functools.cache
def letters(size: int, alphabet: str = _UPPER) -> Digits:
    return st.text(alphabet=alphabet, min_size=size, max_size=size)
