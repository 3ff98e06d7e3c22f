"""The Danish FIK payment line (Fælles Indbetalingskort, card type +71): ``+71<id+creditor<``.

The 15-digit payment id is the invoice number's digits, left-padded with zeros to 14,
followed by a Luhn (mod 10) check digit from python-stdnum; the creditor is the seller's
8-digit FIK creditor number. Pure: no I/O.

>>> payment_id("1")
'000000000000018'
>>> fik_line(payment_id("2024-0042"), "12345678")
'+71<000000202400420+12345678<'
>>> parse_fik_line("+71<000000202400420+12345678<")
FikLine(card='71', payment_id='000000202400420', creditor='12345678')
>>> try:
...     parse_fik_line("+71<000000202400421+12345678<")
... except ValidationError as err:
...     print(err.field, err.errors[0].rule)
payment_id luhn
"""

from __future__ import annotations

import re
from typing import NamedTuple

from faktura.errors import ValidationError
from faktura.identifiers import luhn_check_digit

__all__ = ["CARD_TYPE", "FikLine", "fik_line", "parse_fik_line", "payment_id"]

#: The card type this module writes and reads: a payment id with a check digit.
CARD_TYPE = "71"
_ID_DIGITS = 14
_MAX_INPUT = 200
# ASCII only: str.isdigit() and \d would also take e.g. Arabic-Indic digits.
_DIGIT = re.compile(r"[0-9]", re.ASCII)
_PAYMENT_ID = re.compile(r"[0-9]{15}\Z", re.ASCII)
_CREDITOR = re.compile(r"[0-9]{8}\Z", re.ASCII)
_LINE = re.compile(r"\+([0-9]{2})<([0-9]*)\+([0-9]*)<\Z", re.ASCII)
_SPACE = re.compile(r"\s+")


class FikLine(NamedTuple):
    """A parsed FIK payment line: card type ("71"), 15-digit payment id, creditor number."""

    card: str
    payment_id: str
    creditor: str


def payment_id(invoice_number_or_digits: str) -> str:
    """The 15-digit FIK payment id for an invoice number: its digits, zero-padded to 14,
    and a Luhn check digit.

    Non-digits in the number ("2024-0042", "F1001") are left out. Raises ValidationError
    naming ``number`` when the number has no digit or more than 14.
    """
    if not isinstance(invoice_number_or_digits, str):
        raise ValidationError("must be an invoice number as text", field="number", rule="type")
    if len(invoice_number_or_digits) > _MAX_INPUT:
        raise ValidationError("is too long for an invoice number", field="number", rule="fik")
    digits = "".join(_DIGIT.findall(invoice_number_or_digits))
    if not digits:
        raise ValidationError(
            "has no digits to make a FIK payment id from", field="number", rule="fik"
        )
    if len(digits) > _ID_DIGITS:
        raise ValidationError(
            f"has more than {_ID_DIGITS} digits, too many for a FIK payment id",
            field="number",
            rule="fik",
        )
    body = digits.zfill(_ID_DIGITS)
    return body + luhn_check_digit(body)


def fik_line(payment_id: str, creditor: str) -> str:
    """The +71 payment line ``+71<{payment_id}+{creditor}<``.

    Raises ValidationError naming ``paymentId`` (not 15 digits, or a wrong check digit)
    or ``fikCreditor`` (not 8 digits).
    """
    _check_payment_id(payment_id)
    _check_creditor(creditor)
    return f"+{CARD_TYPE}<{payment_id}+{creditor}<"


def parse_fik_line(text: str) -> FikLine:
    """The card type, payment id and creditor of a +71 payment line, check digit verified.

    Whitespace anywhere is ignored (printed cards and bank files group the digits).
    Raises ValidationError naming ``fik_line`` (not a FIK line, or another card type),
    ``paymentId`` (wrong length or check digit) or ``fikCreditor``.
    """
    if not isinstance(text, str):
        raise ValidationError("must be a FIK payment line as text", field="fik_line", rule="type")
    if len(text) > _MAX_INPUT:
        raise ValidationError("is too long for a FIK payment line", field="fik_line", rule="fik")
    match = _LINE.match(_SPACE.sub("", text))
    if match is None:
        raise ValidationError(
            "is not a FIK payment line such as '+71<000000000000018+12345678<'",
            field="fik_line",
            rule="fik",
        )
    card, found_id, creditor = match.groups()
    if card != CARD_TYPE:
        raise ValidationError(
            f"card type +{card} is not supported, only +{CARD_TYPE}",
            field="fik_line",
            rule="card_type",
        )
    _check_payment_id(found_id)
    _check_creditor(creditor)
    return FikLine(card, found_id, creditor)


def _check_payment_id(value: object) -> None:
    if not isinstance(value, str) or not _PAYMENT_ID.match(value):
        raise ValidationError(
            "must be a 15-digit FIK payment id", field="payment_id", rule="payment_id"
        )
    if luhn_check_digit(value[:_ID_DIGITS]) != value[_ID_DIGITS]:
        raise ValidationError("has a wrong check digit (Luhn)", field="payment_id", rule="luhn")


def _check_creditor(value: object) -> None:
    if not isinstance(value, str) or not _CREDITOR.match(value):
        raise ValidationError(
            "must be an 8-digit FIK creditor number", field="fik_creditor", rule="fik_creditor"
        )
