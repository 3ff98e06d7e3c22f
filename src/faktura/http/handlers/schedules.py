"""Schedules (a customer's recurring invoice) of the caller's company: create, list, get,
edit the settings, change the lines from a date."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import Response

from faktura.errors import ConflictError
from faktura.ports import MAX_PAGE_SIZE
from faktura.schedules import Schedule
from faktura.wire import unstructure

from .. import params
from ..auth import Caller
from ..errors import ApiError, invalid
from ..schemas import (
    CreateScheduleRequest,
    ScheduleLinesRequest,
    SchedulePage,
    UpdateScheduleRequest,
    new_schedule,
    schedule_changes,
    schedule_wire,
)
from .shared import Api, Handler, json_response

__all__ = [
    "change_schedule_lines",
    "create_schedule",
    "get_schedule",
    "list_schedules",
    "update_schedule",
]


def _etag(schedule: Schedule) -> dict[str, str]:
    return {"ETag": f'"{schedule.version}"'}


def _answer(schedule: Schedule, status: int = 200) -> Response:
    headers = _etag(schedule)
    if status == 201:
        headers["Location"] = f"/v1/schedules/{schedule.id}"
    return json_response(unstructure(schedule_wire(schedule)), status, headers)


async def _precondition(expected: int | None, change: Awaitable[Schedule]) -> Schedule:
    """The changed schedule; 412 when If-Match named a version that no longer holds."""
    try:
        return await change
    except ConflictError as exc:
        if expected is None:
            raise
        raise ApiError(412, "PRECONDITION_FAILED", exc.message) from None


def create_schedule(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        _, body = await api.parsed(request, CreateScheduleRequest)
        params.check_id(body.customer_id, "customerId")
        schedule = await api.call(
            api.billing.create_schedule, caller.company_id, new_schedule(body), actor=caller.actor
        )
        return _answer(schedule, 201)

    return handle


def list_schedules(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        after, limit = params.AFTER.of(query), params.LIMIT.of(query)
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise invalid("limit", "range", f"must be 1-{MAX_PAGE_SIZE}")
        # one more than the page: whether there is a next one
        found = await (api.read if after is None else api.call)(
            api.billing.list_schedules, caller.company_id, after=after, limit=limit + 1
        )
        items = found[:limit]
        page = SchedulePage(
            items=[schedule_wire(s) for s in items],
            next=items[-1].id if len(found) > limit else None,
        )
        return json_response(unstructure(page))

    return handle


def get_schedule(api: Api) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        schedule_id = params.SCHEDULE_ID.of(request.path_params)
        schedule = await api.read(api.billing.get_schedule, caller.company_id, schedule_id)
        return _answer(schedule)

    return handle


def _change(
    api: Api,
    make: Callable[[Api, Request, Caller, str, int | None], Awaitable[Schedule]],
) -> Handler:
    async def handle(request: Request, caller: Caller, query: Mapping[str, str]) -> Response:
        schedule_id = params.SCHEDULE_ID.of(request.path_params)
        expected = params.IF_MATCH.of(request.headers)
        schedule = await _precondition(expected, make(api, request, caller, schedule_id, expected))
        return _answer(schedule)

    return handle


async def _update(
    api: Api, request: Request, caller: Caller, schedule_id: str, expected: int | None
) -> Schedule:
    data, body = await api.parsed(request, UpdateScheduleRequest)
    return await api.call(
        api.billing.update_schedule,
        caller.company_id,
        schedule_id,
        schedule_changes(data, body),
        expected_version=expected,
        actor=caller.actor,
    )


async def _change_lines(
    api: Api, request: Request, caller: Caller, schedule_id: str, expected: int | None
) -> Schedule:
    _, body = await api.parsed(request, ScheduleLinesRequest)
    return await api.call(
        api.billing.change_schedule_lines,
        caller.company_id,
        schedule_id,
        body.effective,
        body.lines,
        expected_version=expected,
        actor=caller.actor,
    )


def update_schedule(api: Api) -> Handler:
    return _change(api, _update)


def change_schedule_lines(api: Api) -> Handler:
    return _change(api, _change_lines)
