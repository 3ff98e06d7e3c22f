"""The page mechanics of the built-in layouts: the A4 page and its margin, a table whose
header row repeats on every page (``PagedTable``, laid out a page at a time), and a
canvas that writes "page X of Y" once the page count is known (``numbered_canvas``).

Part of ``faktura.documents.layout``; only imported when a PDF is rendered (it imports
reportlab).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Table

from faktura.errors import RenderError

__all__ = ["HEIGHT", "MARGIN", "WIDTH", "PagedTable", "numbered_canvas"]

#: The page (A4) and its margin on every side.
WIDTH, HEIGHT = A4
MARGIN = 18 * mm


class PagedTable(Flowable):
    """A table with one header row repeated on every page, made into a reportlab Table
    a page at a time.

    reportlab splits a long Table page by page, each time copying every row left into a
    new Table (with its cell styles and commands), and measures all the rows of the
    first one (its long-table shortcut stops early only with rows spanning rows), each
    after a scan of the rows before it: work that grows with the square of the rows.
    This one keeps the rows and, for each page, makes a Table of the header and just
    enough of the next rows to overfill the space left (every row is at least ``least``
    high), which reportlab splits as it would have split the whole: the part on the
    page is the same (the same rows, commands, and row backgrounds starting again under
    the header); the rows after it stay here, with the heights measured so far.
    """

    def __init__(
        self,
        make: Callable[[int, int, list[float | None]], Table],
        rows: int,
        least: float,
        start: int = 0,
        heights: list[float | None] | None = None,
    ) -> None:
        super().__init__()
        self._make, self._rows, self._least, self._start = make, rows, least, start
        # the header's height, then every body row's, once measured
        self._heights: list[float | None] = [None] * (rows + 1) if heights is None else heights
        self._window: tuple[float, float, Table, float, float, int] | None = None

    def _table(self, width: float, height: float) -> tuple[Table, float, float, int]:
        """The Table from the first row left with enough rows to fill ``height`` (or
        all the rest), its size and its last row."""
        window = self._window
        if window is not None and window[:2] == (width, height):
            return window[2:]
        canvas = getattr(self, "canv", None)
        start, heights = self._start, self._heights
        count = max(1, math.ceil(height / self._least))
        while True:
            end = min(self._rows, start + count)
            table = self._make(start, end, [heights[0], *heights[start + 1 : end + 1]])
            if canvas is None:
                used_width, used = table.wrap(width, height)
            else:
                used_width, used = table.wrapOn(canvas, width, height)
            measured: list[float | None] = getattr(table, "_rowHeights", [])
            heights[0] = measured[0]
            heights[start + 1 : end + 1] = measured[1:]
            # a point more than the space: reportlab takes a table up to a millionth of
            # a point too high as fitting, and the rows after it would be lost
            if end == self._rows or used > height + 1:
                break
            count *= 2
        self._window = (width, height, table, used_width, used, end)
        return table, used_width, used, end

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        _, self.width, self.height, _ = self._table(availWidth, availHeight)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float, /) -> list[Flowable]:
        table, _, _, end = self._table(availWidth, availHeight)
        canvas = getattr(self, "canv", None)
        if canvas is None:
            parts = table.split(availWidth, availHeight)
        else:
            parts = table.splitOn(canvas, availWidth, availHeight)
        if len(parts) != 2:  # nothing fits ([]), or all of it ([table], only at the end)
            return parts if end == self._rows else []
        first = parts[0]
        taken = len(getattr(first, "_cellvalues", ())) - 1  # less the header
        rest = PagedTable(self._make, self._rows, self._least, self._start + taken, self._heights)
        return [first, rest]

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        """Draw all the rows left (they fit: the frame asked for no split)."""
        window = self._window
        if window is None:  # pragma: no cover - a frame always wraps before drawing
            raise RenderError("the line table was drawn before it was laid out")
        window[2].drawOn(canvas, x, y, _sW)  # type: ignore[call-arg]  # the stub lacks _sW


def numbered_canvas(page_text: str, font: str) -> Callable[..., Canvas]:
    """A canvas class that writes "page X of Y" once the page count is known."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._saved: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._saved.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]  # reportlab's page reset

        def save(self) -> None:
            pages = len(self._saved)
            for state in self._saved:
                self.__dict__.update(state)
                self.setFont(font, 7.5)
                self.setFillColor(colors.grey)
                self.drawRightString(
                    WIDTH - MARGIN,
                    10 * mm,
                    page_text.format(page=self.getPageNumber(), pages=pages),
                )
                Canvas.showPage(self)
            Canvas.save(self)

    return NumberedCanvas
