"""An official document (党政机关公文, GB/T 9704-2012) written with python-docx.

A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; 22 lines a page; title in
二号 小标宋; body 三号 仿宋 with a fixed line pitch and a two-character first-line indent;
headings 黑体 / 楷体 / 仿宋 bold; page numbers `— N —` in 四号 宋体 on the outside edge.
python-docx sets only Latin font names, so every run also names its East-Asian font
(`w:eastAsia`) and the `zh-CN` language, or Word and WPS fall back to other fonts.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.enum.text import WD_COLOR_INDEX
from docx.shared import Mm, Pt

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONTS = {1: ("黑体", False), 2: ("楷体_GB2312", False), 3: (BODY_FONT, True)}
PAGE_NUMBER_FONT = "宋体"
BODY_SIZE = Pt(16)       # 三号
TITLE_SIZE = Pt(22)      # 二号
TABLE_SIZE = Pt(12)      # 小四
PAGE_NUMBER_SIZE = Pt(14)  # 四号
LINE_PITCH = Pt(28.95)   # 22 lines in the 225 mm type area
TYPE_WIDTH = Mm(156)     # 210 mm less the margins
# a paragraph that opens with its own heading: （一）…。 (level 2) or 1.…。 (level 3)
RUN_IN = re.compile(r"^(?P<head>(?:（[一二三四五六七八九十]+）|\d+[.．、])[^。！？]{1,40}。)(?P<rest>.*)$")
PENDING = re.compile(r"(【待补充：[^】]*】)")


def set_font(run_or_style, name: str, size: Pt | None = None, bold: bool | None = None) -> None:
    """Name a font for Latin and East-Asian text alike, and mark the text as zh-CN."""
    font = run_or_style.font
    font.name = name
    if size is not None:
        font.size = size
    if bold is not None:
        font.bold = bold
    rpr = run_or_style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _fixed_spacing(paragraph, indent: bool = True) -> None:
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_PITCH
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = BODY_SIZE * 2


def _page_number_field(paragraph) -> None:
    """`— N —` with N a PAGE field."""
    def run(text: str | None = None):
        r = paragraph.add_run(text)
        set_font(r, PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
        return r

    run("— ")
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        r = run()
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            r._r.append(char)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            r._r.append(instr)
    run(" —")


class OfficialDocument:
    """Builds a report paragraph by paragraph in the official layout."""

    def __init__(self) -> None:
        self.doc = Document()
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.footer_distance = Mm(28) - Pt(14)
        grid = section._sectPr.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            section._sectPr.append(grid)
        grid.set(qn("w:type"), "lines")
        grid.set(qn("w:linePitch"), str(int(LINE_PITCH.pt * 20)))

        normal = self.doc.styles["Normal"]
        set_font(normal, BODY_FONT, BODY_SIZE)

        # page numbers on the outside edge: right on odd pages, left on even ones
        self.doc.settings.odd_and_even_pages_header_footer = True
        for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                              (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
            paragraph = footer.paragraphs[0]
            paragraph.alignment = align
            _page_number_field(paragraph)

    def title(self, text: str) -> None:
        paragraph = self.doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _fixed_spacing(paragraph, indent=False)
        paragraph.paragraph_format.line_spacing = Pt(36)
        paragraph.paragraph_format.space_after = LINE_PITCH
        set_font(paragraph.add_run(text), TITLE_FONT, TITLE_SIZE)

    def heading(self, text: str, level: int = 1) -> None:
        paragraph = self.doc.add_paragraph()
        _fixed_spacing(paragraph)
        font, bold = HEADING_FONTS[level]
        set_font(paragraph.add_run(text), font, BODY_SIZE, bold)

    def paragraph(self, text: str) -> None:
        """A body paragraph; one that opens with （一）…。 or 1.…。 sets that part as its heading.

        Text still to be written by an analyst (【待补充：…】) is highlighted.
        """
        paragraph = self.doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        _fixed_spacing(paragraph)
        run_in = RUN_IN.match(text)
        if run_in:
            level = 2 if run_in["head"].startswith("（") else 3
            font, bold = HEADING_FONTS[level]
            set_font(paragraph.add_run(run_in["head"]), font, BODY_SIZE, bold)
            text = run_in["rest"]
        for part in PENDING.split(text):
            if part:
                run = paragraph.add_run(part)
                set_font(run, BODY_FONT, BODY_SIZE)
                if PENDING.fullmatch(part):
                    run.font.highlight_color = WD_COLOR_INDEX.YELLOW

    def _caption(self, caption: str | None) -> None:
        if caption:
            paragraph = self.doc.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _fixed_spacing(paragraph, indent=False)
            set_font(paragraph.add_run(caption), "黑体", TABLE_SIZE)

    def chart(self, png: bytes, caption: str | None = None) -> None:
        """A chart, centred across the type area, its caption above it like a table's."""
        self._caption(caption)
        paragraph = self.doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run().add_picture(io.BytesIO(png), width=TYPE_WIDTH)

    def table(self, header: list[str], rows: list[list], caption: str | None = None) -> None:
        """A bordered table, header row bold, numbers right-aligned; built row by row."""
        self._caption(caption)
        table = self.doc.add_table(rows=0, cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for values, bold in [(header, True)] + [(r, False) for r in rows]:
            cells = table.add_row().cells
            for cell, value in zip(cells, values):
                paragraph = cell.paragraphs[0]
                numeric = isinstance(value, (int, float))
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if numeric and not bold else WD_ALIGN_PARAGRAPH.CENTER
                set_font(paragraph.add_run(str(value)), BODY_FONT, TABLE_SIZE, bold)

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.doc.save(str(path))
        return path
