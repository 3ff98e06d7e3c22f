"""Payment terms of every kind."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from faktura.terms import MAX_TERM_DAYS, PaymentTerms, TermsKind

from ._draw import MAX_DATE, MIN_DATE, selection


def _terms_by_kind(
    max_days: int, fixed_dates: st.SearchStrategy[date] | None
) -> dict[TermsKind, st.SearchStrategy[PaymentTerms]]:
    common = tuple(d for d in (0, 8, 14, 30) if d <= max_days)
    days = st.one_of(st.sampled_from(common), st.integers(0, max_days))
    return {
        TermsKind.NET: days.map(PaymentTerms.net),
        TermsKind.END_OF_MONTH: days.map(PaymentTerms.end_of_month),
        TermsKind.END_OF_NEXT_MONTH: days.map(PaymentTerms.end_of_next_month),
        TermsKind.DAY_OF_NEXT_MONTH: st.integers(1, 31).map(PaymentTerms.day_of_next_month),
        TermsKind.INVOICE_WEEK: st.builds(PaymentTerms.invoice_week, days, st.integers(0, 6)),
        TermsKind.CASH: st.just(PaymentTerms.cash()),
        TermsKind.PREPAID: st.just(PaymentTerms.prepaid()),
        TermsKind.FIXED: (
            fixed_dates if fixed_dates is not None else st.dates(MIN_DATE, MAX_DATE)
        ).map(PaymentTerms.fixed),
    }


def payment_terms(
    kinds: Iterable[TermsKind] | None = None,
    *,
    max_days: int = MAX_TERM_DAYS,
    fixed_dates: st.SearchStrategy[date] | None = None,
) -> st.SearchStrategy[PaymentTerms]:
    """Payment terms of every kind in ``kinds`` (all of them when None).

    ``fixed_dates`` gives the due dates of ``fixed`` terms (any date 2000-2099 when None).
    """
    if not 0 <= max_days <= MAX_TERM_DAYS:
        raise InvalidArgument(f"payment_terms: max_days must be within 0..{MAX_TERM_DAYS}")
    wanted = selection("payment_terms: kinds", kinds, tuple(TermsKind), TermsKind)
    by_kind = _terms_by_kind(max_days, fixed_dates)
    return st.one_of([by_kind[kind] for kind in wanted])


#: The terms of each kind, with any number of days: what drafts and parties draw from.
TERMS_BY_KIND = _terms_by_kind(MAX_TERM_DAYS, None)
