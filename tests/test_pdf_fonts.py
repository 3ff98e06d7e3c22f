"""The PDF font: every European name renders (embedded), what no font draws is refused
before booking (Billing.book and every kind of send), and hosts can register a family."""

from __future__ import annotations

import io
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from faktura import Status, ValidationError
from faktura.billing import Billing
from faktura.commands import CompanyProfile, NewCustomer
from faktura.delivery.channel import DeliveryChannel, DeliveryType
from faktura.delivery.manual import ManualChannel
from faktura.documents import fonts, typeface
from faktura.documents.pdf import DocumentData, render_pdf
from faktura.exchange import FixedRates
from faktura.parties import Address, BankAccount
from faktura.storage.memory import MemoryStore
from faktura.testing.channels import RecordingChannel
from faktura.testing.clock import ManualClock
from faktura.testing.parties import BUYER_ADDRESS
from faktura.wire import new_draft

# (language, a customer name, a street, a line description)
EUROPEAN = [
    ("Czech", "Jiří Dvořák s.r.o.", "Náměstí Míru 12", "Překlad smlouvy, čeština"),
    ("Polish", "Łukasz Żółkiewski", "ulica Świętokrzyska 5", "Usługi księgowe, źródło"),
    ("Hungarian", "Kőszegi Ödön Kft.", "Fő utca 7", "Tanácsadás, gyűjtő óra"),
    ("Turkish", "İstanbul Ağ Hizmetleri", "Şişli Cad. 3", "Danışmanlık ığdır"),
    ("Romanian", "Știință și Ţară SRL", "Strada Mărășești 4", "Servicii de întreținere"),
    ("Croatian", "Đurđa Čačić d.o.o.", "Ulica Ćirila 9", "Savjetovanje, đak"),
    ("Icelandic", "Þórður Ævarsson ehf.", "Aðalstræti 6", "Ráðgjöf, þjónusta"),
    ("Latvian", "Ķēniņš SIA", "Rīgas iela 2", "Konsultācijas, ģimene"),
    ("Lithuanian", "Ąžuolas ir sūnūs UAB", "Gedimino pr. 8", "Paslaugos, ųžė"),
    ("Maltese", "Ħamrun Ġebel Ltd", "Triq iż-Żebbuġ 1", "Servizz ta' ħidma"),
    ("German", "Weiß & Söhne GmbH", "Straße des 17. Juni 1", "Beratung, Maß"),
    ("French", "Œuvre Cœur SARL", "Rue de l'Église 3", "Conseil, œnologie"),
    ("Greek", "Αθηνά Παπαδοπούλου ΑΕ", "Οδός Ερμού 15", "Συμβουλευτικές υπηρεσίες"),
    ("Russian", "ООО Ромашка Щукин", "улица Ленина 4", "Консультационные услуги"),
    ("Ukrainian", "ТОВ Їжак і Ґанок", "вулиця Шевченка 2", "Послуги, Євген"),
]


def billing(**channels: DeliveryChannel) -> tuple[Billing, str, str]:
    """A Billing over the memory store with a EUR company and a Danish customer."""
    billing = Billing(
        MemoryStore(),
        ManualClock(),
        channels=channels or None,
        exchange_rates=FixedRates({("EUR", "DKK"): Decimal("7.4604")}),
    )
    company = billing.create_company(
        CompanyProfile(
            name="Nordlys ApS",
            cvr="13585628",
            vat_id="DK13585628",
            address=Address(street="Vestergade 1", city="Aarhus C", postal_code="8000"),
            currency="EUR",
            locale="en",
            bank=BankAccount(iban="DK5000400440116243", bic="DABADKKK"),
            email="billing@nordlys.example",
        ),
    )
    customer = billing.create_customer(
        company.id,
        NewCustomer(
            name="Fjord A/S",
            address=BUYER_ADDRESS,
            email="ap@fjord.dk",
            cvr="25313763",
            ean="5798000416604",
        ),
    )
    return billing, company.id, customer.id


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def page_fonts(pdf: bytes) -> dict[str, Any]:
    """BaseFont -> font dictionary of every font the first page uses."""
    resources = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    return {str(f.get_object()["/BaseFont"]): f.get_object() for f in resources.values()}


