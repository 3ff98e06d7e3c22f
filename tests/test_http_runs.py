"""Billing runs and batch booking over HTTP: a run bills the due periods and a second
one skips them; many drafts booked with the refused ones answered, numbers consecutive;
bad input named as sent; scopes. On the memory store, a SQLite file
and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faktura.storage.memory import MemoryStore
from test_http_fixtures import LINE, expect
from test_http_schedules import STORES, Setup, make_setup, setups

pytest_plugins = ["pg_fixture"]


@pytest.fixture(params=STORES)
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Setup]:
    yield from setups(request, tmp_path)


def _schedule(setup: Setup, **fields: Any) -> dict[str, Any]:
    body = {"customerId": setup.customer_id, "lines": [LINE], "start": "2026-12-01"} | fields
    return expect(setup.client.post("/v1/schedules", json=body), 201)  # type: ignore[no-any-return]


def _draft(setup: Setup, **fields: Any) -> str:
    body = {"customerId": setup.customer_id, "lines": [LINE]} | fields
    return expect(setup.client.post("/v1/invoices", json=body), 201)["id"]  # type: ignore[no-any-return]


def _problems(response: Any) -> dict[str, dict[str, str]]:
    body = expect(response, 400)
    return {e["property"]: e["constraints"] for e in body["details"]["validationErrors"]}


def test_a_run_bills_the_due_periods_and_a_second_run_skips_them(setup: Setup) -> None:
    api = setup.client
    monthly = _schedule(setup, channel="manual")
    weekly = _schedule(setup, cadence={"unit": "day", "count": 7}, start="2026-12-03")
    _schedule(setup, start="2027-01-01")  # nothing due in December
    setup.billing.clock.current = datetime(2026, 12, 31, 9, tzinfo=UTC)  # type: ignore[attr-defined]

    first = expect(api.post("/v1/billing-runs", json={"period": "2026-12"}), 200)
    # the monthly one once (1 December), the weekly one on 3, 10, 17, 24 and 31 December
    assert (first["first"], first["last"]) == ("2026-12-01", "2026-12-31")
    assert (first["due"], first["created"], first["booked"]) == (6, 6, 6)
    assert first["delivered"] == 1  # only the monthly one has a channel
    assert (first["skipped"], first["failed"]) == (0, [])

    invoices = expect(api.get("/v1/invoices", params={"limit": "100"}), 200)["items"]
    assert len(invoices) == 6
    assert sorted(int(i["number"]) for i in invoices) == [1, 2, 3, 4, 5, 6]
    by_schedule = [i for i in invoices if i["id"].startswith(monthly["id"])]
    assert len(by_schedule) == 1
    assert by_schedule[0]["date"] == "2026-12-31"  # dated the day of the run
    assert [i["amount"] for i in by_schedule] == ["1250.00"]
    assert len([i for i in invoices if i["id"].startswith(weekly["id"])]) == 5

    again = expect(api.post("/v1/billing-runs", json={"period": "2026-12", "batchSize": 2}), 200)
    assert (again["due"], again["created"], again["booked"], again["delivered"]) == (6, 0, 0, 0)
    assert again["skipped"] == 6
    assert len(expect(api.get("/v1/invoices", params={"limit": "100"}), 200)["items"]) == 6


def test_a_run_without_a_period_bills_the_current_month(setup: Setup) -> None:
    _schedule(setup, start="2026-11-20")  # the clock says 25 November
    _schedule(setup, start="2026-11-26")  # not yet due
    summary = expect(setup.client.post("/v1/billing-runs", json={"deliver": False}), 200)
    # the month, up to today: what has fallen due
    assert (summary["first"], summary["last"]) == ("2026-11-01", "2026-11-25")
    assert (summary["due"], summary["created"], summary["booked"]) == (1, 1, 1)


def test_a_refused_period_is_answered_with_its_fields_in_wire_names(setup: Setup) -> None:
    api = setup.client
    _schedule(setup, start="2026-11-01", channel="manual")
    # a booking dated 30 November: the run's invoice, dated today (25 November), would be
    # back-dated
    later = _draft(setup, date="2026-11-30")
    expect(api.post(f"/v1/invoices/{later}/send", json={"deliveryType": "manual"}), 200)
    summary = expect(api.post("/v1/billing-runs", json={"period": "2026-11"}), 200)
    assert (summary["due"], summary["booked"]) == (1, 0)
    (failure,) = summary["failed"]
    assert failure["stage"] == "book"
    assert (failure["periodStart"], failure["periodEnd"]) == ("2026-11-01", "2026-11-30")
    assert [(e["field"], e["rule"]) for e in failure["errors"]] == [("date", "backdating")]
    assert failure["message"].startswith("date: ")
    assert "issue_date" not in failure["message"]


def test_many_drafts_are_booked_and_a_refused_one_is_answered(setup: Setup) -> None:
    api = setup.client
    first, second = _draft(setup), _draft(setup)
    empty = _draft(setup, lines=[])  # nothing to bill: not bookable
    result = expect(
        api.post("/v1/invoices/book", json={"invoiceIds": [first, empty, "unknown", second]}),
        200,
    )
    assert [(i["id"], i["number"]) for i in result["booked"]] == [(first, "1"), (second, "2")]
    listed = expect(api.get("/v1/invoices", params={"limit": "100"}), 200)["items"]
    by_id = {item["id"]: item for item in listed}
    assert all(item == by_id[item["id"]] for item in result["booked"])  # as lists show them
    assert by_id[first]["status"] != "draft"
    refused = {f["invoiceId"]: f["error"] for f in result["failed"]}
    assert list(refused) == [empty, "unknown"]
    assert refused[empty]["code"] == "SHARED_VALIDATION_FAILED"
    assert refused[empty]["errors"]
    assert all("_" not in e["field"] for e in refused[empty]["errors"])  # wire names
    assert refused["unknown"]["code"] == "NOT_FOUND"
    assert expect(api.get(f"/v1/invoices/{empty}"), 200)["status"] == "draft"
    # booked already: refused the second time, and no number is used
    again = expect(api.post("/v1/invoices/book", json={"invoiceIds": [first]}), 200)
    assert again["booked"] == []
    assert again["failed"][0]["error"]["code"] == "INVALID_STATE"
    third = _draft(setup)
    booked = expect(api.post("/v1/invoices/book", json={"invoiceIds": [third]}), 200)["booked"]
    assert booked[0]["number"] == "3"


def test_the_book_route_is_not_an_invoice_id(setup: Setup) -> None:
    api = setup.client
    assert expect(api.get("/v1/invoices/book"), 404)["code"] == "NOT_FOUND"
    assert expect(api.patch("/v1/invoices/book", json={}), 404)["code"] == "NOT_FOUND"
    assert expect(api.post("/v1/invoices/book", json={"invoiceIds": []}), 200) == {
        "booked": [],
        "failed": [],
    }


def test_bad_input_is_named_as_sent(setup: Setup) -> None:
    api = setup.client
    for period in ("2026-13", "December", "2026-12-01..2026-11-01", "2024-01-01..2026-12-31"):
        assert "period" in _problems(api.post("/v1/billing-runs", json={"period": period}))
    assert "period" in _problems(api.post("/v1/billing-runs", json={"period": 202612}))
    assert "batchSize" in _problems(api.post("/v1/billing-runs", json={"batchSize": 0}))
    assert "deliver" in _problems(api.post("/v1/billing-runs", json={"deliver": "yes"}))
    assert "invoiceIds.1" in _problems(
        api.post("/v1/invoices/book", json={"invoiceIds": ["ok", "not an id"]})
    )
    assert "invoiceIds" in _problems(api.post("/v1/invoices/book", json={}))
    assert "batchSize" in _problems(
        api.post("/v1/invoices/book", json={"invoiceIds": [], "batchSize": 10_001})
    )


def test_runs_and_batch_booking_need_their_scope(setup: Setup) -> None:
    others = setup.with_scopes(
        "invoices-read", "invoices-write", "invoices-send", "schedules-write"
    )
    for path, body in [("/v1/billing-runs", {}), ("/v1/invoices/book", {"invoiceIds": []})]:
        refused = expect(others.post(path, json=body), 403)
        assert refused["details"]["requiredScopes"] == ["billing-runs"]
    runner = setup.with_scopes("billing-runs")
    assert expect(runner.post("/v1/billing-runs", json={}), 200)["due"] == 0


MONTHS = [f"2027-{month:02d}" for month in range(1, 7)]
START = date(2027, 1, 1)


def _days(first: int, length: int) -> str:
    return f"{START + timedelta(days=first)}..{START + timedelta(days=first + length)}"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    windows=st.lists(
        st.sampled_from(MONTHS) | st.builds(_days, st.integers(0, 180), st.integers(0, 60)),
        min_size=1,
        max_size=5,
    ),
    batch=st.integers(1, 4),
)
def test_runs_in_any_order_bill_each_due_period_once(windows: list[str], batch: int) -> None:
    setup = make_setup(MemoryStore())
    setup.billing.clock.current = datetime(2027, 8, 1, 9, tzinfo=UTC)  # type: ignore[attr-defined]
    api = setup.client
    for body in (
        {"start": "2027-01-01"},
        {"start": "2027-01-10", "cadence": {"unit": "day", "count": 10}},
        {"start": "2027-02-15", "timing": "arrears", "end": "2027-05-20"},
    ):
        _schedule(setup, **body)
    created = 0
    for window in windows:
        summary = expect(
            api.post("/v1/billing-runs", json={"period": window, "batchSize": batch}), 200
        )
        created += summary["created"]
        # every due period is booked now, was done before, or is answered as failed
        assert summary["booked"] + summary["skipped"] + len(summary["failed"]) == summary["due"]
        for failure in summary["failed"]:  # only what an earlier booking made back-dated
            assert failure["stage"] == "book"
            assert [(e["field"], e["rule"]) for e in failure["errors"]] == [("date", "backdating")]
    invoices = expect(api.get("/v1/invoices", params={"limit": "100"}), 200)
    ids = [i["id"] for i in invoices["items"]]
    assert len(ids) == len(set(ids)) == created == invoices["total"]
    numbers = sorted(int(i["number"]) for i in invoices["items"] if i["number"] is not None)
    assert numbers == list(range(1, len(numbers) + 1))  # gap-free, none used twice


def test_a_run_books_across_schedules_billing_on_different_days() -> None:
    """Every invoice of a run is dated the day of the run: a schedule billing on the 1st
    is not back-dated behind one billing on the 15th, whatever order they come in."""
    setup = make_setup(MemoryStore())
    setup.billing.clock.current = datetime(2027, 1, 31, 9, tzinfo=UTC)  # type: ignore[attr-defined]
    _schedule(setup, start="2027-01-15")  # created first: its id sorts first
    _schedule(setup, start="2027-01-01")
    summary = expect(setup.client.post("/v1/billing-runs", json={"period": "2027-01"}), 200)
    assert summary["failed"] == []
    assert summary["booked"] == 2
