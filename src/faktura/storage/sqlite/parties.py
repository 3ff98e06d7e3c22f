"""The companies and customers repositories (a customer list: count and page)."""

from __future__ import annotations

import attrs

from faktura.errors import ConflictError, NotFoundError
from faktura.parties import Company, Customer
from faktura.ports import ListResult
from faktura.storage import codec
from faktura.storage import sql as shared
from faktura.storage.sqlite.errors import _constraint
from faktura.storage.sqlite.lists import _contains, _fragment, _page
from faktura.storage.sqlite.statements import Statements


@attrs.frozen
class _Companies:
    uow: Statements

    def get(self, company_id: str) -> Company:
        row = self.uow._row(shared.COMPANY, {"id": company_id})
        if row is None:
            raise NotFoundError("company", company_id)
        return codec.loads(row[0], Company, company_id)

    def add(self, company: Company) -> None:
        self.uow._execute(
            "INSERT INTO companies (id, doc) VALUES (?, ?)",
            (company.id, codec.dumps(company)),
            on_integrity=_constraint(
                company.id, lambda _: ConflictError(f"company {company.id!r} exists")
            ),
        )

    def update(self, company: Company) -> None:
        if self.uow.readonly:
            self.get(company.id)  # a missing one is not found before the write is refused
        changed = self.uow._execute(
            "UPDATE companies SET doc = ? WHERE id = ?", (codec.dumps(company), company.id)
        )
        if not changed:
            raise NotFoundError("company", company.id)

    def list(self) -> list[Company]:
        rows = self.uow._rows(shared.COMPANIES)
        return [codec.loads(doc, Company, key) for key, doc in rows]


def _customer_columns(customer: Customer) -> tuple[object, ...]:
    """name, number, name_key, number_key, doc"""
    number_key = customer.number.lower() if customer.number is not None else None
    return (
        customer.name,
        customer.number,
        customer.name.lower(),
        number_key,
        codec.dumps(customer),
    )


_COUNT_CUSTOMERS = "SELECT count(*) FROM customers WHERE {where}"
_PAGE_OF_CUSTOMERS = (
    "SELECT id, doc FROM customers WHERE {where} ORDER BY name_key, id LIMIT ? OFFSET ?"
)


def _customer_filter(company_id: str, search: str | None) -> tuple[str, list[object]]:
    """The WHERE clause of a customer list and its parameters."""
    if not search:
        return "company_id = ?", [company_id]
    # name and number are searched apart: a match never spans both
    fragment = _fragment(search.lower())
    return (
        f"company_id = ? AND ({_contains('name_key')} OR {_contains('number_key')})",
        [company_id, fragment, fragment],
    )


@attrs.frozen
class _Customers:
    uow: Statements

    def get(self, company_id: str, customer_id: str) -> Customer:
        row = self.uow._row(shared.CUSTOMER, {"company_id": company_id, "id": customer_id})
        if row is None:
            raise NotFoundError("customer", customer_id)
        return codec.loads(row[0], Customer, customer_id)

    def add(self, customer: Customer) -> None:
        self.uow._execute(
            "INSERT INTO customers (company_id, id, name, number, name_key, number_key, doc) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (customer.company_id, customer.id, *_customer_columns(customer)),
            on_integrity=_constraint(
                customer.company_id, lambda _: ConflictError(f"customer {customer.id!r} exists")
            ),
        )

    def update(self, customer: Customer) -> None:
        if self.uow.readonly:
            self.get(customer.company_id, customer.id)
        changed = self.uow._execute(
            "UPDATE customers SET name = ?, number = ?, name_key = ?, number_key = ?, doc = ? "
            "WHERE company_id = ? AND id = ?",
            (*_customer_columns(customer), customer.company_id, customer.id),
        )
        if not changed:
            raise NotFoundError("customer", customer.id)

    def list(
        self, company_id: str, page: int = 1, limit: int = 20, search: str | None = None
    ) -> ListResult[Customer]:
        where, params = _customer_filter(company_id, search)
        row = self.uow._row(_COUNT_CUSTOMERS.format(where=where), params)
        total = int(row[0]) if row else 0
        rows = self.uow._rows(
            _PAGE_OF_CUSTOMERS.format(where=where), [*params, *_page(page, limit)]
        )
        return ListResult(tuple(codec.loads(doc, Customer, key) for key, doc in rows), total)
