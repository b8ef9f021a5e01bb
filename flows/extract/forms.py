"""Word forms (Source 2): each table of label and value cells becomes a one-record grid.

A form table holds labels and values side by side, two or four cells to a row, some value
cells merged across the row (python-docx then repeats the same cell). Text inside content
controls counts as cell text. The document's paragraphs (the form's title, 填报日期 …)
become title rows above the labels, so the same header and title logic applies as for
sheets. A record's place is the table: sheet `表格N`, row 1.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.oxml.ns import qn

from flows.extract.grids import Grid, text_table
from flows.extract.refusals import Refused
from flows.extract.normalise import clean_text


def _text(element) -> str | None:
    """All text inside an element, content controls included, paragraphs joined by line breaks."""
    paragraphs = ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in element.iter(qn("w:p"))]
    return clean_text("\n".join(paragraphs))


def _label_value_pairs(table) -> list[tuple[str, str | None]]:
    pairs = []
    for row in table._tbl.xpath("./w:tr"):
        # a merged cell is one w:tc; a cell may sit inside a content control (w:sdt)
        cells = [_text(tc) for tc in row.xpath("./w:tc | ./w:sdt/w:sdtContent/w:tc")]
        for i in range(0, len(cells) - 1, 2):
            if cells[i]:
                pairs.append((cells[i], cells[i + 1]))
    return pairs


def read_forms(path: Path) -> list[Grid]:
    """One grid per form table: title rows, then a row of labels, then a row of values."""
    try:
        document = Document(str(path))
    except Exception as error:
        raise Refused(f"Word 文档已损坏，无法读取（{str(error).splitlines()[0]}）", "corrupt") from error
    titles = [t for t in (_text(p._p) for p in document.paragraphs) if t]
    grids = []
    for number, table in enumerate(document.tables, start=1):
        pairs = _label_value_pairs(table)
        if not pairs:
            continue
        width = len(pairs)
        rows = [[title] + [None] * (width - 1) for title in titles]
        rows += [[label for label, _ in pairs], [value for _, value in pairs]]
        # the record is row 1 of 表格N: labels in row 0, the title rows above them
        grids.append(Grid(f"表格{number}", text_table(rows), first_row=-len(titles)))
    return grids
