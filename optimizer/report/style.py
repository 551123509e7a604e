"""Fonts, colours, paragraph styles and text helpers shared by the report's parts.

The report embeds Bitstream Vera (shipped inside reportlab), so it looks the
same on every machine and needs no system fonts.  Text a font cannot draw is
transliterated (``Hà Nội`` -> ``Ha Noi``) or replaced by ``?``, never dropped
silently as an empty box.
"""

from __future__ import annotations

import os
import unicodedata
from functools import lru_cache
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT = "FPVera"
FONT_BOLD = "FPVera-Bold"
FONT_ITALIC = "FPVera-Italic"
FONT_BOLD_ITALIC = "FPVera-BoldItalic"
MONO = "Courier"  # standard PDF font; used only for ASCII (hashes)

NAVY = colors.HexColor("#1F3864")
BLUE = colors.HexColor("#2F5597")
LAND = colors.HexColor("#7F8F3F")
SEA = colors.HexColor("#2E75B6")
AIR = colors.HexColor("#9DC3E6")
DOMAIN_COLOURS = {"land": LAND, "sea": SEA, "air": AIR}
GREY = colors.HexColor("#7F7F7F")
LIGHT_GREY = colors.HexColor("#D9D9D9")
ZEBRA = colors.HexColor("#F2F2F2")
SHORT_FILL = colors.HexColor("#F8CBAD")  # the same highlight as plan.xlsx
SHORT_TEXT = colors.HexColor("#C00000")
OK_TEXT = colors.HexColor("#375623")
RISK_FILL = {1: colors.HexColor("#E2EFDA"), 2: colors.HexColor("#FFF2CC"), 3: colors.HexColor("#FBE5D6")}
RISK_EDGE = {1: colors.HexColor("#70AD47"), 2: colors.HexColor("#BF9000"), 3: colors.HexColor("#C55A11")}


@lru_cache(maxsize=1)
def register_fonts() -> None:
    folder = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    for name, file in ((FONT, "Vera.ttf"), (FONT_BOLD, "VeraBd.ttf"), (FONT_ITALIC, "VeraIt.ttf"), (FONT_BOLD_ITALIC, "VeraBI.ttf")):
        pdfmetrics.registerFont(TTFont(name, os.path.join(folder, file)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD_ITALIC)


@lru_cache(maxsize=1)
def _drawable() -> frozenset[int]:
    register_fonts()
    face = pdfmetrics.getFont(FONT).face
    return frozenset(face.charToGlyph)


def clean(value) -> str:
    """Any value as text the embedded font can draw (no control characters)."""
    text = "" if value is None else str(value)
    ok = _drawable()
    out = []
    for ch in text:
        if ch in "\t\n\r":
            out.append(" ")
        elif ord(ch) < 32:
            continue
        elif ord(ch) in ok:
            out.append(ch)
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if ord(c) in ok and not unicodedata.combining(c))
            out.append(base or "?")
    return "".join(out)


def para_text(value) -> str:
    """Text for a Paragraph: cleaned, with the XML markup characters escaped."""
    return escape(clean(value))


def width(text: str, font: str = FONT, size: float = 8) -> float:
    return pdfmetrics.stringWidth(text, font, size)


def fit(text: str, max_width: float, font: str = FONT, size: float = 8) -> str:
    """Shorten ``text`` with an ellipsis so it fits ``max_width`` points."""
    text = clean(text)
    if width(text, font, size) <= max_width:
        return text
    while text and width(text + "…", font, size) > max_width:
        text = text[:-1]
    return text.rstrip() + "…"


# ---- numbers ---------------------------------------------------------------


def num(value) -> str:
    """Whole numbers with thousands separators; '—' for missing."""
    if value is None:
        return "—"
    return f"{round(float(value)):,}"


def signed(value) -> str:
    """+941 / −3,232 (a true minus sign)."""
    if value is None:
        return "—"
    return f"{float(value):+,.0f}".replace("-", "\u2212")


def money(value, decimals: int = 1) -> str:
    if value is None:
        return "—"
    return f"{float(value):,.{decimals}f}"


def pct(value, decimals: int = 0) -> str:
    """A share (0.83) as '83 %'."""
    if value is None:
        return "—"
    return f"{100 * float(value):.{decimals}f}\u00a0%"


def yes_no(value) -> str:
    return "yes" if value else "no"


# ---- paragraph styles ------------------------------------------------------


@lru_cache(maxsize=1)
def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12.5, spaceAfter=5, textColor=colors.black)
    s = {
        "body": base,
        "lead": ParagraphStyle("lead", parent=base, fontSize=10.5, leading=15, spaceAfter=8),
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5, spaceAfter=3, textColor=GREY),
        "note": ParagraphStyle("note", parent=base, fontSize=8, leading=10.5, spaceBefore=4, spaceAfter=4, textColor=colors.HexColor("#404040")),
        "kv_label": ParagraphStyle("kv_label", parent=base, fontName=FONT_BOLD, fontSize=8, leading=12.5, spaceAfter=0),
        "bullet": ParagraphStyle("bullet", parent=base, leftIndent=12, bulletIndent=2, spaceAfter=2),
        "h1": ParagraphStyle("h1", parent=base, fontName=FONT_BOLD, fontSize=15, leading=19, spaceBefore=4, spaceAfter=8, textColor=NAVY),
        "h2": ParagraphStyle("h2", parent=base, fontName=FONT_BOLD, fontSize=11, leading=14, spaceBefore=10, spaceAfter=5, textColor=NAVY),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=24, leading=30, spaceAfter=6, textColor=NAVY),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=13, leading=17, spaceAfter=18, textColor=BLUE),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9, spaceAfter=0),
        "cell_bold": ParagraphStyle("cell_bold", parent=base, fontName=FONT_BOLD, fontSize=7.5, leading=9, spaceAfter=0),
        "cell_right": ParagraphStyle("cell_right", parent=base, fontSize=7.5, leading=9, spaceAfter=0, alignment=TA_RIGHT),
        "head": ParagraphStyle("head", parent=base, fontName=FONT_BOLD, fontSize=7.5, leading=9, spaceAfter=0, textColor=colors.white),
        "head_right": ParagraphStyle("head_right", parent=base, fontName=FONT_BOLD, fontSize=7.5, leading=9, spaceAfter=0, textColor=colors.white, alignment=TA_RIGHT),
        "caption": ParagraphStyle("caption", parent=base, fontName=FONT_ITALIC, fontSize=7.5, leading=9.5, spaceBefore=2, spaceAfter=8, textColor=GREY, alignment=TA_LEFT),
        "figure_big": ParagraphStyle("figure_big", parent=base, fontName=FONT_BOLD, fontSize=20, leading=24, alignment=TA_CENTER, textColor=NAVY, spaceAfter=0),
        "figure_label": ParagraphStyle("figure_label", parent=base, fontSize=7.5, leading=9.5, alignment=TA_CENTER, textColor=GREY, spaceAfter=0),
        "toc0": ParagraphStyle("toc0", parent=base, fontName=FONT_BOLD, fontSize=10, leading=15, leftIndent=0, firstLineIndent=0),
        "toc1": ParagraphStyle("toc1", parent=base, fontSize=9, leading=12.5, leftIndent=16, firstLineIndent=0),
    }
    return s
