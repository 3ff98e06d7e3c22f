"""The companies and customers repositories (a customer list: count and page)."""

from __future__ import annotations

import contextlib
from typing import Any, LiteralString

import attrs

from faktura.errors import ConflictError, NotFoundError
from faktura.parties import Company, Customer
from faktura.ports import ListResult
from faktura.storage import sql as shared
from faktura.storage.codec import dumps, load
from faktura.storage.postgres.lists import _count, _like_fragment
from faktura.storage.postgres.statements import Statements, shared_statement


@attrs.frozen
class _Companies:
    uow: Statements

    def get(self, company_id: str) -> Company:
        row = self.uow.run(
            shared_statement(shared.COMPANY), {"id": company_id}, action="read a company"
        ).fetchone()
        if row is None:
            raise NotFoundError("company", company_id)
        return load(row[0], Company, company_id)

    def add(self, company: Company) -> None:
        if self.uow.readonly and self._exists(company.id):
            raise ConflictError(f"company {company.id!r} exists")
        self.uow.check_writable()
        added = self.uow.run(
            "INSERT INTO companies (id, doc) VALUES (%s, %s::jsonb) ON CONFLICT DO NOTHING",
            (company.id, dumps(company)),
            action="add a company",
        ).rowcount
        if added == 0:
            raise ConflictError(f"company {company.id!r} exists")

    def update(self, company: Company) -> None:
        if self.uow.readonly:
            self.get(company.id)
        self.uow.check_writable()
        updated = self.uow.run(
            "UPDATE companies SET doc = %s::jsonb WHERE id = %s",
            (dumps(company), company.id),
            action="update a company",
        ).rowcount
        if updated == 0:
            raise NotFoundError("company", company.id)

    def list(self) -> list[Company]:
        rows = self.uow.run(
            shared_statement(shared.COMPANIES), action="list the companies"
        ).fetchall()
        return [load(doc, Company, key) for key, doc in rows]

    def _exists(self, company_id: str) -> bool:
        found = self.uow.run(
            "SELECT 1 FROM companies WHERE id = %s", (company_id,), action="read a company"
        )
        return found.fetchone() is not None


def _customer_values(customer: Customer) -> tuple[Any, ...]:
    return (
        customer.name,
        customer.number,
        customer.name.lower(),
        customer.number.lower() if customer.number is not None else None,
        dumps(customer),
    )


@attrs.frozen
class _Customers:
    uow: Statements

    def get(self, company_id: str, customer_id: str) -> Customer:
        row = self.uow.run(
            shared_statement(shared.CUSTOMER),
            {"company_id": company_id, "id": customer_id},
            action="read a customer",
        ).fetchone()
        if row is None:
            raise NotFoundError("customer", customer_id)
        return load(row[0], Customer, customer_id)

    def add(self, customer: Customer) -> None:
        if self.uow.readonly:
            with contextlib.suppress(NotFoundError):
                self.get(customer.company_id, customer.id)
                raise ConflictError(f"customer {customer.id!r} exists")
        self.uow.check_writable()
        added = self.uow.run(
            "INSERT INTO customers (company_id, id, name, number, name_key, number_key, doc)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb) ON CONFLICT DO NOTHING",
            (customer.company_id, customer.id, *_customer_values(customer)),
            action="add a customer",
        ).rowcount
        if added == 0:
            raise ConflictError(f"customer {customer.id!r} exists")

    def update(self, customer: Customer) -> None:
        if self.uow.readonly:
            self.get(customer.company_id, customer.id)
        self.uow.check_writable()
        updated = self.uow.run(
            "UPDATE customers SET name = %s, number = %s, name_key = %s, number_key = %s,"
            " doc = %s::jsonb WHERE company_id = %s AND id = %s",
            (*_customer_values(customer), customer.company_id, customer.id),
            action="update a customer",
        ).rowcount
        if updated == 0:
            raise NotFoundError("customer", customer.id)

    def list(
        self, company_id: str, page: int = 1, limit: int = 20, search: str | None = None
    ) -> ListResult[Customer]:
        where: LiteralString = "company_id = %s"
        params: list[Any] = [company_id]
        if search:
            pattern = _like_fragment(search.lower())
            if pattern is None:
                return ListResult((), 0)
            where += " AND (name_key LIKE %s OR number_key LIKE %s)"
            params += [pattern, pattern]
        total = _count(
            self.uow.run(
                "SELECT count(*) FROM customers WHERE " + where, params, action="count customers"
            )
        )
        rows = self.uow.run(
            "SELECT id, doc FROM customers WHERE " + where + " ORDER BY name_key, id"
            " LIMIT %s OFFSET %s",
            [*params, limit, (page - 1) * limit],
            action="list customers",
        ).fetchall()
        return ListResult(tuple(load(doc, Customer, key) for key, doc in rows), total)
