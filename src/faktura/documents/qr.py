"""The EPC QR code (EPC069-12 version 002, "GiroCode") that starts a SEPA credit transfer.

``epc_payload`` builds and checks the text (pure); ``epc_qr`` and ``epc_qr_png`` turn it
into a QR code with segno (the ``pdf`` extra), imported only when a code is made.

The payload is one element per line (LF): service tag ``BCD``, version ``002``, character
set ``1`` (UTF-8), identification ``SCT``, BIC (may be empty in version 002), beneficiary
name (≤ 70), IBAN, ``EUR`` and the amount (0.01 to 999999999.99), purpose (left empty),
then either a structured ISO 11649 RF creditor reference or an unstructured remittance
text (≤ 140), never both. Trailing empty elements are left out, and the whole payload
is at most 331 bytes, so the code fits QR version 13 at error correction level M.

>>> print(epc_payload(
...     name="Faktura ApS", iban="DK50 0040 0440 1162 43", amount=Decimal("1234.5"),
...     text="Invoice 2024-0042",
... ))
BCD
002
1
SCT
<BLANKLINE>
Faktura ApS
DK5000400440116243
EUR1234.50
<BLANKLINE>
<BLANKLINE>
Invoice 2024-0042
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from faktura import identifiers
from faktura.errors import ConfigurationError, ValidationError
from faktura.lines import check_text
from faktura.money import parse_decimal, quantize

if TYPE_CHECKING:
    import segno

__all__ = ["MAX_PAYLOAD_BYTES", "epc_payload", "epc_qr", "epc_qr_png"]

#: EPC069-12: the payload must fit QR version 13 at level M in byte mode.
MAX_PAYLOAD_BYTES = 331
_MAX_VERSION = 13
_MIN_AMOUNT = Decimal("0.01")
_MAX_AMOUNT = Decimal("999999999.99")
_MAX_NAME = 70
_MAX_TEXT = 140
_MAX_REFERENCE = 35
_MAX_INPUT = 64
# Any line break inside an element would shift every element after it.
_LINE_BREAK = re.compile(r"[\t\n\r\x85\u2028\u2029]")
# A fixed mask: segno's choice of the best of eight costs ~5 ms a code, and a
# fixed one also makes the same payload give the same picture on every machine.
_MASK = 0


def epc_payload(
    *,
    name: str,
    iban: str,
    amount: Decimal,
    bic: str | None = None,
    reference: str | None = None,
    text: str | None = None,
    currency: str = "EUR",
) -> str:
    """The EPC QR payload for paying ``amount`` euro to ``name``'s ``iban``.

    ``reference`` is an ISO 11649 RF creditor reference ("RF18 5390 0754 7034"), written
    compact; ``text`` is free remittance text; give at most one (None or "" for none).
    Raises ValidationError
    naming the field: ``currency`` (only EUR), ``name``, ``iban``, ``bic``, ``amount``
    (at most 2 decimals, 0.01 to 999999999.99), ``reference``, ``text`` or ``payload``
    (more than 331 bytes in all).
    """
    if currency != "EUR":
        shown = repr(currency)[:_MAX_INPUT]
        raise ValidationError(
            f"an EPC QR code pays in EUR only, not {shown}", field="currency", rule="currency"
        )
    _single_line(check_text(name, "name", required=True, limit=_MAX_NAME), "name")
    account = identifiers.iban(iban, "iban")
    bank = "" if bic is None else identifiers.bic(bic, "bic")
    value = parse_decimal(amount, "amount", places=2, minimum=_MIN_AMOUNT, maximum=_MAX_AMOUNT)
    structured = (
        "" if reference in (None, "") else identifiers.creditor_reference(reference, "reference")
    )
    unstructured = ""
    if text is not None:
        unstructured = _single_line(check_text(text, "text", limit=_MAX_TEXT), "text")
    if structured and unstructured:
        raise ValidationError(
            "give a structured reference or a remittance text, not both",
            field="text",
            rule="exclusive",
        )
    elements = [
        "BCD",
        "002",
        "1",
        "SCT",
        bank,
        name,
        account,
        f"EUR{quantize(value, 2):f}",
        "",  # purpose code: none
        structured,
        unstructured,
    ]
    while not elements[-1]:
        elements.pop()
    payload = "\n".join(elements)
    size = len(payload.encode("utf-8"))
    if size > MAX_PAYLOAD_BYTES:
        raise ValidationError(
            f"is {size} bytes in UTF-8, more than the {MAX_PAYLOAD_BYTES} an EPC QR code holds",
            field="payload",
            rule="length",
        )
    return payload


@functools.lru_cache(maxsize=256)
def epc_qr(payload: str) -> segno.QRCode:
    """The QR code of an EPC payload: byte mode, UTF-8, error correction level M (as EPC
    requires, never boosted), a fixed mask; cached per payload.

    Raises ConfigurationError when segno (``pip install 'faktura[pdf]'``) is missing and
    ValidationError naming ``payload`` when it is more than 331 bytes.
    """
    if not isinstance(payload, str) or len(payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise ValidationError(
            f"must be an EPC payload of at most {MAX_PAYLOAD_BYTES} bytes",
            field="payload",
            rule="length",
        )
    make_qr = _segno_make_qr()
    code = make_qr(payload, error="m", mode="byte", mask=_MASK, boost_error=False, encoding="utf-8")
    # segno gives micro QR versions as text ("M4"); make_qr never makes those.
    if not isinstance(code.version, int) or code.version > _MAX_VERSION:  # pragma: no cover
        raise ValidationError(
            f"needs QR version {code.version}, EPC allows up to {_MAX_VERSION}",
            field="payload",
            rule="length",
        )
    return code


def epc_qr_png(payload: str, scale: int = 4) -> bytes:
    """The EPC QR code of ``payload`` as PNG bytes: ``scale`` pixels a module, with the
    4-module quiet zone QR codes need; the same payload and scale give the same bytes,
    encoded once and cached (the last 64). Raises as ``epc_qr`` does, and ValidationError
    naming ``scale`` unless it is a whole number from 1 to 100."""
    if not isinstance(scale, int) or isinstance(scale, bool) or not 1 <= scale <= 100:
        raise ValidationError("must be a whole number from 1 to 100", field="scale", rule="range")
    return _png(payload, scale)


@functools.lru_cache(maxsize=64)
def _png(payload: str, scale: int) -> bytes:
    """The PNG of ``epc_qr(payload)`` (a pure function of its arguments: segno writes no
    time or other varying chunk), encoded once per payload and scale; bytes are
    immutable, so every caller may share them."""
    out = io.BytesIO()
    epc_qr(payload).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def _single_line(value: str, field: str) -> str:
    if _LINE_BREAK.search(value):
        raise ValidationError(
            "must be one line (no tab or line break)", field=field, rule="single_line"
        )
    return value


def _segno_make_qr() -> Callable[..., segno.QRCode]:
    try:
        import segno
    except ImportError as exc:
        raise ConfigurationError("EPC QR codes need segno: pip install 'faktura[pdf]'") from exc
    return segno.make_qr
