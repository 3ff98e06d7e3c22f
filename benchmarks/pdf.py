"""How fast faktura renders a PDF invoice, against InvoiceGenerator, and whether it leaks.

One EUR invoice of ten product lines, booked through ``faktura.billing.Billing`` over a
``MemoryStore`` (as ``faktura demo`` does), from a company with an IBAN, so the layout
draws the EPC QR code. Four sections, all measured in the same process:

1. render      median wall time of ``render_pdf(DocumentData(invoice, company, customer))``
               (one A4 page, EPC QR code, the default font family embedded as a subset:
               Fira Sans from fontpkg-fira-sans, else the system's DejaVu Sans), and the
               size of that PDF; then the same company's invoices of 10 and 48 pages
               (every fifth description wraps), in ms a page
2. baseline    the same invoice rendered by InvoiceGenerator (PyPI ``InvoiceGenerator``,
               also on reportlab): ``SimpleInvoice(invoice).gen(buffer,
               generate_qr_code=True)`` with the same parties, dates and ten items. Its
               QR code is the Czech "QR Platba" (SPAYD) payment code, the only one it
               can draw: the same kind of work (a payment payload made into a QR code,
               written as PNG and placed on the page), not the same payload standard.
               Also shown, without a target: faktura writing with the PDF core fonts
               (Helvetica, not embedded, WinAnsi only), what the default was before.
3. draft stamp ``render_pdf(..., draft=True)`` minus ``render_pdf(...)`` (medians), and the
               pypdf post-processing step alone with and without the watermark
4. memory      RSS growth (VmRSS) over N renders of distinct invoices (every 10th a
               draft preview) after a warm-up of 50 renders; on failure (or with
               ``--trace-memory``) tracemalloc names the lines that kept the memory

Renders of sections 1-3 are interleaved (each round runs every method once, in a
rotating order) after a warm-up, with the garbage collector left on: it is part of
what a render costs. The table shows median, 10th and 90th percentile, renders per
second and the ratio against InvoiceGenerator measured in this run.

Targets (from the performance issue): a median render ≤ 20 ms; faktura ≥ 2× as fast as
InvoiceGenerator; ≤ 15 ms a page for a 48-page invoice (linear in pages); the draft stamp
adds ≤ 2 ms; ≤ 10 MB RSS growth over 5,000 renders.

Usage::

    .venv/bin/python benchmarks/pdf.py                 # 200 renders a method, 5,000 for memory
    .venv/bin/python benchmarks/pdf.py --quick         # 50 renders a method, 500 for memory
    .venv/bin/python benchmarks/pdf.py --check         # exit 1 when a target fails
    .venv/bin/python benchmarks/pdf.py --profile       # cProfile render_pdf (1 and 48 pages)

The baseline needs ``pip install InvoiceGenerator`` (without it the comparison is
reported as not measured, and fails under ``--check``).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import platform
import pstats
import resource
import statistics
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from pypdf import PdfReader

from faktura.billing import Billing
from faktura.commands import CompanyProfile, NewCustomer
from faktura.documents import l10n
from faktura.documents.pdf import DocumentData, render_pdf
from faktura.documents.qr import epc_payload, epc_qr
from faktura.exchange import FixedRates
from faktura.invoice import Invoice
from faktura.parties import Address, BankAccount, Company, Customer
from faktura.storage.memory import MemoryStore
from faktura.wire import new_draft
from report import print_rows, verdict, version

TARGET_RENDER_MS = 20.0
TARGET_VS_INVOICEGENERATOR = 2.0
TARGET_MS_PER_PAGE = 15.0  # at 48 pages
# pages -> product lines giving that many pages (checked on every run)
PAGES = {10: 270, 48: 1410}
TARGET_DRAFT_MS = 2.0
TARGET_GROWTH_MB = 10.0
MEMORY_WARMUP = 50
DRAFT_EVERY = 10  # in the memory run, every 10th render is a draft preview
LOCALE = "en"
INSTALL_BASELINE = ".venv/bin/pip install InvoiceGenerator"

# (description, quantity, UN/ECE unit, unit price): ten product lines, one A4 page.
LINES = (
    ("Architecture workshop", "6", "HUR", "1150.00"),
    ("Solution design review", "4", "HUR", "1150.00"),
    ("Backend development", "24", "HUR", "950.00"),
    ("Frontend development", "16", "HUR", "900.00"),
    ("Code review and QA", "8", "HUR", "850.00"),
    ("Project management", "5", "HUR", "1000.00"),
    ("Cloud hosting, November", "1", "MON", "420.00"),
    ("Monitoring licence", "3", "C62", "49.95"),
    ("On-site support", "2", "DAY", "6400.00"),
    ("Travel (Hamburg)", "1", "C62", "480.50"),
)

Row = tuple[str, str, str, str]


# -- the workload ------------------------------------------------------------------------


class Workload:
    """A EUR company with an IBAN, a customer and booked ten-line invoices."""

    def __init__(self) -> None:
        # a Danish seller's EUR invoice also states its VAT in DKK, at the host's rate
        rates = FixedRates({("EUR", "DKK"): Decimal("7.4604")})
        self.billing = Billing(MemoryStore(), exchange_rates=rates)
        self.company: Company = self.billing.create_company(
            CompanyProfile(
                name="Nordlys ApS",
                address=Address("Vesterbrogade 1", "København V", "1620", "DK"),
                cvr="13585628",
                vat_id="DK13585628",
                currency="EUR",
                locale=LOCALE,
                bank=BankAccount(iban="DK5000400440116243", bic="DABADKKK"),
                email="billing@nordlys.example",
            ),
        )
        self.customer: Customer = self.billing.create_customer(
            self.company.id,
            NewCustomer(
                name="Fjord Consulting GmbH",
                number="1001",
                address=Address("Hafenstraße 12", "Hamburg", "20457", "DE"),
                email="ap@fjord.example",
                language=LOCALE,
            ),
        )
        self.invoice = self.book(LINES)

    def book(self, lines: Sequence[Row]) -> Invoice:
        body = {
            "customerId": self.customer.id,
            "lines": [
                {"description": text, "quantity": qty, "unit": unit, "unitPrice": price}
                for text, qty, unit, price in lines
            ],
        }
        draft = self.billing.create_draft(self.company.id, new_draft(body))
        return self.billing.book(self.company.id, draft.id)

    def variants(self, count: int) -> list[Invoice]:
        """``count`` more booked invoices, each with other quantities and prices (and so
        another total, number and QR code)."""
        invoices = []
        for n in range(count):
            lines = [
                (text, str(int(qty) + (n + i) % 5), unit, str(Decimal(price) + n % 97))
                for i, (text, qty, unit, price) in enumerate(LINES)
            ]
            invoices.append(self.book(lines))
        return invoices

    def long(self, count: int) -> Invoice:
        """A booked invoice of ``count`` product lines: the ten lines over and over, with
        other quantities, every fifth with a description that wraps."""
        lines = []
        for n in range(count):
            text, qty, unit, price = LINES[n % len(LINES)]
            if n % 5 == 4:
                text = f"{text}: as agreed in the statement of work, change request {n + 1}"
            else:
                text = f"{text} ({n + 1})"
            lines.append((text, str(int(qty) + n % 4), unit, price))
        return self.book(lines)

    def data(self, invoice: Invoice | None = None) -> DocumentData:
        return DocumentData(invoice or self.invoice, self.company, self.customer)


# -- InvoiceGenerator (the baseline) -----------------------------------------------------


class Baseline:
    """The same invoice as an InvoiceGenerator ``Invoice``, rendered by ``SimpleInvoice``."""

    def __init__(self, work: Workload) -> None:
        # Its labels are gettext'ed by INVOICE_LANG, read when its modules are imported.
        os.environ["INVOICE_LANG"] = LOCALE
        warnings.filterwarnings(
            "ignore", message="currency attribute is deprecated", category=DeprecationWarning
        )
        from InvoiceGenerator import api
        from InvoiceGenerator.pdf import SimpleInvoice

        self.simple_invoice = SimpleInvoice
        self.api = api
        company, customer, invoice = work.company, work.customer, work.invoice
        provider = api.Provider(
            company.name,
            address=company.address.street or "",
            city=company.address.city or "",
            zip_code=company.address.postal_code or "",
            country=l10n.country_name(company.address.country, LOCALE),
            email=company.email or "",
            bank_account=company.bank.iban if company.bank else "",
            vat_id=company.vat_id or "",
            ir=company.cvr or "",
        )
        client = api.Client(
            customer.name,
            address=customer.address.street or "",
            city=customer.address.city or "",
            zip_code=customer.address.postal_code or "",
            country=l10n.country_name(customer.address.country, LOCALE),
            email=customer.email or "",
        )
        self.invoice = api.Invoice(client, provider, api.Creator(company.name))
        self.invoice.title = l10n.labels(LOCALE).title(invoice.kind)
        self.invoice.number = invoice.number
        self.invoice.date = invoice.issue_date
        self.invoice.payback = invoice.due_date
        self.invoice.iban = company.bank.iban if company.bank else None
        self.invoice.swift = company.bank.bic if company.bank else None
        self.invoice.use_tax = True
        self.invoice.currency = invoice.currency  # deprecated, but what it formats with
        self.invoice.currency_locale = LOCALE
        for text, quantity, unit, price in LINES:
            self.invoice.add_item(
                api.Item(
                    Decimal(quantity),
                    Decimal(price),
                    description=text,
                    unit=l10n.unit_name(unit, LOCALE),
                    tax=company.standard_vat_rate,
                )
            )

    def render(self) -> bytes:
        buffer = io.BytesIO()
        self.simple_invoice(self.invoice).gen(buffer, generate_qr_code=True)
        return buffer.getvalue()

    def qr_payload(self) -> str:
        payload: str = self.api.QrCodeBuilder(self.invoice).qr.get_text()
        return payload


def load_baseline(work: Workload) -> Baseline | None:
    try:
        return Baseline(work)
    except ImportError:
        return None


# -- measuring ---------------------------------------------------------------------------


def interleaved(
    runs: dict[str, Callable[[], object]], rounds: int, warmup: int
) -> dict[str, list[float]]:
    """Each run's wall times (seconds) over ``rounds`` rounds; every round runs every
    method once, starting one further along each time, after ``warmup`` untimed rounds."""
    names = list(runs)
    for _ in range(warmup):
        for name in names:
            runs[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for index in range(rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            run = runs[name]
            start = time.perf_counter()
            run()
            samples[name].append(time.perf_counter() - start)
    return samples


def median_ms(samples: Sequence[float]) -> float:
    return statistics.median(samples) * 1000


def deciles_ms(samples: Sequence[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=10)
    return cuts[0] * 1000, cuts[-1] * 1000


def rss_mb() -> float:
    """The resident set size now (VmRSS), in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def peak_rss_mb() -> float:
    """The peak resident set size so far (ru_maxrss, KiB on Linux), in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def verify(pdf: bytes, who: str, texts: Sequence[str]) -> None:
    """Stop loudly unless ``pdf`` is one page with one image (the QR code) and all
    ``texts`` (every line's description and the total) on it."""
    reader = PdfReader(io.BytesIO(pdf))
    if len(reader.pages) != 1:
        raise AssertionError(f"{who}: {len(reader.pages)} pages, expected 1")
    images = len(reader.pages[0].images)
    if images != 1:
        raise AssertionError(f"{who}: {images} images on the page, expected 1 (the QR code)")
    text = reader.pages[0].extract_text()
    missing = [t for t in texts if t not in text]
    if missing:
        raise AssertionError(f"{who}: {missing} not on the page")


def qr_version(payload: str) -> str:
    import qrcode

    code = qrcode.QRCode()  # what InvoiceGenerator's qrcode.make() does: level M, fitted
    code.add_data(payload)
    code.make(fit=True)
    return str(code.version)


# -- sections ----------------------------------------------------------------------------


def bench_render(
    work: Workload, baseline: Baseline | None, rounds: int, warmup: int
) -> tuple[bool, dict[str, list[float]]]:
    """Sections 1-3 in one interleaved run; True when their targets pass."""
    totals = work.invoice.totals
    amount = l10n.format_money(totals.amount, work.invoice.currency, LOCALE)
    texts = [line[0] for line in LINES] + [amount]
    plain = render_pdf(work.data())
    verify(plain, "faktura", texts)
    verify(render_pdf(work.data(), draft=True), "faktura draft", texts)

    runs: dict[str, Callable[[], object]] = {
        "faktura": lambda: render_pdf(work.data()),
        "faktura draft=True": lambda: render_pdf(work.data(), draft=True),
    }
    sizes = {"faktura": len(plain), "faktura draft=True": len(render_pdf(work.data(), draft=True))}
    if baseline is not None:
        theirs = baseline.render()
        verify(theirs, "InvoiceGenerator", texts)
        runs["InvoiceGenerator"] = baseline.render
        sizes["InvoiceGenerator"] = len(theirs)
    core = core_template()
    runs["faktura, core fonts"] = lambda: render_pdf(work.data(), template_id=core)
    sizes["faktura, core fonts"] = len(render_pdf(work.data(), template_id=core))

    bank = work.company.bank
    assert bank is not None
    assert bank.iban is not None
    payload = epc_payload(  # what the layout puts in the QR code
        name=work.company.name[:70],
        iban=bank.iban,
        bic=bank.bic,
        amount=totals.payable,
        text=f"{l10n.labels(LOCALE).title(work.invoice.kind)} {work.invoice.number}",
    )
    print(
        f"1.-2. render: one A4 page, {len(LINES)} product lines, EUR, {amount} incl. VAT; "
        f"{rounds} renders a method after {warmup} warm-up rounds, interleaved"
    )
    print(
        f"   QR code: faktura EPC069-12 ({len(payload.encode())} bytes, version "
        f"{epc_qr(payload).version}, segno)",
        end="",
    )
    if baseline is not None:
        spayd = baseline.qr_payload()
        print(
            f"; InvoiceGenerator QR Platba/SPAYD ({len(spayd.encode())} bytes, version "
            f"{qr_version(spayd)}, qrcode + Pillow via a temporary PNG file)"
        )
    else:
        print()
    print()

    samples = interleaved(runs, rounds, warmup)
    medians = {name: median_ms(times) for name, times in samples.items()}
    theirs_ms = medians.get("InvoiceGenerator")
    rows = []
    for name, times in samples.items():
        p10, p90 = deciles_ms(times)
        ratio = f"{theirs_ms / medians[name]:.2f}x" if theirs_ms else "-"
        rows.append(
            [
                name,
                f"{medians[name]:.2f}",
                f"{p10:.2f}",
                f"{p90:.2f}",
                f"{1000 / medians[name]:.0f}",
                ratio,
                f"{sizes[name]:,}",
            ]
        )
    print_rows(
        ["method", "median ms", "p10 ms", "p90 ms", "renders/s", "vs InvoiceGen.", "PDF bytes"],
        rows,
        [22, 10, 8, 8, 10, 15, 10],
    )
    if theirs_ms:
        print("(vs InvoiceGen.: InvoiceGenerator's median / this median; 2x = twice as fast)")
    print()
    ok = verdict(
        medians["faktura"] <= TARGET_RENDER_MS,
        f"faktura median render: {medians['faktura']:.2f} ms (target <= {TARGET_RENDER_MS} ms)",
    )
    if theirs_ms is None:
        print(f"FAIL  faktura vs InvoiceGenerator: not measured; install it: {INSTALL_BASELINE}")
        ok = False
    else:
        ratio = theirs_ms / medians["faktura"]
        ok &= verdict(
            ratio >= TARGET_VS_INVOICEGENERATOR,
            f"faktura vs InvoiceGenerator: {ratio:.2f}x as fast "
            f"(target >= {TARGET_VS_INVOICEGENERATOR}x)",
        )
    print()
    one_page = (medians["faktura"], sizes["faktura"])
    ok &= bench_pages(work, one_page, max(5, rounds // 10), min(warmup, 2))
    ok &= bench_draft(work, medians, rounds, warmup)
    return ok, samples


def verify_pages(pdf: bytes, pages: int, invoice: Invoice) -> None:
    """Stop loudly unless ``pdf`` has ``pages`` pages with every line's description and
    the total on them."""
    reader = PdfReader(io.BytesIO(pdf))
    if len(reader.pages) != pages:
        raise AssertionError(f"{len(reader.pages)} pages, expected {pages}")
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    amount = l10n.format_money(invoice.totals.amount, invoice.currency, LOCALE)
    missing = [t for t in [line.description for line in invoice.lines] + [amount] if t not in text]
    if missing:
        raise AssertionError(f"{len(missing)} texts not on the pages, e.g. {missing[:3]}")


def bench_pages(work: Workload, one_page: tuple[float, int], rounds: int, warmup: int) -> bool:
    """Section 1b: invoices of 10 and 48 pages, in ms a page against the one-page
    invoice of section 1 (its median ms and PDF bytes); True when the 48-page invoice
    meets its target."""
    one_page_ms, one_page_bytes = one_page
    invoices = {pages: work.long(lines) for pages, lines in PAGES.items()}
    sizes = {}
    for pages, invoice in invoices.items():
        pdf = render_pdf(work.data(invoice))
        verify_pages(pdf, pages, invoice)
        sizes[pages] = len(pdf)

    def render(invoice: Invoice) -> Callable[[], object]:
        return lambda: render_pdf(work.data(invoice))

    runs = {f"{pages} pages": render(invoice) for pages, invoice in invoices.items()}
    print(
        f"1b. pages: the same company's invoices of {', '.join(map(str, PAGES.values()))} "
        f"product lines (every fifth description wraps); {rounds} renders "
        f"each after {warmup} warm-up rounds, interleaved"
    )
    print()
    samples = interleaved(runs, rounds, warmup)
    rows = [["faktura, 1 page", "1", f"{len(LINES)}", f"{one_page_ms:.2f}", "-", "-"]]
    rows[0] += [f"{one_page_ms:.2f}", "1.00x", f"{one_page_bytes:,}"]
    per_page = {}
    for pages, invoice in invoices.items():
        times = samples[f"{pages} pages"]
        median = median_ms(times)
        p10, p90 = deciles_ms(times)
        per_page[pages] = median / pages
        rows.append(
            [
                f"faktura, {pages} pages",
                f"{pages}",
                f"{len(invoice.lines)}",
                f"{median:.2f}",
                f"{p10:.2f}",
                f"{p90:.2f}",
                f"{per_page[pages]:.2f}",
                f"{one_page_ms / per_page[pages]:.2f}x",
                f"{sizes[pages]:,}",
            ]
        )
    header = ["method", "pages", "lines", "median ms", "p10 ms", "p90 ms", "ms/page"]
    print_rows(
        [*header, "vs 1 page", "PDF bytes"],
        rows,
        [22, 5, 5, 10, 8, 8, 8, 9, 11],
    )
    print("(vs 1 page: the one-page median / this ms a page; 1x or more = linear in pages)")
    print()
    passed = verdict(
        per_page[48] <= TARGET_MS_PER_PAGE,
        f"48-page invoice: {per_page[48]:.2f} ms a page (target <= {TARGET_MS_PER_PAGE} ms a page)",
    )
    print()
    return passed


def core_template() -> str:
    """The default layout writing with the PDF core fonts (not embedded)."""
    from faktura.documents.fonts import CORE
    from faktura.documents.layout import CLASSIC
    from faktura.documents.pdf import register_template

    register_template(CLASSIC.with_font(CORE, "bench-core"))
    return "bench-core"


def bench_draft(work: Workload, medians: dict[str, float], rounds: int, warmup: int) -> bool:
    """Section 3: what the draft watermark adds, in the whole render and in the pypdf
    post-processing step alone (faktura.documents.pdf._post_process, private)."""
    from faktura.documents import pdf as pdf_module

    data = work.data()
    layout_pdf = pdf_module.template("default").render(data)
    words = l10n.labels(data.language)
    fields: dict[str, Any] = {
        "title": f"{words.title(data.invoice.kind)} {data.invoice.number}",
        "author": data.company.name,
        "subject": words.title(data.invoice.kind),
        "created": pdf_module._document_time(data.invoice),
        "attachments": {},
    }
    steps = interleaved(
        {
            "without": lambda: pdf_module._post_process(layout_pdf, watermark=None, **fields),
            "with": lambda: pdf_module._post_process(layout_pdf, watermark=words.draft, **fields),
        },
        rounds,
        warmup,
    )
    step_plain, step_draft = median_ms(steps["without"]), median_ms(steps["with"])
    plain, draft = medians["faktura"], medians["faktura draft=True"]
    print(f"3. draft stamp ({words.draft!r} watermark, pypdf merge_page), medians of {rounds}")
    print()
    print_rows(
        ["measured", "plain ms", "draft ms", "added ms"],
        [
            ["render_pdf (whole render)", f"{plain:.2f}", f"{draft:.2f}", f"{draft - plain:+.2f}"],
            [
                "pypdf post-processing only",
                f"{step_plain:.2f}",
                f"{step_draft:.2f}",
                f"{step_draft - step_plain:+.2f}",
            ],
        ],
        [28, 9, 9, 9],
    )
    print()
    return verdict(
        draft - plain <= TARGET_DRAFT_MS,
        f"draft stamp adds {draft - plain:.2f} ms to a render (target <= {TARGET_DRAFT_MS} ms)",
    )


def bench_memory(work: Workload, renders: int, trace: bool) -> bool:
    """Section 4: RSS growth over ``renders`` renders of distinct invoices."""
    started = time.perf_counter()
    invoices = work.variants(MEMORY_WARMUP + renders)
    built = time.perf_counter() - started
    warm, measured = invoices[:MEMORY_WARMUP], invoices[MEMORY_WARMUP:]

    def render(index: int, invoice: Invoice) -> None:
        render_pdf(work.data(invoice), draft=index % DRAFT_EVERY == DRAFT_EVERY - 1)

    for index, invoice in enumerate(warm):
        render(index, invoice)
    gc.collect()
    before, peak_before = rss_mb(), peak_rss_mb()
    checkpoints = {max(1, renders * step // 10) for step in range(1, 11)}
    rows = []
    started = time.perf_counter()
    for index, invoice in enumerate(measured, 1):
        render(index, invoice)
        if index in checkpoints:
            now = rss_mb()
            rows.append([f"{index:,}", f"{now:.1f}", f"{now - before:+.2f}"])
    elapsed = time.perf_counter() - started
    gc.collect()
    after, peak_after = rss_mb(), peak_rss_mb()
    growth = after - before
    print(
        f"4. memory: {renders:,} renders of distinct invoices (every {DRAFT_EVERY}th a draft) "
        f"after {MEMORY_WARMUP} warm-up renders; {elapsed / renders * 1000:.2f} ms a render; "
        f"invoices booked beforehand in {built:.1f} s"
    )
    print()
    print_rows(["renders", "VmRSS MiB", "growth MiB"], rows, [10, 10, 11])
    print()
    print(
        f"VmRSS {before:.1f} -> {after:.1f} MiB after gc.collect(); "
        f"peak (ru_maxrss) {peak_before:.1f} -> {peak_after:.1f} MiB "
        f"({peak_after - peak_before:+.2f})"
    )
    passed = verdict(
        growth <= TARGET_GROWTH_MB,
        f"RSS growth over {renders:,} renders: {growth:+.2f} MiB (target <= {TARGET_GROWTH_MB} MB)",
    )
    if trace or not passed:
        print()
        trace_growth(render, invoices)
    return passed


def trace_growth(render: Callable[[int, Invoice], None], invoices: Sequence[Invoice]) -> None:
    """What the renders keep: tracemalloc's growth by line, and the biggest by traceback."""
    sample = min(len(invoices), 300)
    warm = min(sample // 5, 20)
    tracemalloc.start(25)
    try:
        for index, invoice in enumerate(invoices[:warm]):
            render(index, invoice)
        gc.collect()
        before = tracemalloc.take_snapshot()
        for index, invoice in enumerate(invoices[warm:sample], warm):
            render(index, invoice)
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    ignore = [
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap*>"),
        tracemalloc.Filter(False, "<unknown>"),
    ]
    before, after = before.filter_traces(ignore), after.filter_traces(ignore)
    by_line = [s for s in after.compare_to(before, "lineno") if s.size_diff > 0]
    total = sum(s.size_diff for s in by_line)
    print(
        f"tracemalloc over {sample - warm} more renders: {total / 1024:+.1f} KiB kept by Python "
        "objects (memory kept by C code, e.g. zlib or Pillow buffers, is not seen here)"
    )
    for stat in by_line[:10]:
        frame = stat.traceback[0]
        print(
            f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks  "
            f"{frame.filename}:{frame.lineno}"
        )
    print("biggest by traceback (most recent call last):")
    for stat in [s for s in after.compare_to(before, "traceback") if s.size_diff > 0][:3]:
        print(f"  {stat.size_diff / 1024:+.1f} KiB in {stat.count_diff:+d} blocks")
        for line in stat.traceback.format(limit=8):
            print(f"    {line}")


def profile_render(
    work: Workload, renders: int = 50, top: int = 25, invoice: Invoice | None = None
) -> None:
    """Where render_pdf's time goes: cProfile over ``renders`` renders (of the one-page
    invoice, or ``invoice``)."""
    data = work.data(invoice)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(renders):
        render_pdf(data)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    what = f"{len(data.invoice.lines)}-line invoice"
    out.write(f"cProfile of {renders} render_pdf calls ({what}), by cumulative time:\n")
    stats.sort_stats("cumulative").print_stats(top)
    out.write("... by own time:\n")
    stats.sort_stats("tottime").print_stats(15)
    print(out.getvalue())


# -- machine -----------------------------------------------------------------------------


def machine_info() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    from reportlab.lib import rl_accel

    accel = "no (pure-Python fallbacks)" if rl_accel.fp_str.__name__.startswith("_py") else "yes"
    versions = ", ".join(
        f"{name} {version(name)}"
        for name in ("reportlab", "pypdf", "segno", "InvoiceGenerator", "qrcode", "pillow")
    )
    return (
        f"CPU {cpu}, {os.cpu_count()} cores ({usable} usable); Python "
        f"{platform.python_version()} ({platform.python_implementation()}) on "
        f"{platform.system()} {platform.release()}\n{versions}; reportlab C accelerator "
        f"(rl_accel): {accel}; {date.today()}"
    )


# -- main --------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 renders, 500 for memory")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target fails")
    parser.add_argument("--profile", action="store_true", help="cProfile render_pdf")
    parser.add_argument("--renders", type=int, help="timed renders a method (default 200)")
    parser.add_argument(
        "--memory-renders", type=int, help="renders of the memory run (default 5000)"
    )
    parser.add_argument(
        "--trace-memory", action="store_true", help="tracemalloc the memory run even on PASS"
    )
    args = parser.parse_args(argv)
    rounds = args.renders or (50 if args.quick else 200)
    warmup = 5 if args.quick else 20
    memory_renders = args.memory_renders or (500 if args.quick else 5000)

    print(machine_info())
    from faktura.documents.fonts import default_font

    print(f"default PDF font: {default_font().family} (embedded subset)")
    print()
    work = Workload()
    baseline = load_baseline(work)
    if baseline is None:
        print(f"InvoiceGenerator is not installed: {INSTALL_BASELINE}")
        print()
    ok, samples = bench_render(work, baseline, rounds, warmup)
    print()
    ok &= bench_memory(work, memory_renders, args.trace_memory)
    if args.profile or median_ms(samples["faktura"]) > TARGET_RENDER_MS:
        print()
        profile_render(work)
    if args.profile:
        print()
        profile_render(work, renders=3, invoice=work.long(PAGES[48]))
    print()
    print("all targets PASS" if ok else "some targets FAIL")
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
