"""How every shape in this package is drawn: one draw function per shape, and the few
drawing helpers they share.

Each shape (a product line, a draft, a company ...) is written once, as a function
``draw_x(draw, ...)`` that draws its values and builds the object. Another shape that
contains it calls that function inline with its own ``draw``; the public strategy is
derived from the same function by ``strategy_of``. Calling inline keeps a containing
draw from making a new strategy object per example: hypothesis validates each new
strategy object on its first draw, which would otherwise cost more than the drawing
itself. For the same reason the small strategies below are made once and reused.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import date
from typing import Concatenate, ParamSpec, TypeVar

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

P = ParamSpec("P")
T = TypeVar("T")
E = TypeVar("E", bound=str)

MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2099, 12, 31)
UUIDS = st.uuids().map(str)

pick = functools.cache(st.sampled_from)
ints = functools.cache(st.integers)


def strategy_of(
    draw_fn: Callable[Concatenate[st.DrawFn, P], T], *args: P.args, **kwargs: P.kwargs
) -> st.SearchStrategy[T]:
    """The strategy whose examples are ``draw_fn(draw, *args, **kwargs)``: the public
    strategy of a shape written once as a draw function."""
    return st.composite(draw_fn)(*args, **kwargs)


def selection(
    name: str,
    given: str | Iterable[str] | None,
    every: tuple[E, ...],
    of: Callable[[str], E],
) -> tuple[E, ...]:
    """What the argument ``name`` of a strategy selects: ``every`` value when None, else
    the one or several given, each made a value by ``of``; InvalidArgument when it names
    none."""
    if given is None:
        return every
    found = (of(given),) if isinstance(given, str) else tuple(of(item) for item in given)
    if not found:
        raise InvalidArgument(f"{name} must name at least one")
    return found


def present(draw: st.DrawFn, percent: int) -> bool:
    """True about ``percent`` % of the time. Hypothesis favours small integers and
    shrinks towards 0, so a field is present in the small draws: absence is what is
    rarer, as ``percent`` says, and the shrunk example keeps the usual fields."""
    return draw(ints(0, 99)) < percent


def rare(draw: st.DrawFn, percent: int) -> bool:
    """True about ``percent`` % of the time, and False in the shrunk example: for what
    few documents have (a payee, more than one account)."""
    return draw(ints(0, 99)) >= 100 - percent
