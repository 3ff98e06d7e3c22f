"""The localized subject and body of an invoice email and of a reminder email, in every
language of faktura's catalog (``faktura.locales``: da, de, en, nb, sv), whose ``[email]``
and ``[reminder_email]`` tables hold the phrases (a reminder's greeting and closing are
the ``[email]`` table's).

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
from typing import TypeVar

import attrs

from faktura import locales
from faktura.documents import l10n
from faktura.dunning import Reminder
from faktura.errors import ConfigurationError
from faktura.status import DocumentKind

__all__ = ["EmailText", "email_text", "reminder_email_text", "reminder_title"]

_T = TypeVar("_T")


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


@attrs.frozen
class _ReminderPhrases:
    # The catalog's [reminder_email] table (faktura.locales).
    title: str  # the reminder's name: subject, file name
    subject_one: str  # {title} {level} {invoice} {company}
    subject_many: str  # {title} {level} {count}
    intro_one: str  # {invoice} {due_date}
    intro_many: str  # {count}
    item: str  # {invoice} {due_date} {amount}
    attached: str  # {number}
    outstanding: str
    fee: str
    interest: str
    compensation: str
    to_pay: str
    pay_by: str
    reference: str  # {reference}
    already_paid: str


def _phrases_of(table: Mapping[str, object], language: str) -> _Phrases:
    return _table_of(_Phrases, table, language, "email")


def _reminder_phrases_of(table: Mapping[str, object], language: str) -> _ReminderPhrases:
    return _table_of(_ReminderPhrases, table, language, "reminder email")


def _table_of(kind: type[_T], table: Mapping[str, object], language: str, what: str) -> _T:
    fields = attrs.fields_dict(kind)  # type: ignore[arg-type]
    if table.keys() != fields.keys() or not all(isinstance(v, str) for v in table.values()):
        raise ConfigurationError(
            f"faktura's {language} {what} texts must be exactly the texts {sorted(fields)}"
        )
    return kind(**table)


@functools.cache
def _phrases(language: str) -> _Phrases:
    return _phrases_of(locales.catalog(language).get("email", {}), language)


@functools.cache
def _reminder_phrases(language: str) -> _ReminderPhrases:
    return _reminder_phrases_of(locales.catalog(language).get("reminder_email", {}), language)


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


def reminder_title(locale: str) -> str:
    """The reminder's name in ``locale``'s language ("Rykker", "Reminder"), English for a
    language faktura does not write."""
    language = l10n.document_locale(locale, l10n.FALLBACK)
    return _reminder_phrases(language.split("_")[0]).title


def reminder_email_text(
    locale: str,
    reminder: Reminder,
    company: str,
    recipient: str,
    pay_by: date,
    payment: Sequence[str] = (),
) -> EmailText:
    """The subject and body of the email carrying ``reminder`` of ``company`` to
    ``recipient``, in ``locale``'s language (English for one faktura does not write).

    The subject names the reminder's level and its invoice (or how many invoices it
    lists); the body lists the overdue invoices with their due dates and what is still
    owed on each (one invoice: in a sentence), what the reminder charges (fee, interest,
    compensation: each only when above 0), the total to pay (``reminder.to_pay``), the
    day to pay by, where to pay (``payment``: lines as the sender writes them) and the
    reminder's number as the payment reference.

    >>> from datetime import UTC, date, datetime
    >>> from decimal import Decimal
    >>> from faktura.dunning import Reminder, ReminderItem
    >>> item = ReminderItem("i1", "1001", date(2026, 11, 1), date(2026, 11, 9),
    ...                     Decimal("1250.00"), Decimal("1250.00"), 1)
    >>> reminder = Reminder("r1", "co", "cu", "R-2026-0001", date(2026, 12, 1), "DKK", 1,
    ...                     (item,), datetime(2026, 12, 1, tzinfo=UTC), fee=Decimal(100))
    >>> mail = reminder_email_text("da", reminder, "Nordlys ApS", "Købmand Jensen",
    ...                            date(2026, 12, 11))
    >>> mail.subject
    'Rykker 1 for faktura 1001 – Nordlys ApS'
    >>> print(mail.body)  # doctest: +ELLIPSIS
    Kære Købmand Jensen
    <BLANKLINE>
    Vi har endnu ikke modtaget betaling for faktura 1001, som forfaldt den ...
    Vedhæftet finder du rykker R-2026-0001.
    <BLANKLINE>
    Skyldigt på fakturaer: ...
    Rykkergebyr: ...
    At betale i alt: ...
    Betales senest: ...
    Angiv venligst R-2026-0001 ved betaling
    <BLANKLINE>
    Har du allerede betalt, kan du se bort fra denne rykker.
    <BLANKLINE>
    Med venlig hilsen
    Nordlys ApS
    <BLANKLINE>

    Raises ValidationError for an unknown currency or locale.
    """
    language = l10n.document_locale(locale, l10n.FALLBACK)
    base = language.split("_")[0]
    phrases, mail = _reminder_phrases(base), _phrases(base)
    currency = reminder.currency

    def money(amount: Decimal) -> str:
        return l10n.format_money(amount, currency, language)

    def day(value: date) -> str:
        return l10n.format_date(value, language)

    items = reminder.items
    if len(items) == 1:
        [only] = items
        subject = phrases.subject_one.format(
            title=phrases.title, level=reminder.level, invoice=only.number, company=company
        )
        intro = [phrases.intro_one.format(invoice=only.number, due_date=day(only.due_date))]
    else:
        subject = phrases.subject_many.format(
            title=phrases.title, level=reminder.level, count=len(items)
        )
        intro = [
            phrases.intro_many.format(count=len(items)),
            *(
                "- "
                + phrases.item.format(
                    invoice=item.number,
                    due_date=day(item.due_date),
                    amount=money(item.outstanding),
                )
                for item in items
            ),
        ]
    figures: list[str] = []
    if reminder.charges > 0:
        figures.append(f"{phrases.outstanding}: {money(reminder.owed_on_invoices)}")
        for label, amount in (
            (phrases.fee, reminder.fee),
            (phrases.interest, reminder.interest),
            (phrases.compensation, reminder.compensation),
        ):
            if amount > 0:
                figures.append(f"{label}: {money(amount)}")
    lines = [
        mail.greeting.format(name=recipient),
        "",
        *intro,
        phrases.attached.format(number=reminder.number),
        "",
        *figures,
        f"{phrases.to_pay}: {money(reminder.to_pay)}",
        f"{phrases.pay_by}: {day(pay_by)}",
        *payment,
        phrases.reference.format(reference=reminder.number),
        "",
        phrases.already_paid,
        "",
        mail.closing,
        company,
        "",
    ]
    return EmailText(subject, "\n".join(lines))
