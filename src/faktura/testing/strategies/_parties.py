"""Parties: sellers (``companies``) of every country of ``SELLER_COUNTRIES`` and their
buyers (``customers``) in every VAT zone, with addresses, bank accounts and payees."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from faktura import identifiers
from faktura.errors import ValidationError
from faktura.parties import Address, BankAccount, Company, Contact, Customer, Department, Payee
from faktura.terms import TermsKind
from faktura.vat import VatZone

from ._draw import UUIDS, ints, pick, present, rare, selection, strategy_of
from ._identifiers import ALNUM, Digits, digits, dk_cvr, gln, letters, make_iban, valid_iban
from ._nations import EU, NATIONS, NON_EU, SELLER_COUNTRIES, Nation
from ._terms import TERMS_BY_KIND

_NAME_STEMS = (
    "Nordlys",
    "Fjord",
    "Bjørk & Søn",
    "Müller",
    "Kanal",
    "Aurora",
    "Olivo",
    "Λευκός",
    "Lumière",
    "Havn <Data>",
)
_LOCAL_PARTS = ("faktura", "invoice", "ap", "billing", "jens.jensen", "anna_k")
_PERSON_NAMES = ("Jens Jensen", "Anna Svensson", "Kari Nordmann", "Ελένη Παπαδοπούλου", "Luca")


def _accepted(check: Callable[[object, str], str], value: str) -> str | None:
    """``value`` when faktura accepts it as that identifier, else None: a number faktura
    cannot yet model (Norway's ``NO…MVA``) is left out, as a user would have to."""
    try:
        return check(value, "vatId")
    except ValidationError:
        return None


def _draw_vat_id(draw: st.DrawFn, nation: Nation) -> str | None:
    if nation.vat is None:
        return None
    return _accepted(identifiers.vat_id, nation.vat(draw))


def draw_address(draw: st.DrawFn, nation: Nation, complete: int) -> Address:
    """An address in ``nation``; each of street, postal code and city is present
    ``complete`` % of the time."""
    street = f"{draw(pick(nation.streets))} {draw(ints(1, 250))}"
    return Address(
        street=street if present(draw, complete) else None,
        city=draw(pick(nation.cities)) if present(draw, complete) else None,
        postal_code=draw(nation.postal) if present(draw, complete) else None,
        country=nation.code,
        additional=draw(pick(("2. sal", "Building B", "c/o Finance")))
        if present(draw, 15)
        else None,
    )


def _draw_name(draw: st.DrawFn, nation: Nation) -> str:
    return f"{draw(pick(_NAME_STEMS))} {draw(pick(nation.forms))}"


def _draw_email(draw: st.DrawFn, nation: Nation) -> str:
    domain = draw(pick(("example", "firma", "handel")))
    return f"{draw(pick(_LOCAL_PARTS))}@{domain}.{nation.code.lower()}"


@functools.cache
def _bbans(country: str) -> Digits:
    bban = NATIONS[country].bban
    assert bban is not None
    return bban.filter(lambda b: valid_iban(make_iban(country, b)))


def _draw_bank(draw: st.DrawFn, nation: Nation, percent: int = 90) -> BankAccount | None:
    """No bank (sometimes: present ``percent`` % of the time); a Danish seller has a
    reg./account number, an IBAN or both; everyone else an IBAN; the BIC is there about
    half of the time."""
    if nation.bban is None or not present(draw, percent):
        return None
    # stdnum also checks national parts (Norway's and Belgium's check digits, Belgium's
    # bank codes): an account it refuses is drawn again.
    bban = draw(_bbans(nation.code))
    bic = None
    if present(draw, 50):
        bic = draw(letters(4)) + nation.code + draw(letters(2, ALNUM))
        if present(draw, 30):
            bic += draw(letters(3, ALNUM))
    iban = make_iban(nation.code, bban)
    if nation.code != "DK":
        return BankAccount(iban=iban, bic=bic)
    reg_no, account_no = bban[:4], bban[4:].lstrip("0") or "0"
    shape = draw(ints(0, 2))  # both, reg./account only, IBAN only
    return BankAccount(
        reg_no=reg_no if shape < 2 else None,
        account_no=account_no if shape < 2 else None,
        iban=iban if shape != 1 else None,
        bic=bic if shape != 1 else None,
    )


def draw_company(
    draw: st.DrawFn, countries: tuple[str, ...], ids: st.SearchStrategy[str]
) -> Company:
    """``companies``, drawn."""
    nation = NATIONS[draw(pick(countries))]
    danish = nation.code == "DK"
    cvr = vat_id = None
    if danish:
        cvr = dk_cvr(draw) if present(draw, 95) else None
        if present(draw, 95):
            vat_id = f"DK{cvr}" if cvr is not None else _draw_vat_id(draw, nation)
    elif present(draw, 97):
        vat_id = _draw_vat_id(draw, nation)
    # Outside Denmark the GLN is the only endpoint faktura knows (scheme 0088).
    ean = draw(gln(nation.gln_prefix)) if present(draw, 30 if danish else 97) else None
    name = _draw_name(draw, nation)
    bank = _draw_bank(draw, nation)
    other_banks: list[BankAccount] = []
    while bank is not None and len(other_banks) < 2 and rare(draw, 25):
        other = _draw_bank(draw, nation, 100)
        assert other is not None
        other_banks.append(other)
    return Company(
        id=draw(ids),
        name=name,
        address=draw_address(draw, nation, 98),
        cvr=cvr,
        vat_id=vat_id,
        ean=ean,
        bank=bank,
        fik_creditor=draw(digits(8)) if danish and present(draw, 35) else None,
        currency=nation.currency,
        payment_terms=draw(TERMS_BY_KIND[TermsKind.NET]),
        locale=nation.locale,
        standard_vat_rate=nation.rate,
        email=_draw_email(draw, nation) if present(draw, 80) else None,
        phone=f"{nation.phone} {draw(digits(8))}" if present(draw, 60) else None,
        payee=_draw_payee(draw, nation, name) if rare(draw, 20) else None,
        other_banks=tuple(other_banks),
    )


_PAYEE_NAMES = ("Nordisk Factoring A/S", "Finans Øst ApS", "Kredit & Co. AB")


def _draw_payee(draw: st.DrawFn, nation: Nation, seller: str) -> Payee:
    """A factoring company: its name (never the seller's), sometimes its GLN (0088) as
    identifier and its CVR (0184) or a register number without scheme as legal id."""
    name = draw(pick(tuple(n for n in _PAYEE_NAMES if n != seller)))
    identifier = draw(gln(nation.gln_prefix)) if present(draw, 50) else None
    legal_id = legal_scheme = None
    shape = draw(ints(0, 2))  # none, a CVR under 0184, a number without scheme
    if shape == 1:
        legal_id, legal_scheme = dk_cvr(draw), "0184"
    elif shape == 2:
        legal_id = draw(digits(8))
    return Payee(
        name,
        identifier=identifier,
        identifier_scheme="0088" if identifier is not None else None,
        legal_id=legal_id,
        legal_id_scheme=legal_scheme,
    )


def companies(
    country: str | Iterable[str] | None = None, *, ids: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[Company]:
    """Sellers in ``country`` (one code, several, or every one of ``SELLER_COUNTRIES``
    when None): the countries of Peppol BIS 3.0's national rules (DK, SE, NO, DE, NL, IT,
    GR) and FR, BE and FI.

    Each has its country's address format, currency, locale and standard VAT rate, and
    draws every optional field sometimes present, sometimes absent: a Danish seller its
    CVR, VAT number (DK + CVR), GLN, FIK creditor and a bank account with a reg./account
    number, an IBAN or both; every other seller its VAT number (when faktura can model
    it: not yet Norway's ``NO…MVA``), GLN (its Peppol endpoint, most of the time) and an
    IBAN; the BIC, e-mail and phone. Identifiers carry check digits computed by
    python-stdnum. ``ids`` gives the company ids (uuids when None).
    """
    wanted = selection("companies: country", country, SELLER_COUNTRIES, str)
    unknown = [code for code in wanted if code not in SELLER_COUNTRIES]
    if unknown:
        raise InvalidArgument(
            f"companies: country must be among {', '.join(SELLER_COUNTRIES)}; got {unknown}"
        )
    return strategy_of(draw_company, wanted, ids if ids is not None else UUIDS)


def _buyer_nation(draw: st.DrawFn, seller: str, zone: VatZone) -> Nation:
    if zone in (VatZone.DOMESTIC, VatZone.DOMESTIC_EXEMPT):
        return NATIONS[seller]
    if zone is VatZone.EU:
        return NATIONS[draw(pick(tuple(c for c in EU if c != seller)))]
    return NATIONS[draw(pick(tuple(c for c in NON_EU if c != seller)))]


def draw_customer(
    draw: st.DrawFn,
    company: Company,
    zones: tuple[VatZone, ...],
    ids: st.SearchStrategy[str],
) -> Customer:
    """``customers``, drawn."""
    zone = draw(pick(zones))
    nation = _buyer_nation(draw, company.address.country, zone)
    danish = nation.code == "DK"
    cvr = dk_cvr(draw) if danish and present(draw, 85) else None
    vat_id = None
    if present(draw, 90 if zone is VatZone.EU else 50):
        vat_id = f"DK{cvr}" if cvr is not None else _draw_vat_id(draw, nation)
    ean = draw(gln(nation.gln_prefix)) if present(draw, 35 if cvr else 97) else None
    departments = tuple(
        Department(
            id=f"dep-{index}",
            name=draw(pick(("Indkøb", "IT-afdelingen", "Finance", "Økonomi"))),
            ean=draw(gln(nation.gln_prefix)) if present(draw, 70) else None,
            address=draw_address(draw, nation, 95) if present(draw, 50) else None,
        )
        for index in range(draw(ints(0, 2)))
    )
    contacts = tuple(
        Contact(
            id=f"con-{index}",
            name=draw(pick(_PERSON_NAMES)),
            email=_draw_email(draw, nation) if present(draw, 70) else None,
        )
        for index in range(draw(ints(0, 2)))
    )
    return Customer(
        id=draw(ids),
        company_id=company.id,
        name=_draw_name(draw, nation),
        number=str(draw(ints(1, 99_999))) if present(draw, 90) else None,
        address=draw_address(draw, nation, 98),
        vat_zone=zone,
        cvr=cvr,
        vat_id=vat_id,
        ean=ean,
        email=_draw_email(draw, nation) if present(draw, 70) else None,
        language=nation.locale if present(draw, 40) else None,
        payment_terms=draw(TERMS_BY_KIND[TermsKind.NET]) if present(draw, 30) else None,
        departments=departments,
        contacts=contacts,
        # rare: each of these e-invoices renders and embeds its PDF
        attach_pdf=not present(draw, 97),
    )


def customers(
    company: Company,
    *,
    zone: VatZone | str | Iterable[VatZone | str] | None = None,
    ids: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[Customer]:
    """Buyers of ``company`` in ``zone`` (one, several, or every ``VatZone`` when None).

    A domestic (or domestic exempt) buyer sits in the seller's country, an EU buyer in
    another EU country, a buyer abroad outside the EU (NO, CH, GB, US, JP, never the
    seller's own country). Optional fields are sometimes present, sometimes absent: a
    Danish buyer's CVR, the VAT number (DK + CVR, or the country's own; most EU buyers
    have one), the GLN (the buyer's Peppol endpoint when it has no CVR), the customer
    number, e-mail, language, payment terms, up to two departments (with or without a
    GLN and an address of their own) and up to two contacts (with or without e-mail);
    rarely one that asks for the PDF in its e-invoices (``attach_pdf``). ``ids`` gives
    the customer ids (uuids when None).
    """
    zones = selection("customers: zone", zone, tuple(VatZone), VatZone)
    return strategy_of(draw_customer, company, zones, ids if ids is not None else UUIDS)
