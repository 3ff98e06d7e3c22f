"""SproomAccessPoint (faktura.delivery.sproom) and the e-invoice channel over it
(faktura.delivery.einvoice) against a real HTTP access point on 127.0.0.1
(faktura.testing.access_point), which checks every posted UBL document against the UBL
2.1 XSD and CEN's EN 16931 rules (the official rules of tests/einvoice_rules.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import attrs
import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from einvoice_rules import OfficialRules
from faktura.delivery.channel import DeliveryType, Recipient, RecipientKind
from faktura.delivery.einvoice import FAILED_STATUSES, PROVIDER_STATUSES, EInvoiceChannel
from faktura.delivery.sproom import (
    SproomAccessPoint,
    idempotency_key,
    parse_status_event,
    participant_id,
)
from faktura.errors import (
    ConfigurationError,
    DeliveryRejected,
    DeliveryUnavailable,
    ValidationError,
)
from faktura.testing.access_point import LocalAccessPoint
from faktura.testing.channels import sample_document

GLN = Recipient(RecipientKind.PEPPOL, "5790000435951", "Region Midtjylland", "0088")
CVR = Recipient(RecipientKind.PEPPOL, "13585628", "Købmand Jensen A/S", "0184")
AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def server(validator: OfficialRules) -> Iterator[LocalAccessPoint]:
    with LocalAccessPoint(
        participants={GLN.display(), CVR.display()}, validate=validator.messages
    ) as running:
        yield running


@pytest.fixture
def access_point(server: LocalAccessPoint) -> Iterator[SproomAccessPoint]:
    with SproomAccessPoint(server.url, server.token, timeout=0.3, backoff=0.01) as client:
        yield client


def posts(server: LocalAccessPoint) -> int:
    return sum(1 for method, _ in server.requests if method == "POST")


# -- the happy path ------------------------------------------------------------------------


def test_a_booked_invoice_is_accepted(
    server: LocalAccessPoint, access_point: SproomAccessPoint
) -> None:
    channel = EInvoiceChannel(access_point)
    message = sample_document(GLN)
    channel.prepare(GLN)
    receipt = channel.deliver(message)
    assert receipt.provider_reference is not None
    stored = server.documents[receipt.provider_reference]
    assert stored.ubl == message.ubl()
    assert stored.recipient == "0088:5790000435951"
    assert ("GET", "/api/recipients/GLN%3A5790000435951") in server.requests


def test_a_cvr_recipient_uses_sproom_scheme_names(
    server: LocalAccessPoint, access_point: SproomAccessPoint
) -> None:
    assert participant_id(CVR) == "DK:CVR:13585628"
    assert access_point.lookup(CVR)
    assert ("GET", "/api/recipients/DK%3ACVR%3A13585628") in server.requests


def test_an_invalid_document_is_rejected_with_the_rules_it_breaks(
    access_point: SproomAccessPoint,
) -> None:
    broken = sample_document(GLN).ubl().replace(b"<cbc:ID>2026-0042</cbc:ID>", b"", 1)
    with pytest.raises(DeliveryRejected, match=r"400.*not valid") as caught:
        access_point.submit(broken, GLN)
    assert "BR-02" in caught.value.message  # an invoice shall have an invoice number


def test_an_unknown_participant_is_refused_in_preflight(access_point: SproomAccessPoint) -> None:
    stranger = attrs.evolve(GLN, address="5790000000012")
    assert not access_point.lookup(stranger)
    with pytest.raises(DeliveryRejected, match="0088:5790000000012"):
        EInvoiceChannel(access_point).prepare(stranger)
    with pytest.raises(DeliveryRejected, match="422"):
        access_point.submit(sample_document(GLN).ubl(), stranger)


# -- retries -------------------------------------------------------------------------------


def test_5xx_then_success_is_retried(
    server: LocalAccessPoint, access_point: SproomAccessPoint
) -> None:
    server.fail_next(2, 503)
    document_id = access_point.submit(sample_document(GLN).ubl(), GLN)
    assert posts(server) == 3
    assert list(server.documents) == [document_id]


def test_a_lost_answer_is_retried_without_a_second_document(
    server: LocalAccessPoint, access_point: SproomAccessPoint
) -> None:
    server.fail_next(2, 500, after_processing=True)
    ubl = sample_document(GLN).ubl()
    document_id = access_point.submit(ubl, GLN)
    assert posts(server) == 3
    assert list(server.documents) == [document_id]  # one document, thanks to the key
    assert access_point.submit(ubl, GLN) == document_id  # a later retry too


def test_a_timed_out_answer_is_retried_without_a_second_document(
    server: LocalAccessPoint, access_point: SproomAccessPoint
) -> None:
    server.hang_next(1, seconds=1.0, after_processing=True)
    document_id = access_point.submit(sample_document(GLN).ubl(), GLN)
    assert posts(server) == 2
    assert list(server.documents) == [document_id]


def test_timeouts_exhaust_the_retries(server: LocalAccessPoint) -> None:
    server.hang_next(10, seconds=1.0)
    started = time.perf_counter()
    with (
        SproomAccessPoint(server.url, server.token, timeout=0.2, retries=2, backoff=0.01) as ap,
        pytest.raises(DeliveryUnavailable, match=r"timed out.*tried 3 times"),
    ):
        EInvoiceChannel(ap).deliver(sample_document(GLN))
    assert time.perf_counter() - started < 3
    assert posts(server) == 3
    assert server.documents == {}


def test_5xx_exhaust_the_retries(server: LocalAccessPoint) -> None:
    server.fail_next(10, 502)
    with (
        SproomAccessPoint(server.url, server.token, retries=1, backoff=0.01) as ap,
        pytest.raises(DeliveryUnavailable, match=r"502.*tried 2 times"),
    ):
        ap.lookup(GLN)


def test_a_refused_connection_is_unavailable() -> None:
    server = LocalAccessPoint().start()
    url = server.url
    server.stop()
    with (
        SproomAccessPoint(url, "token", timeout=0.3, retries=1, backoff=0.01) as ap,
        pytest.raises(DeliveryUnavailable, match="could not be reached"),
    ):
        EInvoiceChannel(ap).prepare(GLN)


# -- refusals ------------------------------------------------------------------------------


def test_a_rejected_document_is_rejected_at_once(
    server: LocalAccessPoint, access_point: SproomAccessPoint
) -> None:
    server.reject_next(message="duplicate invoice number")
    with pytest.raises(DeliveryRejected, match="400: duplicate invoice number"):
        EInvoiceChannel(access_point).deliver(sample_document(GLN))
    assert posts(server) == 1


def test_a_bad_token_is_rejected_and_says_so(server: LocalAccessPoint) -> None:
    with (
        SproomAccessPoint(server.url, "wrong", backoff=0.01) as ap,
        pytest.raises(DeliveryRejected, match=r"API token.*401.*api_token"),
    ):
        ap.lookup(GLN)
    assert len(server.requests) == 1  # not retried


def test_idempotency_key_reuse_for_another_document_conflicts(
    server: LocalAccessPoint, access_point: SproomAccessPoint
) -> None:
    ubl = sample_document(GLN).ubl()
    access_point.submit(ubl, GLN)
    answer = server.handle(
        "POST",
        "/api/documents?recipient=GLN:5790000435951",
        {
            "authorization": f"Bearer {server.token}",
            "content-type": "application/xml",
            "idempotency-key": idempotency_key(ubl, GLN),
        },
        ubl + b" ",
    )
    assert answer[0] == 409


def test_settings_are_checked() -> None:
    with pytest.raises(ConfigurationError):
        SproomAccessPoint("ftp://x", "t")
    with pytest.raises(ConfigurationError):
        SproomAccessPoint("https://sproom.example", "")
    with pytest.raises(ConfigurationError):
        SproomAccessPoint("https://sproom.example", "t", retries=-1)


def test_without_httpx_a_request_is_the_configuration_error_naming_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # sys.modules["httpx"] = None makes `import httpx` raise ImportError, as it does
    # when the einvoice extra is not installed
    monkeypatch.setitem(__import__("sys").modules, "httpx", None)
    access_point = SproomAccessPoint("https://sproom.example", "t")
    with pytest.raises(ConfigurationError, match=r"faktura\[einvoice\]"):
        access_point.lookup(Recipient(RecipientKind.PEPPOL, "5790000435951", "X", "0088"))


def test_the_channel_is_vendor_neutral_and_its_old_imports_still_work() -> None:
    import faktura
    import faktura.delivery.einvoice as einvoice
    import faktura.delivery.sproom as sproom

    channel = EInvoiceChannel(SproomAccessPoint("https://sproom.example", "t"))
    assert channel.delivery_type is DeliveryType.EINVOICE
    assert channel.delivery_type == "einvoice"
    # where the channel was before: the same objects, no warning
    for name in ("EInvoiceChannel", "AccessPoint", "PROVIDER_STATUSES", "FAILED_STATUSES"):
        assert getattr(sproom, name) is getattr(einvoice, name), name
    assert faktura.EInvoiceChannel is EInvoiceChannel
    assert faktura.AccessPoint is einvoice.AccessPoint
    assert faktura.SproomAccessPoint is SproomAccessPoint


def test_a_wrong_kind_of_recipient_is_refused(access_point: SproomAccessPoint) -> None:
    email = Recipient(RecipientKind.EMAIL, "ap@example.dk", "X")
    channel = EInvoiceChannel(access_point)
    with pytest.raises(DeliveryRejected):
        channel.prepare(email)
    with pytest.raises(DeliveryRejected):
        channel.deliver(sample_document(email))


def test_garbage_answers_are_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, content=b"<html>oops</html>")

    with (
        SproomAccessPoint(
            "https://sproom.example", "t", transport=httpx.MockTransport(handler)
        ) as ap,
        pytest.raises(DeliveryUnavailable, match="without a JSON object"),
    ):
        ap.submit(b"<Invoice/>", GLN)


# -- status ------------------------------------------------------------------------------


def test_status_is_read_and_mapped(
    server: LocalAccessPoint, access_point: SproomAccessPoint
) -> None:
    document_id = access_point.submit(sample_document(GLN).ubl(), GLN)
    assert access_point.status(document_id).status == "pending"
    server.set_status(document_id, "Rejected", "wrong EAN")
    event = access_point.status(document_id)
    assert (event.status, event.message) == ("rejected", "wrong EAN")
    assert event.details == {"providerStatus": "Rejected", "documentId": document_id}
    assert event.status in FAILED_STATUSES
    with pytest.raises(DeliveryRejected, match="404"):
        access_point.status("doc-unknown")


@pytest.mark.parametrize(
    ("provider", "recorded"),
    [
        ("received", "pending"),
        ("Delivered", "delivered"),
        ("ACCEPTED", "accepted"),
        ("rejected", "rejected"),
        ("failed", "failed"),
        ("something new", "unknown"),
    ],
)
def test_the_status_mapping(provider: str, recorded: str) -> None:
    event = parse_status_event({"status": provider}, AT)
    assert event.status == recorded
    assert event.details["providerStatus"] == provider
    assert event.at == AT


def test_a_status_report_keeps_its_own_time() -> None:
    event = parse_status_event(
        {"status": "delivered", "updatedAt": "2026-11-26T08:00:00+01:00"}, AT
    )
    assert event.at == datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    naive = parse_status_event({"status": "delivered", "updatedAt": "2026-11-26T08:00:00"}, AT)
    assert naive.at == AT


@given(st.dictionaries(st.text(max_size=10), st.none() | st.text(max_size=10) | st.integers()))
def test_status_reports_parse_or_raise_validation_error(payload: dict[str, object]) -> None:
    status = payload.get("status")
    if not isinstance(status, str) or not status.strip():
        with pytest.raises(ValidationError) as caught:
            parse_status_event(payload, AT)
        assert caught.value.field == "status"
        return
    event = parse_status_event(payload, AT)
    assert event.status in {*PROVIDER_STATUSES.values(), "unknown"}
    assert event.details["providerStatus"] == status


def test_concurrent_retries_make_one_document(server: LocalAccessPoint) -> None:
    ubl = sample_document(GLN).ubl()
    ids: list[str] = []

    def submit() -> None:
        with SproomAccessPoint(server.url, server.token, backoff=0.01) as ap:
            ids.append(ap.submit(ubl, GLN))

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 1
    assert len(server.documents) == 1
