"""What a party of each country looks like: how its numbers, addresses and bank accounts
are written, and its seller defaults. The sellers of each national rule set Peppol BIS
3.0 carries (DK, SE, NO, DE, NL, IT, GR) and of FR, BE and FI, and buyers outside the EU:
one row per country."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import attrs
from hypothesis import strategies as st

from ._draw import pick
from ._identifiers import (
    ALNUM,
    Digits,
    be_vat,
    de_vat,
    digits,
    dk_cvr,
    draw_completed,
    fi_vat,
    fr_vat,
    gr_vat,
    it_vat,
    letters,
    nl_vat,
    no_orgnr,
    se_orgnr,
)


@attrs.frozen
class Nation:
    """What a party of one country looks like: how its numbers, addresses and bank
    accounts are written, and its seller defaults (currency, locale, standard VAT rate)."""

    code: str
    eu: bool
    vat: Callable[[st.DrawFn], str] | None  # the full VAT number, prefix included
    gln_prefix: str
    postal: Digits
    cities: tuple[str, ...]
    streets: tuple[str, ...]
    bban: Digits | None = None
    currency: str = "EUR"
    locale: str = "en"
    rate: Decimal = Decimal(25)
    forms: tuple[str, ...] = ("Ltd",)
    phone: str = "+1"


def _bban_no(draw: st.DrawFn) -> str:
    return draw_completed(draw, digits(10, first="123456789"), "no.kontonr")


NATIONS: dict[str, Nation] = {
    nation.code: nation
    for nation in (
        Nation(
            "DK",
            True,
            lambda draw: "DK" + dk_cvr(draw),
            "57",
            digits(4, first="123456789"),
            ("København K", "Aarhus C", "Odense C", "Aalborg", "Ærøskøbing"),
            ("Vestergade", "Nørregade", "Havnegade", "Åboulevard"),
            digits(14),
            "DKK",
            "da",
            Decimal(25),
            ("ApS", "A/S", "I/S", "IVS"),
            "+45",
        ),
        Nation(
            "SE",
            True,
            lambda draw: f"SE{se_orgnr(draw)}01",
            "73",
            st.builds("{} {}".format, digits(3, first="1234589"), digits(2)),
            ("Stockholm", "Göteborg", "Malmö", "Umeå"),
            ("Storgatan", "Drottninggatan", "Kungsvägen"),
            digits(20),
            "SEK",
            "sv",
            Decimal(25),
            ("AB", "HB"),
            "+46",
        ),
        Nation(
            "NO",
            False,
            lambda draw: f"NO{no_orgnr(draw)}MVA",
            "70",
            digits(4),
            ("Oslo", "Bergen", "Trondheim", "Tromsø"),
            ("Karl Johans gate", "Storgata", "Bryggen"),
            st.composite(_bban_no)(),
            "NOK",
            "nb",
            Decimal(25),
            ("AS", "ASA"),
            "+47",
        ),
        Nation(
            "DE",
            True,
            de_vat,
            "40",
            digits(5, first="0123456789"),
            ("Berlin", "München", "Hamburg", "Köln"),
            ("Hauptstraße", "Bahnhofstraße", "Schillerstraße"),
            digits(18),
            "EUR",
            "de",
            Decimal(19),
            ("GmbH", "AG", "KG"),
            "+49",
        ),
        Nation(
            "NL",
            True,
            nl_vat,
            "87",
            st.builds("{} {}".format, digits(4, first="123456789"), letters(2)),
            ("Amsterdam", "Rotterdam", "Utrecht", "Den Haag"),
            ("Kerkstraat", "Dorpsstraat", "Prinsengracht"),
            st.builds("{}{}".format, letters(4), digits(10)),
            "EUR",
            "nl",
            Decimal(21),
            ("B.V.", "N.V."),
            "+31",
        ),
        Nation(
            "IT",
            True,
            it_vat,
            "80",
            digits(5),
            ("Roma", "Milano", "Napoli", "Torino"),
            ("Via Roma", "Via Garibaldi", "Corso Italia"),
            st.builds("{}{}{}".format, letters(1), digits(10), letters(12, ALNUM)),
            "EUR",
            "it",
            Decimal(22),
            ("S.r.l.", "S.p.A."),
            "+39",
        ),
        Nation(
            "GR",
            True,
            gr_vat,
            "520",
            st.builds("{} {}".format, digits(3, first="123456789"), digits(2)),
            ("Αθήνα", "Θεσσαλονίκη", "Patra", "Heraklion"),
            ("Odos Ermou", "Λεωφόρος Κηφισίας", "Odos Stadiou"),
            st.builds("{}{}".format, digits(7), letters(16, ALNUM)),
            "EUR",
            "el",
            Decimal(24),
            ("A.E.", "E.P.E.", "I.K.E."),
            "+30",
        ),
        Nation(
            "FR",
            True,
            fr_vat,
            "30",
            digits(5, first="0123456789"),
            ("Paris", "Lyon", "Marseille", "Nantes"),
            ("Rue de la Paix", "Avenue Victor Hugo", "Boulevard Saint-Michel"),
            st.builds("{}{}{}".format, digits(10), letters(11, ALNUM), digits(2)),
            "EUR",
            "fr",
            Decimal(20),
            ("SAS", "SARL", "SA"),
            "+33",
        ),
        Nation(
            "BE",
            True,
            be_vat,
            "54",
            digits(4, first="123456789"),
            ("Bruxelles", "Antwerpen", "Gent", "Liège"),
            ("Rue Neuve", "Meir", "Veldstraat"),
            digits(10).map(lambda b: b + f"{(int(b) % 97) or 97:02d}"),
            "EUR",
            "nl",
            Decimal(21),
            ("BV", "NV", "SRL"),
            "+32",
        ),
        Nation(
            "FI",
            True,
            fi_vat,
            "64",
            digits(5),
            ("Helsinki", "Espoo", "Tampere", "Oulu"),
            ("Mannerheimintie", "Aleksanterinkatu", "Hämeenkatu"),
            digits(14),
            "EUR",
            "fi",
            Decimal("25.5"),
            ("Oy", "Oyj"),
            "+358",
        ),
        # Buyers outside the EU and outside Peppol's national rule sets.
        Nation(
            "CH",
            False,
            None,
            "76",
            digits(4, first="123456789"),
            ("Zürich", "Genève", "Basel"),
            ("Bahnhofstrasse", "Rue du Rhône"),
            currency="CHF",
            locale="de",
            forms=("AG", "GmbH", "SA"),
            phone="+41",
        ),
        Nation(
            "GB",
            False,
            None,
            "50",
            pick(("SW1A 1AA", "EC1A 1BB", "M1 1AE", "EH1 1YZ")),
            ("London", "Manchester", "Edinburgh"),
            ("High Street", "Station Road"),
            currency="GBP",
            forms=("Ltd", "PLC", "LLP"),
            phone="+44",
        ),
        Nation(
            "US",
            False,
            None,
            "0",
            digits(5, first="123456789"),
            ("New York", "Seattle", "Austin"),
            ("Main Street", "Broadway", "5th Avenue"),
            currency="USD",
            forms=("Inc.", "LLC", "Corp."),
            phone="+1",
        ),
        Nation(
            "JP",
            False,
            None,
            "45",
            st.builds("{}-{}".format, digits(3), digits(4)),
            ("Tokyo", "Osaka", "Kyoto"),
            ("Chuo-dori", "Ginza"),
            currency="JPY",
            locale="ja",
            forms=("K.K.", "G.K."),
            phone="+81",
        ),
    )
}

#: The seller countries whose national rules Peppol BIS 3.0 carries.
NATIONAL_RULE_COUNTRIES = ("DK", "SE", "NO", "DE", "NL", "IT", "GR")
#: Every country ``companies`` draws sellers from: the national rule sets and a few
#: other EU countries.
SELLER_COUNTRIES = (*NATIONAL_RULE_COUNTRIES, "FR", "BE", "FI")
EU = tuple(code for code, nation in NATIONS.items() if nation.eu)
NON_EU = tuple(code for code, nation in NATIONS.items() if not nation.eu)
