"""What the benchmark scripts share: a plain-text table, the PASS/FAIL lines, versions."""

from __future__ import annotations

from collections.abc import Sequence


def print_rows(header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]) -> None:
    """A table: the first column left-aligned, the others right-aligned."""

    def line(cells: Sequence[str]) -> str:
        return " ".join(
            f"{c:<{w}}" if i == 0 else f"{c:>{w}}"
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    head = line(header)
    print(head)
    print("-" * len(head))
    for row in rows:
        print(line(row))


def verdict(passed: bool, text: str) -> bool:
    """Print "PASS  text" or "FAIL  text"; ``passed``."""
    print(f"{'PASS' if passed else 'FAIL'}  {text}")
    return passed


def version(distribution: str) -> str:
    """The installed version of ``distribution``, or "not installed"."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed(distribution)
    except PackageNotFoundError:
        return "not installed"
