r"""The command line's own syntax, pure: a schedule's ``--line`` and ``--every`` values
(what ``schedules show`` prints reads back as the same line or cadence; ``\;`` and
``\\`` escapes), ``--reference-rate`` and a reminder policy's ``--levels``, the errors
naming the flag, and the progress bar of ``faktura run`` on a terminal and in a log."""

from __future__ import annotations

import argparse
import io
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura.billing.runs import RunProgress
from faktura.cli.common import Refused
from faktura.cli.options import reference_rates
from faktura.cli.reminders import parse_levels
from faktura.cli.runs import ProgressBar
from faktura.cli.schedules import parse_every, parse_line, show_every, show_line
from faktura.dunning import ReferenceRateTable, ReminderLevel
from faktura.lines import ProductLine
from faktura.schedules import Cadence, Unit
from faktura.vat import VatCategory

# descriptions as a user types them: printable, no surrounding blanks (parse_line
# strips), with the characters the syntax escapes often
_printable = st.characters(
    blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\x85"
)
descriptions = (
    st.lists(
        st.one_of(st.sampled_from(["\\", ";", "\\;", " "]), st.text(_printable, max_size=4)),
        min_size=1,
        max_size=15,
    )
    .map(lambda parts: "".join(parts).strip())
    .filter(bool)
)
amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)
quantities = st.decimals(min_value=Decimal("0.001"), max_value=10**6, places=3, allow_nan=False)
rates = st.sampled_from([Decimal(0), Decimal(25), Decimal("12.5")])


@given(descriptions, quantities, amounts, rates)
def test_a_shown_line_reads_back_as_the_same_line(
    description: str, quantity: Decimal, price: Decimal, rate: Decimal
) -> None:
    category = VatCategory.S if rate else VatCategory.Z
    line = ProductLine(description, quantity, price, category, rate)
    shown = show_line(line)
    read = parse_line(shown, "--line 1")
    assert (read.description, read.quantity, read.unit_price, read.vat_rate) == (
        line.description,
        line.quantity,
        line.unit_price,
        line.vat_rate,
    )


@given(descriptions, quantities, amounts)
def test_a_line_without_a_rate_leaves_it_to_the_defaults(
    description: str, quantity: Decimal, price: Decimal
) -> None:
    escaped = description.replace("\\", "\\\\").replace(";", "\\;")
    read = parse_line(f"{escaped};{quantity};{price}", "--line 1")
    assert (read.description, read.quantity, read.unit_price) == (description, quantity, price)
    assert read.vat_rate is None
    assert read.vat_category is None


@given(st.sampled_from(list(Unit)), st.integers(1, 120))
def test_a_shown_cadence_reads_back_as_the_same_cadence(unit: Unit, count: int) -> None:
    cadence = Cadence(unit, count)
    assert parse_every(show_every(cadence)) == cadence


@pytest.mark.parametrize(
    ("text", "cadence"),
    [
        ("month", Cadence.monthly()),
        ("quarter", Cadence.quarterly()),
        ("year", Cadence.yearly()),
        ("14-days", Cadence.days(14)),
        ("1-day", Cadence.days(1)),
        ("6-months", Cadence.months(6)),
    ],
)
def test_every(text: str, cadence: Cadence) -> None:
    assert parse_every(text) == cadence


@pytest.mark.parametrize("text", ["weekly", "0-days", "3", "-2-months", "2 months", "9999-days"])
def test_every_refuses(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_every(text)


def test_escapes() -> None:
    read = parse_line(r"Rack\; row 4 \\ C:\temp;2;10.50;25%", "--line 1")
    assert read.description == r"Rack; row 4 \ C:\temp"
    assert (read.quantity, read.unit_price, read.vat_rate) == (2, Decimal("10.50"), 25)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Hosting;1", "--line 3: must be DESCRIPTION;QUANTITY;UNIT_PRICE[;VAT_RATE]"),
        ("Hosting;1;2;25;x", "--line 3: must be DESCRIPTION;QUANTITY;UNIT_PRICE[;VAT_RATE]"),
        (" ;1;2", "--line 3: the description is empty"),
        ("Hosting;one;2", "--line 3: quantity must be a number"),
        ("Hosting;1;49,50", "--line 3: unit price must be a number such as 499.00 (a decimal"),
        ("Hosting;1;2;high", "--line 3: VAT rate must be a number"),
        ("Hosting;1;1e3", "--line 3: unit price must be a number"),
    ],
)
def test_a_bad_line_names_its_flag_and_field(text: str, says: str) -> None:
    with pytest.raises(Refused) as info:
        parse_line(text, "--line 3")
    assert str(info.value).startswith(says)


# -- the progress bar --------------------------------------------------------------------


def progress(done: int, total: int, failed: int = 0) -> RunProgress:
    return RunProgress(done, total, done, done, done - failed, failed)


