"""The report's page machinery: page geometry, headings with outline and contents,
classification banners, "page x of y", tables, and :class:`Story`, the list of
flowables the sections append to.  Nothing here knows what a plan says.
"""

from __future__ import annotations

from datetime import datetime, timezone

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, CondPageBreak, Flowable, Frame, KeepTogether, PageBreak, PageTemplate, Paragraph, Table, TableStyle

from optimizer.report.facts import Facts
from optimizer.report.style import (
    FONT, FONT_BOLD, GREY, LIGHT_GREY, NAVY, SHORT_FILL, ZEBRA, clean, fit, para_text, styles, width as text_width,
)


PAGE_W, PAGE_H = A4
MARGIN_X = 48.0
BANNER_H = 15.0
TOP = 62.0  # from the page's top edge to the frame
BOTTOM = 54.0
FRAME_W = PAGE_W - 2 * MARGIN_X
CELL_PAD = 3.0
EMPHASIS_FILL = colors.HexColor("#DDEBF7")
LIST_LIMIT = 12  # names listed in running text before "and k others"


# ---------------------------------------------------------------------------
# document machinery: headings with outline + contents, banners, page x of y
# ---------------------------------------------------------------------------


class Heading(Paragraph):
    """A heading that becomes a PDF bookmark and a contents entry."""

    def __init__(self, text: str, level: int, key: str, *, contents: bool = True):
        super().__init__(para_text(text), styles()["h1" if level == 0 else "h2"])
        self.plain, self.level, self.key, self.contents = clean(text), level, key, contents


class Anchor(Flowable):
    """An invisible bookmark (an outline entry without a printed heading)."""

    def __init__(self, text: str, key: str):
        super().__init__()
        self.plain, self.level, self.key, self.contents = clean(text), 0, key, False

    def wrap(self, avail_w, avail_h):
        return 0, 0

    def draw(self):
        pass


def banner_colour(classification: str):
    c = classification.upper()
    if "TOP SECRET" in c:
        return colors.HexColor("#FF8C00")
    if "UNCLASSIFIED" in c:
        return colors.HexColor("#007A33")
    if "SECRET" in c:
        return colors.HexColor("#C8102E")
    if "CONFIDENTIAL" in c:
        return colors.HexColor("#0033A0")
    if "RESTRICTED" in c or "OFFICIAL" in c:
        return colors.HexColor("#7A5C00")
    return colors.HexColor("#404040")


