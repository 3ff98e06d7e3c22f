"""Writes src/faktura/codelists.py from Peppol BIS Billing 3.0.19's code list files.

The code lists come from the official rules folder (``EN16931_RULES_DIR`` or
``--rules DIR``): ``codelists/*.xml`` are OpenPeppol's code list files as its release
publishes them (``codelists/SHA256SUMS`` gives each file's digest, ``MANIFEST.json`` the
release's repository, tag and commit). Each list keeps only the codes every official
layer accepts: a code of Peppol's file that one of the two CEN rule sets (CEN 1.3.16 and
the CEN 1.3.14.1 that Peppol bundles) refuses in the BR-CL rule for that element is left
out of the list and named, with the layer and rule, in ``LEFT_OUT``. The XML files are
read, never copied.

Usage::

    EN16931_RULES_DIR=/path/to/einvoice-rules python tools/codelists.py          # write
    EN16931_RULES_DIR=/path/to/einvoice-rules python tools/codelists.py --check  # compare

``--check`` exits 1 when the module in the tree differs from what the files give.
tests/test_codelists.py makes the same comparison.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "src" / "faktura" / "codelists.py"
ENV_RULES = "EN16931_RULES_DIR"
VERSION = "3.0.19"
_NS = "{urn:fdc:difi.no:2017:vefa:structure:CodeList-1}"
#: The two CEN rule sets whose BR-CL rules restrict the lists further.
CEN_LAYERS = {
    "cen": "cen/EN16931-UBL-validation.xslt",
    "peppol-cen": "peppol/CEN-EN16931-UBL.xslt",
}


@dataclass(frozen=True)
class Spec:
    """One generated list: its constant, Peppol's file, what it codes, the BR-CL rules
    (with the position of the list in the rule's test) that check the same element, and
    whether the module keeps each code's name."""

    constant: str
    file: str
    doc: str
    rules: tuple[tuple[str, int], ...]
    names: bool = True


SPECS = (
    Spec(
        "CURRENCIES",
        "ISO4217_2015.xml",
        "ISO 4217 currency codes (BT-5, BT-6, every amount's currencyID).",
        (("BR-CL-03", 0), ("BR-CL-04", 0), ("BR-CL-05", 0)),
    ),
    Spec(
        "COUNTRIES",
        "ISO3166-1_Alpha2.xml",
        "ISO 3166-1 alpha-2 country codes of addresses (BT-40, BT-55, BT-80 ...).",
        (("BR-CL-14", 0),),
    ),
    Spec(
        "UNITS",
        "UNECERec20-11e.xml",
        "UN/ECE Recommendation 20 unit codes with Recommendation 21's (prefixed X) (BT-130).",
        (("BR-CL-23", 0),),
        names=False,
    ),
    Spec(
        "ALLOWANCE_REASONS",
        "UNCL5189.xml",
        "UNCL 5189 allowance reason codes as Peppol restricts them (BT-98, BT-140).",
        (("BR-CL-19", 0),),
    ),
    Spec(
        "CHARGE_REASONS",
        "UNCL7161.xml",
        "UNCL 7161 charge reason codes (BT-105, BT-145).",
        (("BR-CL-20", 0),),
    ),
    Spec(
        "PAYMENT_MEANS",
        "UNCL4461.xml",
        "UNCL 4461 payment means codes (BT-81).",
        (("BR-CL-16", 0),),
    ),
    Spec(
        "VAT_CATEGORIES",
        "UNCL5305.xml",
        "UNCL 5305 VAT category codes as Peppol restricts them (BT-95, BT-102, BT-118, BT-151).",
        (("BR-CL-17", 0), ("BR-CL-18", 0)),
    ),
    Spec(
        "VATEX",
        "VATEX.xml",
        "VATEX VAT exemption reason codes (BT-121).",
        (("BR-CL-22", 0),),
    ),
    Spec(
        "ENDPOINT_SCHEMES",
        "eas.xml",
        "EAS electronic address schemes (BT-34, BT-49 schemeID).",
        (("BR-CL-25", 0),),
    ),
    Spec(
        "PARTY_ID_SCHEMES",
        "icd.xml",
        "ISO 6523 ICD identifier schemes (BT-29, BT-46, BT-60, BT-71, BT-157 schemeID).",
        (("BR-CL-10", 0), ("BR-CL-11", 0), ("BR-CL-21", 0), ("BR-CL-26", 0)),
    ),
    Spec(
        "INVOICE_TYPES",
        "UNCL1001-inv.xml",
        "UNCL 1001 invoice type codes as Peppol restricts them (BT-3 of an invoice).",
        (("BR-CL-01", 0),),
    ),
    Spec(
        "CREDIT_NOTE_TYPES",
        "UNCL1001-cn.xml",
        "UNCL 1001 credit note type codes as Peppol restricts them (BT-3 of a credit note).",
        (("BR-CL-01", 1),),
    ),
    Spec(
        "PERIOD_DESCRIPTIONS",
        "UNCL2005.xml",
        "UNCL 2005 VAT point date codes as Peppol restricts them (BT-8).",
        (("BR-CL-06", 0),),
    ),
    Spec(
        "ITEM_CLASSIFICATIONS",
        "UNCL7143.xml",
        "UNCL 7143 item classification schemes (BT-158 listID).",
        (("BR-CL-13", 0),),
    ),
    Spec(
        "MIME_CODES",
        "MimeCode.xml",
        "MIME codes of attached documents (BT-125 mimeCode).",
        (("BR-CL-24", 0),),
    ),
)


class SourceError(Exception):
    """The rules folder is missing a file, or a file is not what its digest says."""


@dataclass(frozen=True)
class CodeList:
    title: str
    identifier: str
    version: str
    codes: dict[str, str]  # code -> name, in the file's order


def read_list(path: Path) -> CodeList:
    """One of OpenPeppol's code list files (``urn:fdc:difi.no:2017:vefa:structure:CodeList-1``)."""
    root = ET.parse(path).getroot()
    if root.tag != f"{_NS}CodeList":
        raise SourceError(f"{path.name}: not a CodeList document")
    codes: dict[str, str] = {}
    for code in root.iter(f"{_NS}Code"):
        key = (code.findtext(f"{_NS}Id") or "").strip()
        if not key:
            raise SourceError(f"{path.name}: a code without an Id")
        codes[key] = " ".join((code.findtext(f"{_NS}Name") or "").split())
    return CodeList(
        title=" ".join((root.findtext(f"{_NS}Title") or "").split()),
        identifier=(root.findtext(f"{_NS}Identifier") or "").strip(),
        version=(root.findtext(f"{_NS}Version") or "").strip(),
        codes=codes,
    )


def rule_lists(stylesheet: str, rule: str) -> list[set[str]]:
    """The code lists that ``rule`` (a BR-CL rule) tests in a compiled CEN stylesheet, in
    the order the test names them."""
    marker = re.search(rf'name="id">{re.escape(rule)}<', stylesheet)
    if marker is None:
        raise SourceError(f"{rule} not found in a CEN stylesheet")
    tests = re.findall(r'test="([^"]*)"', stylesheet[: marker.start()])
    if not tests:
        raise SourceError(f"{rule}: no test before it")
    test = tests[-1]
    listed = re.findall(r"contains\(\s*'( [^']* )'", test)
    if listed:
        return [set(text.split()) for text in listed]
    equals = re.findall(r"@mimeCode = '([^']+)'", test)
    if equals:
        return [set(equals)]
    raise SourceError(f"{rule}: no code list in its test")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sums(folder: Path) -> dict[str, str]:
    sums: dict[str, str] = {}
    for line in (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            sums[name.strip().lstrip("*")] = digest
    return sums


def _literal(text: str) -> str:
    """``text`` as a Python string literal the way ruff's formatter writes it."""
    if "\\" in text or any(ord(ch) < 32 for ch in text):
        raise SourceError(f"unexpected character in {text!r}")
    if '"' in text and "'" not in text:
        return f"'{text}'"
    return '"' + text.replace('"', '\\"') + '"'


def render(rules: Path) -> str:
    """The text of src/faktura/codelists.py from the rules folder ``rules``."""
    folder = rules / "codelists"
    manifest = json.loads((rules / "MANIFEST.json").read_text(encoding="utf-8"))
    release = manifest["layers"]["peppol"]["source"]
    sums = _sums(folder)
    stylesheets: dict[str, str] = {}
    stylesheet_sums: dict[str, str] = {}
    for layer, name in CEN_LAYERS.items():
        path = rules / name
        stylesheets[layer] = path.read_text(encoding="utf-8")
        stylesheet_sums[layer] = _sha256(path)
        if stylesheet_sums[layer] != manifest["layers"][layer]["sha256"]:
            raise SourceError(f"{name}: sha256 differs from MANIFEST.json")

    out: list[str] = []
    provenance: list[str] = []
    left_out: list[str] = []
    for spec in SPECS:
        path = folder / spec.file
        digest = _sha256(path)
        if sums.get(spec.file) != digest:
            raise SourceError(f"{spec.file}: sha256 differs from SHA256SUMS")
        listed = read_list(path)
        dropped: dict[str, list[str]] = {}
        for layer, text in stylesheets.items():
            for rule, index in spec.rules:
                accepted = rule_lists(text, rule)[index]
                for code in listed.codes:
                    if code not in accepted:
                        dropped.setdefault(code, []).append(f"{layer} {rule}")
        kept = {code: name for code, name in listed.codes.items() if code not in dropped}
        provenance += [
            f"        {_literal(spec.constant)}: MappingProxyType(",
            "            {",
            f'                "file": {_literal(spec.file)},',
            f'                "title": {_literal(listed.title)},',
            f'                "identifier": {_literal(listed.identifier)},',
            f'                "version": {_literal(listed.version)},',
            f'                "sha256": "{digest}",',
            "            }",
            "        ),",
        ]
        if dropped:
            left_out += [
                f"        {_literal(spec.constant)}: MappingProxyType(",
                "            {",
                *(
                    f"                {_literal(code)}: {_literal(', '.join(why))},"
                    for code, why in sorted(dropped.items())
                ),
                "            }",
                "        ),",
            ]
        out += [
            "",
            f"#: {spec.doc}",
            f"#: {listed.title}, version {listed.version or 'not given'}.",
        ]
        if spec.names:
            out += [
                f"{spec.constant}: Mapping[str, str] = MappingProxyType(",
                "    {",
                *(f"        {_literal(code)}: {_literal(name)}," for code, name in kept.items()),
                "    }",
                ")",
            ]
        else:
            out += [
                f"{spec.constant}: frozenset[str] = frozenset(",
                "    (",
                *(f"        {_literal(code)}," for code in kept),
                "    )",
                ")",
            ]
    names = sorted([*(spec.constant for spec in SPECS), "LEFT_OUT", "PROVENANCE", "SOURCE"])
    head = [
        '"""The code lists of Peppol BIS Billing 3.0.19, as every official layer accepts them.',
        "",
        "GENERATED by tools/codelists.py from OpenPeppol's code list files: do not edit by hand.",
        "Regenerate with ``EN16931_RULES_DIR=<rules folder> python tools/codelists.py``;",
        "tests/test_codelists.py fails when this module differs from what the files give.",
        "",
        "Each list holds the codes of Peppol's file that both CEN rule sets (1.3.16 and the",
        "1.3.14.1 Peppol bundles) accept too; the codes left out are in ``LEFT_OUT`` with the",
        "layer and rule that refuse them. ``SOURCE`` names the release, ``PROVENANCE`` each",
        "file and its sha256. Lists with names map each code to its name in the file.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from collections.abc import Mapping",
        "from types import MappingProxyType",
        "",
        "__all__ = [",
        *(f'    "{name}",' for name in names),
        "]",
        "",
        "#: The release the files come from, and the CEN stylesheets that restrict them.",
        "SOURCE: Mapping[str, str] = MappingProxyType(",
        "    {",
        f'        "version": "{VERSION}",',
        f'        "repository": {_literal(release["repo"])},',
        f'        "tag": {_literal(release["tag"])},',
        f'        "commit": {_literal(release["commit"])},',
        '        "folder": "structure/codelist",',
        *(f'        "{layer}.sha256": "{stylesheet_sums[layer]}",' for layer in sorted(CEN_LAYERS)),
        "    }",
        ")",
        "",
        "#: Each list's file, title, identifier, version and the file's sha256.",
        "PROVENANCE: Mapping[str, Mapping[str, str]] = MappingProxyType(",
        "    {",
        *provenance,
        "    }",
        ")",
        "",
        "#: The codes of Peppol's files that a CEN layer refuses: left out of the lists.",
        "LEFT_OUT: Mapping[str, Mapping[str, str]] = MappingProxyType(",
        "    {",
        *left_out,
        "    }",
        ")",
    ]
    if release.get("tag") != f"v{VERSION}":
        raise SourceError(f"MANIFEST.json names tag {release.get('tag')!r}, not v{VERSION}")
    return "\n".join([*head, *out]) + "\n"


def rules_folder(given: str | None, environ: Mapping[str, str] = os.environ) -> Path:
    value = given or environ.get(ENV_RULES)
    if not value:
        raise SourceError(f"give --rules DIR or set {ENV_RULES}")
    return Path(value)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rules", help=f"the rules folder (default: ${ENV_RULES})")
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    try:
        text = render(rules_folder(args.rules))
    except (SourceError, OSError, KeyError) as exc:
        print(f"codelists: {exc}", file=sys.stderr)
        return 2
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"codelists: {TARGET} differs from the code list files", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