@given(st.lists(st.integers(1, 20), min_size=1, max_size=10), st.integers(0, 50))
def test_on_a_terminal_the_bar_is_one_line_redrawn(steps: list[int], more: int) -> None:
    total = sum(steps) + more  # the pairs due, counted before the run starts
    stream = io.StringIO()
    bar = ProgressBar(stream, tty=True)
    done = 0
    for step in steps:
        done += step
        bar(progress(done, total))
        drawn = stream.getvalue()
        assert "\n" not in drawn
        last = drawn.rsplit("\r", 1)[1]
        assert f"] {done}/{total}  " in last
        filled = last[1 : last.index("]")]
        assert len(filled) == ProgressBar.WIDTH
        assert filled.count("#") == ProgressBar.WIDTH * done // total
    assert stream.getvalue().count("\r") == len(steps)
    bar.finish()
    assert stream.getvalue().endswith("\n")
    assert stream.getvalue().count("\n") == 1


def test_a_shorter_redraw_blanks_the_rest_of_the_line() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, tty=True)
    bar(RunProgress(1, 5, 1, 1, 0, 1000000))
    bar(RunProgress(2, 5, 1, 1, 0, 1))
    first, second = stream.getvalue().split("\r")[1:]
    assert len(second) == len(first)
    assert second.endswith(" ")


def test_in_a_log_every_report_is_a_line_of_its_own() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, tty=False)
    for done in (1, 2, 3):
        bar(progress(done, 3, failed=1 if done == 3 else 0))
    bar.finish()
    assert "\r" not in stream.getvalue()
    assert stream.getvalue().splitlines() == [
        "faktura run: 1/3 due done (created 1, booked 1, delivered 1, failed 0)",
        "faktura run: 2/3 due done (created 2, booked 2, delivered 2, failed 0)",
        "faktura run: 3/3 due done (created 3, booked 3, delivered 2, failed 1)",
    ]


# -- reference rates and reminder levels -------------------------------------------------

rate_tables = st.dictionaries(
    st.dates(date(2000, 1, 1), date(2100, 12, 31)),
    st.decimals(min_value=-10, max_value=30, places=2, allow_nan=False),
    min_size=1,
    max_size=8,
)


def _rates(flags: list[str] | None, env: dict[str, str]) -> ReferenceRateTable | None:
    return reference_rates(argparse.Namespace(reference_rate=flags), env)


@given(rate_tables)
def test_reference_rates_read_from_flags_or_the_environment_are_the_table(
    table: dict[date, Decimal],
) -> None:
    values = [f"{day.isoformat()}={rate}" for day, rate in table.items()]
    expected = ReferenceRateTable.of(table)
    assert _rates(values, {}) == expected
    assert _rates(None, {"FAKTURA_REFERENCE_RATES": " , ".join(values)}) == expected
    # the flags win over the environment
    assert _rates(values, {"FAKTURA_REFERENCE_RATES": "2000-01-01=99"}) == expected
    for day, rate in table.items():
        assert expected.reference_rate(day) == rate


def test_no_reference_rates_is_none() -> None:
    assert _rates(None, {}) is None
    assert _rates([], {"FAKTURA_REFERENCE_RATES": " "}) is None


@pytest.mark.parametrize(
    ("flags", "env", "says"),
    [
        (["2026-01-01"], {}, "--reference-rate: must be DATE=PERCENT"),
        (["=1.60"], {}, "--reference-rate: must be DATE=PERCENT"),
        (["2026-01-32=1.60"], {}, "--reference-rate: '2026-01-32=1.60': the date must be"),
        (["2026-01-01=1,60"], {}, "--reference-rate: '2026-01-01=1,60': the rate must be"),
        (["2026-01-01=101"], {}, "--reference-rate: '2026-01-01=101': the rate must be"),
        (["2026-01-01=1", "2026-01-01=2"], {}, "--reference-rate: 2026-01-01 is given twice"),
        (None, {"FAKTURA_REFERENCE_RATES": "2026-01-01=x"}, "FAKTURA_REFERENCE_RATES: "),
    ],
)
def test_bad_reference_rates_name_the_flag(
    flags: list[str] | None, env: dict[str, str], says: str
) -> None:
    with pytest.raises(Refused) as info:
        _rates(flags, env)
    assert str(info.value).startswith(says)


@given(
    st.lists(
        st.tuples(st.integers(0, 3650), st.decimals(min_value=0, max_value=10**6, places=2)),
        min_size=1,
        max_size=10,
    )
)
def test_levels_read_as_written(pairs: list[tuple[int, Decimal]]) -> None:
    text = ",".join(f"{days}:{fee}" for days, fee in pairs)
    assert parse_levels(text) == tuple(ReminderLevel(days, fee) for days, fee in pairs)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "--levels: must be DAYS:FEE pairs"),
        ("10:100,", "--levels: must be DAYS:FEE pairs"),
        ("10:100,x:5", "--levels 2: the days must be a whole number"),
        ("10:-5", "--levels 1: fee must be"),
        ("10:1.005", "--levels 1: fee "),
        ("99999:1", "--levels 1: days after due must be"),
    ],
)
def test_bad_levels_name_the_level(text: str, says: str) -> None:
    with pytest.raises(Refused) as info:
        parse_levels(text)
    assert str(info.value).startswith(says)
