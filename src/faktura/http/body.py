"""The request-body guard: a JSON object, not encoded, within the size limit.

``read_json(request, most)`` answers 415 for a body that is not JSON as sent (its
Content-Type names something else, or it has a Content-Encoding), 413 above ``most``
bytes (by Content-Length before reading, and while reading), 400 for an empty body,
malformed JSON (duplicate keys, NaN and Infinity included) or JSON that is not an object.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from .errors import ApiError, invalid

__all__ = ["XML_MEDIA_TYPES", "read_json", "read_xml"]

#: What a body of XML (a bank statement file) may be sent as.
XML_MEDIA_TYPES = ("application/xml", "text/xml")

_WHOLE = re.compile(r"\d{1,10}\Z", re.ASCII)
#: JSON media types: application/json and application/<anything>+json.
_JSON_MEDIA = re.compile(r"application/(?:[a-z0-9!#$&^_.+-]+\+)?json\Z", re.ASCII)


def _unsupported(message: str, headers: Mapping[str, str] | None = None) -> ApiError:
    return ApiError(415, "UNSUPPORTED_MEDIA_TYPE", message, headers=headers)


def _is_json(content_type: str) -> bool:
    """Whether a Content-Type names JSON: ``application/json`` or ``application/*+json``,
    with no parameter but an optional ``charset=utf-8`` (any case, quoted or not)."""
    media, _, parameters = content_type.partition(";")
    if not _JSON_MEDIA.match(media.strip().lower()):
        return False
    for parameter in parameters.split(";"):
        if not parameter.strip():
            continue
        name, _, value = parameter.partition("=")
        if name.strip().lower() != "charset" or value.strip().strip('"').lower() != "utf-8":
            return False
    return True


def _check_media_type(request: Request) -> None:
    """ApiError 415 unless the body is JSON as sent: a JSON Content-Type (or none: a body
    without one is read as JSON) and no Content-Encoding but ``identity``."""
    encodings = [
        coding.strip().lower()
        for header in request.headers.getlist("content-encoding")
        for coding in header.split(",")
    ]
    if any(coding not in ("", "identity") for coding in encodings):
        raise _unsupported(
            "the request body must not be encoded (Content-Encoding: identity)",
            {"Accept-Encoding": "identity"},
        )
    content_types = request.headers.getlist("content-type")
    if content_types and (len(content_types) > 1 or not _is_json(content_types[0])):
        raise _unsupported(
            "the request body must be JSON: Content-Type application/json (charset utf-8)"
        )


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


async def _read(request: Request, most: int) -> bytes:
    """The request body's bytes, read up to ``most`` (413 above it)."""
    too_large = ApiError(
        413,
        "PAYLOAD_TOO_LARGE",
        f"the request body is above {most} bytes",
        {"maxBytes": most},
    )
    length = request.headers.get("content-length")
    if length is not None:
        if not _WHOLE.match(length.strip()):
            if length.strip().isdigit():
                raise too_large
            raise invalid("Content-Length", "type", "must be a whole number")
        if int(length) > most:
            raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > most:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, most: int) -> dict[str, Any]:
    """The JSON object of the request body, read up to ``most`` bytes."""
    _check_media_type(request)
    raw = await _read(request, most)
    if not raw.strip():
        raise invalid("", "required", "a JSON object is required as the request body")
    try:
        data = json.loads(raw, parse_constant=_refuse_constant, object_pairs_hook=_no_duplicates)
    except (ValueError, RecursionError) as exc:
        reason = str(exc) if isinstance(exc, ValueError) else "nested too deeply"
        raise ApiError(
            400, "MALFORMED_JSON", f"the request body is not valid JSON: {reason}"
        ) from None
    if not isinstance(data, dict):
        raise invalid("", "type", "the request body must be a JSON object")
    return data


async def read_xml(request: Request, most: int) -> bytes:
    """The bytes of an XML request body (a file sent as it is), up to ``most`` bytes:
    415 unless its Content-Type is one of ``XML_MEDIA_TYPES`` (a charset parameter
    allowed) and it is not encoded, 400 when it is empty. Whether it is the XML
    expected is for the reader of the file to say."""
    encodings = [
        coding.strip().lower()
        for header in request.headers.getlist("content-encoding")
        for coding in header.split(",")
    ]
    if any(coding not in ("", "identity") for coding in encodings):
        raise _unsupported(
            "the request body must not be encoded (Content-Encoding: identity)",
            {"Accept-Encoding": "identity"},
        )
    content_types = request.headers.getlist("content-type")
    media = content_types[0].partition(";")[0].strip().lower() if content_types else ""
    if len(content_types) != 1 or media not in XML_MEDIA_TYPES:
        raise _unsupported(
            "the request body must be the XML file: Content-Type application/xml or text/xml"
        )
    raw = await _read(request, most)
    if not raw.strip():
        raise invalid("", "required", "the XML file is required as the request body")
    return raw