@pytest.mark.parametrize(("language", "name", "street", "description"), EUROPEAN)
@pytest.mark.parametrize("template_id", ["default", "modern"])
def test_european_names_render_and_read_back(
    language: str, name: str, street: str, description: str, template_id: str
) -> None:
    books, company_id, _ = billing()
    customer = books.create_customer(
        company_id,
        NewCustomer(
            name=name,
            address=Address(street=street, city="Ĳsselstein", postal_code="3401", country="NL"),
        ),
    )
    draft = books.create_draft(
        company_id,
        new_draft(
            {
                "customerId": customer.id,
                "lines": [
                    {"description": description, "quantity": "1", "unitPrice": "100.00"},
                    {"description": f"{language}: {name}", "quantity": "2", "unitPrice": "5.00"},
                ],
                "notes": f"{street}, {description}",
            }
        ),
    )
    booked = books.book(company_id, draft.id)
    company = books.get_company(company_id)
    pdf = render_pdf(DocumentData(booked, company, customer), template_id=template_id)
    text = " ".join(text_of(pdf).split())  # a long description wraps onto two lines
    for expected in (name, street, description, f"{language}: {name}", f"{street}, {description}"):
        assert expected in text, (expected, text)


def test_threads_render_the_same_bytes_as_one_thread() -> None:
    """A server renders in several threads at once: every PDF is the one a single thread
    makes (reportlab's font subsets are per-document state on shared font objects)."""
    from concurrent.futures import ThreadPoolExecutor

    books, company_id, customer_id = billing()
    company, customer = books.get_company(company_id), books.get_customer(company_id, customer_id)
    words = ["Ørsted Ωmega", "Жук и Ёж", "Łódź Ćma", "Þór Ægir", "Ğüneş İş", "Ħamrun Żebbuġ"]
    documents = [
        DocumentData(
            books.create_draft(
                company_id,
                new_draft(
                    {
                        "customerId": customer_id,
                        "lines": [
                            {"description": f"{word} {n}", "quantity": "1", "unitPrice": "9.00"}
                            for word in words[n % len(words) :]
                        ],
                    }
                ),
            ),
            company,
            customer,
        )
        for n in range(24)
    ]
    alone = [render_pdf(data) for data in documents]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            together = list(pool.map(render_pdf, documents * 3))
    finally:
        sys.setswitchinterval(interval)
    assert together == alone * 3


def test_the_font_is_embedded_as_a_subset() -> None:
    books, company_id, customer_id = billing()
    draft = books.create_draft(
        company_id,
        new_draft(
            {
                "customerId": customer_id,
                "lines": [
                    {"description": "Ørsted Ωmega Жук", "quantity": "1", "unitPrice": "9.00"}
                ],
            }
        ),
    )
    booked = books.book(company_id, draft.id)
    data = DocumentData(
        booked, books.get_company(company_id), books.get_customer(company_id, customer_id)
    )
    for draft_stamp in (False, True):
        used = page_fonts(render_pdf(data, draft=draft_stamp))
        assert used
        for base_font, font in used.items():
            prefix, _, _ = base_font.lstrip("/").partition("+")
            assert len(prefix) == 6, base_font  # a subset: "ABCDEF+Name"
            assert prefix.isupper(), base_font
            assert font["/Subtype"] == "/TrueType"
            assert "/FontFile2" in font["/FontDescriptor"].get_object(), base_font


