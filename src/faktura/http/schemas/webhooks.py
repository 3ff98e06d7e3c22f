"""The access point's status webhook: its body and answer."""

from __future__ import annotations

import attrs

from faktura.delivery.wire import AttemptWire

# -- webhooks ------------------------------------------------------------------------


@attrs.frozen
class AccessPointStatusRequest:
    """An access point's status callback about a document it delivered."""

    document_id: str = attrs.field(
        metadata={"description": "The access point's document id (sproomDocumentId)"}
    )
    status: str = attrs.field(metadata={"description": 'e.g. "accepted", "rejected"'})
    message: str | None = None
    details: dict[str, str] | None = None


@attrs.frozen
class AccessPointStatusResponse:
    """The attempt the status was appended to."""

    invoice_id: str
    attempt: AttemptWire
