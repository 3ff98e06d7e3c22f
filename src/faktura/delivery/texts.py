"""The localized subject and body of an invoice email, in da, en, de, sv and nb.

Pure text: the figures come from ``faktura.documents.l10n`` (``format_money``,
``format_date`` and the document labels), so an email says exactly what its PDF says.
A language faktura has no texts for falls back to English, as documents do.

>>> from datetime import date
>>> from decimal import Decimal
>>> from faktura.invoice import DocumentKind
>>> mail = email_text(
...     "da", DocumentKind.INVOICE, "2026-0042", "Fjord ApS", "Købmand Jensen",
...     Decimal("1250.00"), "DKK", date(2026, 12, 3),
... )
>>> mail.subject
'Faktura 2026-0042 fra Fjord ApS'

The amount and the date are babel's formatting for the language (CLDR's punctuation, so
left out here: ``format_money`` and ``format_date`` of ``faktura.documents.l10n``):

>>> print(mail.body)  # doctest: +ELLIPSIS
Kære Købmand Jensen
<BLANKLINE>
Vedhæftet finder du faktura 2026-0042 fra Fjord ApS.
<BLANKLINE>
At betale: ...
Forfaldsdato: ...
Angiv venligst fakturanummer 2026-0042 ved betaling
<BLANKLINE>
Med venlig hilsen
Fjord ApS
<BLANKLINE>
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import attrs

from faktura.documents import l10n
from faktura.invoice import DocumentKind

__all__ = ["EmailText", "email_text"]


@attrs.frozen
class EmailText:
    """The subject and plain-text body of one email."""

    subject: str
    body: str


@attrs.frozen
class _Phrases:
    # {document} is the document in running text ("faktura 2026-0042"), {company} the
    # seller; the subject's document word is the label's title ("Faktura").
    subject: str  # {title} {number} {company}
    greeting: str  # {name}
    intro: str  # {document} {company}
    closing: str
    invoice: str  # the word in running text
    credit_note: str


_PHRASES = {
    "da": _Phrases(
        subject="{title} {number} fra {company}",
        greeting="Kære {name}",
        intro="Vedhæftet finder du {document} fra {company}.",
        closing="Med venlig hilsen",
        invoice="faktura",
        credit_note="kreditnota",
    ),
    "en": _Phrases(
        subject="{title} {number} from {company}",
        greeting="Dear {name},",
        intro="Please find attached {document} from {company}.",
        closing="Kind regards",
        invoice="invoice",
        credit_note="credit note",
    ),
    "de": _Phrases(
        subject="{title} {number} von {company}",
        greeting="Guten Tag {name},",
        intro="anbei erhalten Sie {document} von {company}.",
        closing="Mit freundlichen Grüßen",
        invoice="die Rechnung",
        credit_note="die Rechnungskorrektur",
    ),
    "sv": _Phrases(
        subject="{title} {number} från {company}",
        greeting="Hej {name},",
        intro="Bifogat finner du {document} från {company}.",
        closing="Med vänliga hälsningar",
        invoice="faktura",
        credit_note="kreditfaktura",
    ),
    "nb": _Phrases(
        subject="{title} {number} fra {company}",
        greeting="Hei {name},",
        intro="Vedlagt finner du {document} fra {company}.",
        closing="Med vennlig hilsen",
        invoice="faktura",
        credit_note="kreditnota",
    ),
}


def email_text(
    locale: str,
    kind: DocumentKind,
    number: str,
    company: str,
    recipient: str,
    amount: Decimal,
    currency: str,
    due_date: date,
    payment: Sequence[str] = (),
) -> EmailText:
    """The subject and body of the email carrying document ``number`` of ``company`` to
    ``recipient``, in ``locale``'s language (English for one faktura does not write).

    An invoice's body names the amount due, the due date, where to pay (``payment``: the
    lines of ``faktura.documents.payment.payment_lines``, as its PDF shows them) and the
    payment reference; a credit note's names the amount credited only (it has nothing to
    pay by a date).
    Raises ValidationError for an unknown currency or locale.
    """
    language = l10n.document_locale(locale, l10n.FALLBACK)
    words = l10n.labels(language)
    phrases = _PHRASES.get(language.split("_")[0], _PHRASES[l10n.FALLBACK])
    invoice = kind is DocumentKind.INVOICE
    word = phrases.invoice if invoice else phrases.credit_note
    subject = phrases.subject.format(title=words.title(kind), number=number, company=company)
    money = l10n.format_money(amount, currency, language)
    lines = [
        phrases.greeting.format(name=recipient),
        "",
        phrases.intro.format(document=f"{word} {number}", company=company),
        "",
    ]
    if invoice:
        lines += [
            f"{words.payable}: {money}",
            f"{words.due_date}: {l10n.format_date(due_date, language)}",
            *payment,
            words.payment_instruction.format(number=number),
        ]
    else:
        lines.append(f"{words.credited}: {money}")
    lines += ["", phrases.closing, company, ""]
    return EmailText(subject, "\n".join(lines))