def test_what_no_font_draws_is_named_field_by_field() -> None:
    books, company_id, _ = billing()
    customer = books.create_customer(
        company_id, NewCustomer(name="中山商事", email="a@b.jp", address=BUYER_ADDRESS)
    )
    draft = books.create_draft(
        company_id,
        new_draft(
            {
                "customerId": customer.id,
                "lines": [
                    {"description": "Workshop", "quantity": "1", "unitPrice": "1.00"},
                    {"description": "Ремонт", "quantity": "1", "unitPrice": "1.00"},
                    {"description": "Tea ceremony 茶道", "quantity": "1", "unitPrice": "1.00"},
                ],
                "notes": "Thanks 🙂",
            }
        ),
    )
    data = DocumentData(draft, books.get_company(company_id), customer)
    with pytest.raises(ValidationError) as info:
        fonts.check_drawable(data)
    family = fonts.default_font().family
    messages = {e.path: e.message for e in info.value.errors}
    assert messages == {
        "customer.name": f"'中' (U+4E2D) cannot be drawn by the font {family}",
        "lines.2.description": f"'茶' (U+8336) cannot be drawn by the font {family}",
        "notes": f"'🙂' (U+1F642) cannot be drawn by the font {family}",
    }
    assert {e.rule for e in info.value.errors} == {"undrawable_character"}
    with pytest.raises(ValidationError, match="document_template_id"):
        fonts.check_drawable(data, "fancy")


def refused_cjk(books: Billing, company_id: str) -> str:
    customer = books.create_customer(
        company_id,
        NewCustomer(name="中山商事", email="a@b.jp", ean="5790000435951", address=BUYER_ADDRESS),
    )
    draft = books.create_draft(
        company_id,
        new_draft(
            {
                "customerId": customer.id,
                "reference": "PO-1",
                "lines": [{"description": "Workshop", "quantity": "1", "unitPrice": "1.00"}],
            }
        ),
    )
    return draft.id


def assert_untouched(
    books: Billing, company_id: str, customer_id: str, draft_id: str, version: int
) -> None:
    after = books.get_invoice(company_id, draft_id)
    assert after.status is Status.DRAFT
    assert after.number is None
    assert after.version == version
    other = books.create_draft(
        company_id,
        new_draft(
            {
                "customerId": customer_id,
                "lines": [{"description": "Plain", "quantity": "1", "unitPrice": "1.00"}],
            }
        ),
    )
    assert books.book(company_id, other.id).number == "1"  # no number was used


def test_booking_refuses_what_the_font_cannot_draw() -> None:
    books, company_id, customer_id = billing()
    draft_id = refused_cjk(books, company_id)
    version = books.get_invoice(company_id, draft_id).version
    with pytest.raises(ValidationError) as info:
        books.book(company_id, draft_id)
    assert info.value.fields == ("customer.name",)
    assert "'中' (U+4E2D)" in str(info.value)
    assert_untouched(books, company_id, customer_id, draft_id, version)


@pytest.mark.parametrize("delivery_type", ["manual", "email", "sproom"])
def test_every_send_refuses_what_the_font_cannot_draw(delivery_type: str) -> None:
    email = RecordingChannel(DeliveryType.EMAIL)
    sproom = RecordingChannel(DeliveryType.SPROOM)
    books, company_id, customer_id = billing(email=email, sproom=sproom, manual=ManualChannel())
    draft_id = refused_cjk(books, company_id)
    version = books.get_invoice(company_id, draft_id).version
    with pytest.raises(ValidationError) as info:
        books.send(company_id, draft_id, delivery_type)
    assert info.value.fields == ("customer.name",)
    assert "'中' (U+4E2D)" in str(info.value)
    assert not books.delivery_status(company_id, draft_id).attempts
    assert not email.deliveries
    assert not sproom.deliveries
    assert_untouched(books, company_id, customer_id, draft_id, version)


def test_without_the_pdf_extra_booking_checks_no_font(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "_pdf_extra_installed", lambda: False)
    books, company_id, _ = billing()
    draft_id = refused_cjk(books, company_id)
    assert books.book(company_id, draft_id).number == "1"


