"""The EPC QR code (EPC069-12 version 002): payload text by hand, limits, and the QR decoded
back by a real decoder (zxing-cpp), never by segno itself."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faktura.documents.qr import MAX_PAYLOAD_BYTES, epc_payload, epc_qr, epc_qr_png
from faktura.errors import ConfigurationError, ValidationError

D = Decimal
IBAN = "DK5000400440116243"
HEADER = ["BCD", "002", "1", "SCT"]
# With a name of 70 two-byte letters and this IBAN, the text that makes exactly 331 bytes.
LONGEST_TEXT = "ø" * 6 + "x" * 134


def refusal(call: Callable[[], object], field: str, rule: str | None = None) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        call()
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.field == field
    assert str(error).startswith(f"{field}: ")
    if rule is not None:
        assert error.errors[0].rule == rule
    return error


def outcome(call: Callable[[], str]) -> str | ValidationError:
    """What ``call`` returns, or the ValidationError it raises."""
    try:
        return call()
    except ValidationError as error:
        return error


def decode(png: bytes) -> Any:
    """The one QR code zxing-cpp finds in ``png``."""
    import zxingcpp
    from PIL import Image  # Pillow comes with reportlab, i.e. with the pdf extra

    with Image.open(io.BytesIO(png)) as image:
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1
    return found[0]


# -- the payload, written by hand from EPC069-12 ----------------------------------------------


def test_payload_with_bic_and_creditor_reference() -> None:
    payload = epc_payload(
        name="Faktura ApS",
        iban="DE89 3704 0044 0532 0130 00",
        bic="COBADEFFXXX",
        amount=D("1234.5"),
        reference="RF18 5390 0754 7034",
    )
    assert payload == (
        "BCD\n002\n1\nSCT\nCOBADEFFXXX\nFaktura ApS\nDE89370400440532013000\nEUR1234.50\n"
        "\nRF18539007547034"
    )


def test_payload_with_remittance_text() -> None:
    payload = epc_payload(
        name="Red Cross of Belgium",
        iban="BE72000000001616",
        bic="BPOTBEB1",
        amount=D("1"),
        text="Urgency fund",
    )
    assert payload == (
        "BCD\n002\n1\nSCT\nBPOTBEB1\nRed Cross of Belgium\nBE72000000001616\nEUR1.00\n\n\n"
        "Urgency fund"
    )


def test_payload_without_bic_or_remittance_ends_after_the_amount() -> None:
    payload = epc_payload(name="A", iban="NL91 ABNA 0417 1643 00", amount=D("0.01"))
    assert payload == "BCD\n002\n1\nSCT\n\nA\nNL91ABNA0417164300\nEUR0.01"
    assert epc_payload(name="A", iban=IBAN, amount=D("1"), text="", reference="") == (
        f"BCD\n002\n1\nSCT\n\nA\n{IBAN}\nEUR1.00"
    )


def test_payload_keeps_unicode_names_and_texts_as_utf8() -> None:
    payload = epc_payload(
        name="Ærø Æblegrød ApS", iban=IBAN, amount=D("999999999.99"), text="Faktura 7 – tak"
    )
    assert payload.split("\n") == [
        *HEADER,
        "",
        "Ærø Æblegrød ApS",
        IBAN,
        "EUR999999999.99",
        "",
        "",
        "Faktura 7 – tak",
    ]


# -- refusals ---------------------------------------------------------------------------------


def good(**changes: object) -> Callable[[], object]:
    arguments: dict[str, Any] = {"name": "Faktura ApS", "iban": IBAN, "amount": D("10")}
    arguments.update(changes)
    return lambda: epc_payload(**arguments)


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"currency": "DKK"}, "currency", "currency"),
        ({"currency": "eur"}, "currency", "currency"),
        ({"currency": None}, "currency", "currency"),
        ({"name": ""}, "name", "required"),
        ({"name": "   "}, "name", "required"),
        ({"name": "x" * 71}, "name", "length"),
        ({"name": "Faktura\nApS"}, "name", "single_line"),
        ({"name": "Faktura\r\nApS"}, "name", "single_line"),
        ({"name": "Faktura\tApS"}, "name", "single_line"),
        ({"name": "Faktura\u2028ApS"}, "name", "single_line"),
        ({"name": "Faktura\x00ApS"}, "name", "text"),
        ({"name": None}, "name", "type"),
        ({"iban": "DK5000400440116244"}, "iban", "iban"),
        ({"iban": ""}, "iban", "iban"),
        ({"iban": None}, "iban", "type"),
        ({"bic": "DABADKK"}, "bic", "bic"),
        ({"bic": ""}, "bic", "bic"),
        ({"amount": D("0")}, "amount", "minimum"),
        ({"amount": D("-1")}, "amount", "minimum"),
        ({"amount": D("0.001")}, "amount", "precision"),
        ({"amount": D("1.005")}, "amount", "precision"),
        ({"amount": D("1000000000.00")}, "amount", "maximum"),
        ({"amount": D("NaN")}, "amount", "finite"),
        ({"amount": D("Infinity")}, "amount", "finite"),
        ({"amount": 1.5}, "amount", "type"),
        ({"amount": None}, "amount", "type"),
        ({"reference": "RF18 5390 0754 7035"}, "reference", "iso11649"),
        ({"reference": "Invoice 42"}, "reference", "iso11649"),
        ({"reference": "RF" + "1" * 100}, "reference", "iso11649"),
        ({"reference": 42}, "reference", "type"),
        ({"text": "x" * 141}, "text", "length"),
        ({"text": "line\nbreak"}, "text", "single_line"),
        ({"text": "Invoice 42", "reference": "RF18539007547034"}, "text", "exclusive"),
    ],
    ids=lambda v: repr(v)[:40],
)
def test_payload_refuses_junk_naming_the_field(
    changes: dict[str, object], field: str, rule: str
) -> None:
    refusal(good(**changes), field, rule)


def test_payload_of_more_than_331_bytes_is_refused() -> None:
    # Only multi-byte UTF-8 can go over: 70 + 140 ASCII characters always fit.
    name = "Å" * 70
    fits = epc_payload(name=name, iban=IBAN, amount=D("1.00"), text=LONGEST_TEXT)
    assert len(fits.encode("utf-8")) == MAX_PAYLOAD_BYTES == 331
    refusal(good(name=name, text="ø" + LONGEST_TEXT[:-1]), "payload", "length")


names = st.text(max_size=80)
texts = st.none() | st.text(max_size=150)
amounts = st.decimals(min_value=D("0.01"), max_value=D("999999999.99"), places=2)


@given(names, texts, amounts)
def test_payload_either_refuses_naming_a_field_or_keeps_every_element(
    name: str, text: str | None, amount: Decimal
) -> None:
    payload = outcome(lambda: epc_payload(name=name, iban=IBAN, amount=amount, text=text))
    if isinstance(payload, ValidationError):
        assert payload.field in {"name", "text", "payload"}
        return
    assert len(payload.encode("utf-8")) <= MAX_PAYLOAD_BYTES
    elements = payload.split("\n")
    assert elements[:8] == [*HEADER, "", name, IBAN, f"EUR{amount}"]
    assert elements[8:] == (["", "", text] if text else [])


# -- the QR code ------------------------------------------------------------------------------


def test_the_qr_decodes_back_to_the_payload_at_level_m() -> None:
    payload = epc_payload(
        name="Ærø Æblegrød ApS", iban=IBAN, amount=D("1234.50"), text="Faktura 2024-0042"
    )
    found = decode(epc_qr_png(payload, scale=4))
    assert found.bytes == payload.encode("utf-8")
    assert found.text == payload
    assert found.extra["ECLevel"] == "M"
    assert found.extra["DataMask"] == 0
    code = epc_qr(payload)
    assert (code.error, code.mode, code.mask, code.is_micro) == ("M", "byte", 0, False)
    assert found.extra["Version"] == str(code.version)


def test_the_largest_payload_fits_qr_version_13() -> None:
    payload = epc_payload(name="Å" * 70, iban=IBAN, amount=D("1.00"), text=LONGEST_TEXT)
    found = decode(epc_qr_png(payload, scale=3))
    assert found.bytes == payload.encode("utf-8")
    assert found.extra["Version"] == "13"
    assert epc_qr(payload).designator == "13-M"


@settings(max_examples=25)
@given(names, texts, amounts)
def test_every_accepted_payload_decodes_back(name: str, text: str | None, amount: Decimal) -> None:
    try:
        payload = epc_payload(name=name, iban=IBAN, amount=amount, text=text)
    except ValidationError:
        return
    found = decode(epc_qr_png(payload, scale=2))
    assert found.bytes == payload.encode("utf-8")
    assert found.extra["ECLevel"] == "M"
    assert int(found.extra["Version"]) <= 13


def test_the_code_is_cached_per_payload_and_deterministic() -> None:
    payload = epc_payload(name="Cache ApS", iban=IBAN, amount=D("5"))
    first = epc_qr(payload)
    assert epc_qr(payload) is first
    epc_qr.cache_clear()
    again = epc_qr(payload)
    assert again is not first
    assert again.matrix == first.matrix
    assert epc_qr_png(payload, 3) == epc_qr_png(payload, 3)


def test_png_is_a_png_scaled_as_asked() -> None:
    payload = epc_payload(name="Scale ApS", iban=IBAN, amount=D("5"))
    code = epc_qr(payload)
    png = epc_qr_png(payload, scale=5)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        assert image.size == code.symbol_size(scale=5, border=4)


@pytest.mark.parametrize("scale", [0, -1, 101, 2.5, True, "4", None], ids=repr)
def test_png_refuses_a_bad_scale(scale: object) -> None:
    payload = epc_payload(name="Scale ApS", iban=IBAN, amount=D("5"))
    refusal(lambda: epc_qr_png(payload, scale), "scale", "range")  # type: ignore[arg-type]


def test_qr_refuses_an_oversized_payload() -> None:
    refusal(lambda: epc_qr("x" * 332), "payload", "length")
    refusal(lambda: epc_qr("ø" * 166), "payload", "length")


def test_missing_segno_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "segno", None)  # makes `import segno` fail
    epc_qr.cache_clear()
    payload = epc_payload(name="No Segno ApS", iban=IBAN, amount=D("5"))
    with pytest.raises(ConfigurationError) as caught:
        epc_qr(payload)
    assert "pip install 'faktura[pdf]'" in str(caught.value)
    assert caught.value.code == "configuration_error"


# -- purity -----------------------------------------------------------------------------------

PROBE = """
import json, sys
from decimal import Decimal
def heavy():
    roots = {m.split(".")[0] for m in sys.modules}
    return sorted(roots & {"reportlab", "pypdf", "segno", "PIL"})
import faktura.documents
package_only = sorted(m for m in sys.modules if m.startswith("faktura.documents."))
import faktura.documents.fik, faktura.documents.qr
from faktura.documents.qr import epc_payload, epc_qr
payload = epc_payload(name="Probe", iban="DK5000400440116243", amount=Decimal("1"))
before = heavy()
epc_qr(payload)
print(json.dumps({"package_only": package_only, "before": before, "after": heavy()}))
"""


def test_documents_import_no_pdf_dependency_and_segno_only_inside_epc_qr() -> None:
    done = subprocess.run(
        [sys.executable, "-I", "-c", PROBE], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["package_only"] == []  # faktura.documents imports none of its modules
    assert report["before"] == []  # importing fik and qr and building a payload: none
    assert report["after"] == ["segno"]  # making the code: segno, and only segno