class ReportDoc(BaseDocTemplate):
    def __init__(self, target, facts: Facts, **kw):
        super().__init__(target, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=TOP, bottomMargin=BOTTOM, **kw)
        self.facts = facts
        frame = Frame(MARGIN_X, BOTTOM, FRAME_W, PAGE_H - TOP - BOTTOM, id="body", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([
            PageTemplate(id="title", frames=[frame], onPage=self._decorate_title),
            PageTemplate(id="body", frames=[frame], onPage=self._decorate),
        ])

    def afterFlowable(self, flowable):
        if isinstance(flowable, (Heading, Anchor)):
            self.canv.bookmarkPage(flowable.key)
            self.canv.addOutlineEntry(flowable.plain, flowable.key, level=flowable.level, closed=False)
            if flowable.contents:
                self.notify("TOCEntry", (flowable.level, flowable.plain, self.page, flowable.key))

    # every page: the classification banner top and bottom (page numbers come at save)
    def _banners(self, canv):
        text = clean(self.facts.scenario["classification"]) or " "
        colour = banner_colour(text)
        size = 8.5
        while size > 6 and text_width(text, FONT_BOLD, size) > PAGE_W - 24:
            size -= 0.5
        text = fit(text, PAGE_W - 24, FONT_BOLD, size)
        canv.saveState()
        for y in (PAGE_H - BANNER_H, 0):
            canv.setFillColor(colour)
            canv.rect(0, y, PAGE_W, BANNER_H, stroke=0, fill=1)
            canv.setFillColor(colors.white)
            canv.setFont(FONT_BOLD, size)
            canv.drawCentredString(PAGE_W / 2, y + 4.3, text)
        canv.restoreState()

    def _decorate_title(self, canv, doc):
        self._banners(canv)

    def _decorate(self, canv, doc):
        self._banners(canv)
        f = self.facts
        canv.saveState()
        canv.setFont(FONT, 7.5)
        canv.setFillColor(GREY)
        y = PAGE_H - BANNER_H - 16
        canv.drawString(MARGIN_X, y, "forceplan · allocation report")
        canv.drawRightString(PAGE_W - MARGIN_X, y, fit(f"Scenario: {f.scenario['name']}", FRAME_W / 2, FONT, 7.5))
        canv.setStrokeColor(LIGHT_GREY)
        canv.setLineWidth(0.5)
        canv.line(MARGIN_X, y - 5, PAGE_W - MARGIN_X, y - 5)
        canv.line(MARGIN_X, BANNER_H + 27, PAGE_W - MARGIN_X, BANNER_H + 27)
        canv.drawString(MARGIN_X, BANNER_H + 16, fit(f"{f.source.get('workbook') or 'workbook not recorded'} · planned {date_text(f) or 'date not recorded'}",
                                                      FRAME_W - 80, FONT, 7.5))
        canv.restoreState()


def canvas_class(creation: str | None):
    """A canvas that numbers pages 'Page x of y' once the total is known, with a fixed creation date."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kw):
            super().__init__(*args, **kw)
            self._pages: list[dict] = []
            if creation:
                self.setDateFormatter(lambda *_: creation)
            self.showOutline()

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.saveState()
                self.setFont(FONT, 7.5)
                self.setFillColor(GREY)
                self.drawRightString(PAGE_W - MARGIN_X, BANNER_H + 16, f"Page {self._pageNumber} of {total}")
                self.restoreState()
                Canvas.showPage(self)
            Canvas.save(self)

    return NumberedCanvas


def planned_at(f: Facts) -> datetime | None:
    raw = f.source.get("planned_at")
    if not isinstance(raw, str):
        return None
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def date_text(f: Facts) -> str | None:
    when = planned_at(f)
    return None if when is None else when.astimezone(timezone.utc).strftime("%d %B %Y, %H:%M UTC").lstrip("0")


# ---------------------------------------------------------------------------
# tables
# ---------------------------------------------------------------------------


def table(header: list[str], rows: list[list], widths: list[float], *, numeric: set[int] = frozenset(), highlight: set[int] = frozenset(),
          total: bool = False, repeat: int = 1, zebra: bool = True, emphasis: set[int] = frozenset(), valign: str = "MIDDLE") -> Table:
    """A report table: navy header (repeated on every page it spans), text wrapped, numbers right-aligned.

    ``highlight`` are body-row indexes drawn in the shortfall colour; ``total``
    makes the last row bold with a rule above it; ``emphasis`` rows are bold
    on a light blue ground (e.g. this plan's row among variants).
    """
    st = styles()
    widths = fit_widths(header, rows, widths, numeric)
    data = [[Paragraph(para_text(h), st["head_right" if j in numeric else "head"]) for j, h in enumerate(header)]]
    for r, row in enumerate(rows):
        out = []
        bold = (total and r == len(rows) - 1) or r in emphasis
        for j, value in enumerate(row):
            text = clean(value) if not isinstance(value, (Paragraph, list)) else value  # a list: flowables stacked in the cell
            if isinstance(text, (Paragraph, list)) or j in numeric:
                out.append(text)
            elif text_width(text, FONT_BOLD if bold else FONT, 7.5) <= widths[j] - 2 * CELL_PAD:
                out.append(text)
            else:
                out.append(Paragraph(para_text(text), st["cell_bold" if bold else "cell"]))
        data.append(out)
    t = Table(data, colWidths=widths, repeatRows=repeat, hAlign="LEFT")
    cmds = [
        ("FONT", (0, 0), (-1, -1), FONT, 7.5, 9),
        ("BACKGROUND", (0, 0), (-1, 0), NAVY),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        *([("VALIGN", (0, 1), (-1, -1), valign)] if valign != "MIDDLE" else []),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, LIGHT_GREY),
    ]
    if zebra and rows:
        cmds.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]))
    for j in numeric:
        cmds.append(("ALIGN", (j, 1), (j, -1), "RIGHT"))
    for r in sorted(highlight):
        cmds.append(("BACKGROUND", (0, r + 1), (-1, r + 1), SHORT_FILL))
    for r in sorted(emphasis):
        cmds += [("BACKGROUND", (0, r + 1), (-1, r + 1), EMPHASIS_FILL), ("FONT", (0, r + 1), (-1, r + 1), FONT_BOLD, 7.5, 9)]
    if total and rows:
        cmds += [("FONT", (0, -1), (-1, -1), FONT_BOLD, 7.5, 9), ("LINEABOVE", (0, -1), (-1, -1), 0.8, NAVY), ("BACKGROUND", (0, -1), (-1, -1), colors.white)]
    t.setStyle(TableStyle(cmds))
    return t


def fit_widths(header: list[str], rows: list[list], widths: list[float], numeric) -> list[float]:
    """Scale ``widths`` to the frame, then widen any column too narrow for a header word or a
    number (no word broken mid-way), taking the room from the text columns with the most slack."""
    scale = FRAME_W / sum(widths)
    widths = [w * scale for w in widths]
    need = []
    for j, h in enumerate(header):
        n = max(text_width(w, FONT_BOLD, 7.5) for w in (clean(h).split() or [""])) + 2 * CELL_PAD + 1
        if j in numeric:
            n = max([n] + [text_width(clean(r[j]), FONT_BOLD, 7.5) + 2 * CELL_PAD + 1 for r in rows if not isinstance(r[j], Paragraph)])
        need.append(n)
    deficit = sum(max(0.0, n - w) for n, w in zip(need, widths))
    if deficit <= 0:
        return widths
    slack = {j: widths[j] - need[j] for j in range(len(widths)) if j not in numeric and widths[j] > need[j]}
    total_slack = sum(slack.values())
    if total_slack <= 0:
        return widths
    take = min(1.0, deficit / total_slack)
    return [max(n, w) if j in numeric or w < n else w - slack.get(j, 0) * take for j, (n, w) in enumerate(zip(need, widths))]


def kv_table(rows: list[tuple[str, object]], widths=(150, 349), mono_rows: set[int] = frozenset()) -> Table:
    """Two columns, label and value, no header."""
    st = styles()
    data = []
    for label, value in rows:
        v = value if isinstance(value, Paragraph) else Paragraph(para_text(value), st["body"])
        data.append([Paragraph(para_text(label), st["kv_label"]), v])
    t = Table(data, colWidths=list(widths), hAlign="LEFT")
    cmds = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, LIGHT_GREY),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
    ]
    t.setStyle(TableStyle(cmds))
    return t


# ---------------------------------------------------------------------------
# words


class Story:
    def __init__(self):
        self.items: list = []
        self._keys = 0

    def add(self, *flowables):
        self.items.extend(flowables)

    def h1(self, text: str, *, contents: bool = True, new_page: bool = True):
        if new_page:
            self.items.append(PageBreak())
        self._keys += 1
        self.items.append(Heading(text, 0, f"s{self._keys}", contents=contents))

    def h2(self, text: str, keep: list | tuple = ()):
        """A subsection heading, kept on one page with the first flowables of ``keep``."""
        self._keys += 1
        self.items.append(CondPageBreak(90))
        heading = Heading(text, 1, f"s{self._keys}")
        if keep:
            self.items.append(KeepTogether([heading, *keep]))
        else:
            self.items.append(heading)

    def p(self, text: str, style: str = "body", markup: bool = False):
        self.items.append(Paragraph(text if markup else para_text(text), styles()[style]))

    def caption(self, text: str):
        self.p(text, "caption")
