"""The FIK payment line (+71): published check digits, stdnum's Luhn, round trips, junk."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn

from faktura.documents.fik import CARD_TYPE, FikLine, fik_line, parse_fik_line, payment_id
from faktura.errors import ValidationError

DIGITS = "0123456789"
fourteen_or_fewer = st.text(alphabet=DIGITS, min_size=1, max_size=14)
creditors = st.text(alphabet=DIGITS, min_size=8, max_size=8)


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


# -- published examples -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "expected"),
    [("1", "000000000000018"), ("2", "000000000000026")],
)
def test_published_payment_ids(number: str, expected: str) -> None:
    assert payment_id(number) == expected


def test_published_check_digits_are_stdnums_luhn() -> None:
    assert luhn.calc_check_digit("00000000000001") == "8"
    assert luhn.calc_check_digit("00000000000002") == "6"


def test_the_line_has_the_fik_shape() -> None:
    assert fik_line("000000000000018", "12345678") == "+71<000000000000018+12345678<"
    assert CARD_TYPE == "71"


# -- payment ids from invoice numbers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "body"),
    [
        ("42", "00000000000042"),
        ("2024-0042", "00000020240042"),
        ("F1001", "00000000001001"),
        ("0", "00000000000000"),
        ("12345678901234", "12345678901234"),
        ("1234-5678-9012-34", "12345678901234"),
    ],
)
def test_payment_id_is_the_numbers_digits_padded_to_14_and_a_check_digit(
    number: str, body: str
) -> None:
    pid = payment_id(number)
    assert len(pid) == 15
    assert pid[:14] == body
    assert pid[14] == luhn.calc_check_digit(body)


@given(fourteen_or_fewer)
def test_every_payment_id_passes_stdnums_luhn_validation(digits: str) -> None:
    pid = payment_id(digits)
    assert luhn.validate(pid) == pid
    assert pid[:14] == digits.zfill(14)


@pytest.mark.parametrize(
    ("junk", "rule"),
    [
        ("", "fik"),
        ("F-", "fik"),
        ("abc", "fik"),
        ("\u0663\u0664", "fik"),  # Arabic-Indic digits are not FIK digits
        ("\uff11\uff12", "fik"),  # nor are full-width ones
        ("123456789012345", "fik"),  # 15 digits
        ("2024-0000-0000-0042", "fik"),  # 16 digits
        ("1" * 1000, "fik"),
        (None, "type"),
        (12, "type"),
        (b"12", "type"),
    ],
    ids=lambda v: repr(v)[:20],
)
def test_payment_id_refuses_junk_naming_the_number(junk: object, rule: str) -> None:
    refusal(lambda: payment_id(junk), "number", rule)  # type: ignore[arg-type]


# -- the line and its parser ------------------------------------------------------------------


@given(fourteen_or_fewer, creditors)
def test_parse_reverses_fik_line(digits: str, creditor: str) -> None:
    pid = payment_id(digits)
    line = fik_line(pid, creditor)
    assert line == f"+71<{pid}+{creditor}<"
    assert parse_fik_line(line) == FikLine("71", pid, creditor)
    assert parse_fik_line(line) == ("71", pid, creditor)


@given(fourteen_or_fewer, creditors, st.data())
def test_changing_any_one_digit_of_the_payment_id_breaks_the_check(
    digits: str, creditor: str, data: st.DataObject
) -> None:
    pid = payment_id(digits)
    position = data.draw(st.integers(min_value=0, max_value=14), label="position")
    other = data.draw(st.sampled_from([d for d in DIGITS if d != pid[position]]), label="digit")
    changed = pid[:position] + other + pid[position + 1 :]
    assert not luhn.is_valid(changed)
    refusal(lambda: parse_fik_line(f"+71<{changed}+{creditor}<"), "payment_id", "luhn")
    refusal(lambda: fik_line(changed, creditor), "payment_id", "luhn")


def test_parse_ignores_the_grouping_spaces_of_printed_cards() -> None:
    parsed = parse_fik_line("  +71< 0000 0000 0000 018 +1234 5678<\n")
    assert parsed == FikLine("71", "000000000000018", "12345678")


@pytest.mark.parametrize(
    "creditor",
    ["1234567", "123456789", "abcdefgh", "", " 12345678", "\uff11" * 8, None, 12345678],
    ids=repr,
)
def test_fik_line_refuses_a_bad_creditor(creditor: object) -> None:
    refusal(lambda: fik_line("000000000000018", creditor), "fik_creditor")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("pid", "rule"),
    [
        ("000000000000019", "luhn"),
        ("00000000000018", "payment_id"),  # 14 digits
        ("0000000000000018", "payment_id"),  # 16 digits
        ("00000000000001X", "payment_id"),
        ("", "payment_id"),
        (None, "payment_id"),
        (18, "payment_id"),
    ],
    ids=repr,
)
def test_fik_line_refuses_a_bad_payment_id(pid: object, rule: str) -> None:
    refusal(lambda: fik_line(pid, "12345678"), "payment_id", rule)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "field", "rule"),
    [
        ("", "fik_line", "fik"),
        ("+71<>", "fik_line", "fik"),
        ("+71<000000000000018+12345678", "fik_line", "fik"),
        ("71<000000000000018+12345678<", "fik_line", "fik"),
        ("+71<000000000000018+12345678<x", "fik_line", "fik"),
        ("+71<00000000000001A+12345678<", "fik_line", "fik"),
        ("+7<000000000000018+12345678<", "fik_line", "fik"),
        ("+" + "7" * 500, "fik_line", "fik"),
        (None, "fik_line", "type"),
        (b"+71<000000000000018+12345678<", "fik_line", "type"),
        ("+73<+12345678<", "fik_line", "card_type"),
        ("+75<0000000000000018+12345678<", "fik_line", "card_type"),
        ("+71<000000000000019+12345678<", "payment_id", "luhn"),
        ("+71<00000000000018+12345678<", "payment_id", "payment_id"),
        ("+71<000000000000018+1234567<", "fik_creditor", "fik_creditor"),
        ("+71<000000000000018+<", "fik_creditor", "fik_creditor"),
    ],
    ids=lambda v: repr(v)[:40],
)
def test_parse_refuses_junk_naming_the_field(text: object, field: str, rule: str) -> None:
    refusal(lambda: parse_fik_line(text), field, rule)  # type: ignore[arg-type]


@given(st.text(max_size=60))
def test_parse_never_fails_with_anything_but_a_validation_error(text: str) -> None:
    try:
        parsed = parse_fik_line(text)
    except ValidationError as error:
        parsed = error
    if isinstance(parsed, ValidationError):
        assert parsed.field in {"fik_line", "payment_id", "fik_creditor"}
    else:
        card, pid, creditor = parsed
        assert (card, len(pid), len(creditor)) == ("71", 15, 8)
        assert luhn.is_valid(pid)


# -- purity -----------------------------------------------------------------------------------


def test_fik_imports_and_runs_without_any_document_dependency() -> None:
    code = (
        "import json, sys\n"
        "from faktura.documents import fik\n"
        "line = fik.fik_line(fik.payment_id('2024-0042'), '12345678')\n"
        "assert fik.parse_fik_line(line).creditor == '12345678'\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    modules = set(json.loads(done.stdout))
    loaded = {m.split(".")[0] for m in modules} & {"reportlab", "pypdf", "segno", "PIL"}
    assert loaded == set()
