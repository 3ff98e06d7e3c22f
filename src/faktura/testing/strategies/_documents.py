"""What a document refers to and carries besides its lines: its references (order,
contract ...), its deliver-to and its supporting documents."""

from __future__ import annotations

import hashlib

from hypothesis import strategies as st

from faktura.attachments import SupportingDocument
from faktura.deliver_to import DeliverTo
from faktura.references import DocumentReferences

from ._draw import ints, pick, strategy_of
from ._identifiers import gln
from ._nations import NATIONS, SELLER_COUNTRIES
from ._parties import draw_address

_REFERENCE = st.none() | st.sampled_from(
    ("PO-4711", "SO 2026/17", "K-2026-03", "Havnebad Syd", "4025:123:4343", "ÆØÅ 7 – ü")
)


_SUPPORTING_FILES = (
    ("text/csv", "timer.csv", b"dato;timer\n2026-11-02;7,5\n"),
    ("image/png", "foto.png", b"\x89PNG\r\n\x1a\n" + bytes(range(32))),
    ("application/pdf", "ordre.pdf", b"%PDF-1.4\n% ordre\n%%EOF\n"),
)
#: The bytes of the embedded supporting documents ``supporting_documents`` draws, by
#: sha256: a test that stores a drawn document archives them (``Billing`` reads them).
SUPPORTING_CONTENT = {
    hashlib.sha256(content).hexdigest(): content for *_, content in _SUPPORTING_FILES
}


def draw_supporting_documents(draw: st.DrawFn) -> tuple[SupportingDocument, ...]:
    """``supporting_documents``, drawn."""
    kept: list[SupportingDocument] = []
    for index in range(draw(ints(1, 3))):
        shape = draw(ints(0, 2))  # embedded content, a URI, the reference only
        mime, name, content = draw(st.sampled_from(_SUPPORTING_FILES))
        kept.append(
            SupportingDocument(
                id=f"{draw(st.sampled_from(('TS-2026-11', 'Bilag', 'Tegning ø')))} {index + 1}",
                description=draw(st.none() | st.sampled_from(("Timesheet", "Foto – før"))),
                mime_code=mime if shape == 0 else None,
                filename=f"{index + 1}-{name}" if shape == 0 else None,
                uri="https://example.com/bilag/7" if shape == 1 else None,
                sha256=hashlib.sha256(content).hexdigest() if shape == 0 else None,
                size=len(content) if shape == 0 else None,
            )
        )
    return tuple(kept)


def supporting_documents() -> st.SearchStrategy[tuple[SupportingDocument, ...]]:
    """One to three supporting documents kept with a document (BG-24): embedded (a MIME
    code, a file name and the digest of bytes of ``SUPPORTING_CONTENT``), by URI, or by
    reference only; ids and file names of their own."""
    return strategy_of(draw_supporting_documents)


def document_references() -> st.SearchStrategy[DocumentReferences]:
    """Order, sales order, contract, project and buyer accounting references (BT-13,
    BT-14, BT-12, BT-11, BT-19), each present or not."""
    return st.builds(
        DocumentReferences,
        order=_REFERENCE,
        sales_order=_REFERENCE,
        contract=_REFERENCE,
        project=_REFERENCE,
        buyer_accounting=_REFERENCE,
    )


def draw_deliver_to(draw: st.DrawFn) -> DeliverTo:
    """``deliver_tos``, drawn."""
    name = draw(st.none() | st.sampled_from(("Havnebadet", "Lager 2", "Skole Øst – fløj B")))
    location_id = scheme = None
    shape = draw(ints(0, 2))  # none, a GLN under 0088, an identifier without scheme
    if shape == 1:
        location_id, scheme = draw(gln("57")), "0088"
    elif shape == 2:
        location_id = draw(st.sampled_from(("LAGER-7", "Byggeplads 12")))
    address = None
    if (name is None and location_id is None) or draw(st.booleans()):
        nation = NATIONS[draw(pick(SELLER_COUNTRIES))]
        address = draw_address(draw, nation, 80)
    return DeliverTo(name, location_id, scheme, address)


def deliver_tos() -> st.SearchStrategy[DeliverTo]:
    """A document's deliver-to (BG-13): a name, a location (a GLN under scheme 0088 or
    an identifier without scheme) and an address, each present or not, at least one."""
    return strategy_of(draw_deliver_to)
