"""The localized subject and body of an invoice email, in every language of
faktura's catalog (``faktura.locales``: da, de, en, nb, sv), whose ``[email]`` table holds
the phrases.

Pure text: the figures come from ``faktura.documents.l10n`` (``format_money``,
``format_date`` and the document labels), so an email says exactly what its PDF says.
A language faktura has no texts for falls back to English, as documents do.

>>> from datetime import date
>>> from decimal import Decimal
>>> from faktura.status import DocumentKind
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

import functools
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

import attrs

from faktura import locales
from faktura.documents import l10n
from faktura.errors import ConfigurationError
from faktura.status import DocumentKind

__all__ = ["EmailText", "email_text"]


@attrs.frozen
class EmailText:
    """The subject and plain-text body of one email."""

    subject: str
    body: str


@attrs.frozen
class _Phrases:
    # The catalog's [email] table (faktura.locales). {document} is the document in
    # running text ("faktura 2026-0042"), {company} the seller; the subject's document
    # word is the label's title ("Faktura").
    subject: str  # {title} {number} {company}
    greeting: str  # {name}
    intro: str  # {document} {company}
    closing: str
    invoice: str  # the word in running text
    credit_note: str


def _phrases_of(table: Mapping[str, object], language: str) -> _Phrases:
    fields = attrs.fields_dict(_Phrases)
    if table.keys() != fields.keys() or not all(isinstance(v, str) for v in table.values()):
        raise ConfigurationError(
            f"faktura's {language} email texts must be exactly the texts {sorted(fields)}"
        )
    return _Phrases(**table)  # type: ignore[arg-type]


@functools.cache
def _phrases(language: str) -> _Phrases:
    return _phrases_of(locales.catalog(language).get("email", {}), language)


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
    phrases = _phrases(language.split("_")[0])
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