@pytest.fixture
def host_font(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever a test registers as the default family is forgotten after it."""
    monkeypatch.setattr(typeface, "_HOST_DEFAULT", [])


def reportlab_font(name: str) -> str:
    import reportlab

    return os.path.join(os.path.dirname(reportlab.__file__), "fonts", name)


@pytest.mark.usefixtures("host_font")
def test_a_registered_font_replaces_the_default() -> None:
    books, company_id, customer_id = billing()
    draft = books.create_draft(
        company_id,
        new_draft(
            {
                "customerId": customer_id,
                "lines": [{"description": "Smørrebrød", "quantity": "1", "unitPrice": "1.00"}],
            }
        ),
    )
    data = DocumentData(
        draft, books.get_company(company_id), books.get_customer(company_id, customer_id)
    )
    before = page_fonts(render_pdf(data))
    spec = fonts.register_font(reportlab_font("Vera.ttf"), reportlab_font("VeraBd.ttf"))
    assert fonts.default_font() == spec
    assert spec.family == "Bitstream Vera Sans"
    after = page_fonts(render_pdf(data))
    assert not set(before) & set(after)
    assert any("BitstreamVeraSans-Roman" in name for name in after), after
    assert any("BitstreamVeraSans-Bold" in name for name in after), after
    assert "Smørrebrød" in text_of(render_pdf(data, template_id="modern"))
    # Vera draws no Cyrillic: the check now says so, naming the registered family
    greek = books.create_draft(
        company_id,
        new_draft(
            {
                "customerId": customer_id,
                "lines": [{"description": "Жук", "quantity": "1", "unitPrice": "1.00"}],
            }
        ),
    )
    with pytest.raises(ValidationError, match="cannot be drawn by the font Bitstream Vera Sans"):
        books.book(company_id, greek.id)


@pytest.mark.usefixtures("host_font")
def test_register_font_refuses_what_is_no_font(tmp_path: Path) -> None:
    from faktura import RenderError

    bogus = tmp_path / "bogus.ttf"
    bogus.write_bytes(b"not a font")
    with pytest.raises(RenderError, match="not a usable TrueType font"):
        fonts.register_font(bogus)
    with pytest.raises(RenderError):
        fonts.register_font(tmp_path / "missing.ttf")
    assert fonts.default_font() != fonts.CORE or fonts.font_files() is None


@pytest.mark.usefixtures("host_font")
@pytest.mark.parametrize(
    ("argv", "env", "named"),
    [
        (["--font", "/nonexistent/Regular.ttf"], {}, "--font: no such font file"),
        ([], {"FAKTURA_FONT": "/nonexistent/Regular.ttf"}, "--font: no such font file"),
        (["--font-bold", reportlab_font("VeraBd.ttf")], {}, "--font-bold needs --font"),
        (
            ["--font", reportlab_font("Vera.ttf"), "--font-bold", "/nonexistent/Bold.ttf"],
            {},
            "--font-bold: no such font file",
        ),
        (["--font", __file__], {}, "is not a usable TrueType font"),
    ],
)
def test_serve_refuses_a_bad_font_in_one_line(
    argv: list[str],
    env: dict[str, str],
    named: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("uvicorn")
    from faktura.cli import main

    for key in ("FAKTURA_FONT", "FAKTURA_FONT_BOLD"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert main(["serve", "--store", "memory://", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("faktura serve: error: "), err
    assert named in err


@pytest.mark.usefixtures("host_font")
def test_serve_registers_the_font_before_anything_else(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("uvicorn")
    from faktura.cli import main

    monkeypatch.delenv("FAKTURA_FONT_BOLD", raising=False)
    monkeypatch.setenv("FAKTURA_FONT", reportlab_font("Vera.ttf"))
    # the store URL is refused after the font was taken (nothing is served)
    assert main(["serve", "--store", "nosuch://x"]) == 2
    assert "--store" in capsys.readouterr().err
    assert fonts.default_font().family == "Bitstream Vera Sans"
