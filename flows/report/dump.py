"""A report as text: its headings, paragraphs and table rows in document order.

What a reader sees, without the layout: used by the golden-text tests and handy to diff two
builds (`python -m flows.report.dump REPORT.docx`).
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn


def dump(path: Path) -> str:
    """One line per paragraph; table rows as cells joined by ' | '; a picture as [图]."""
    document = Document(str(path))
    lines = []
    for block in document.element.body.iterchildren():
        if block.tag == qn("w:p"):
            text = "".join(t.text or "" for t in block.iter(qn("w:t")))
            if block.findall(".//" + qn("w:drawing")):
                text = (text + "[图]").strip()
            if text:
                lines.append(text)
        elif block.tag == qn("w:tbl"):
            for row in block.iter(qn("w:tr")):
                cells = ["".join(t.text or "" for t in cell.iter(qn("w:t"))) for cell in row.iter(qn("w:tc"))]
                lines.append(" | ".join(cells))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    for name in sys.argv[1:]:
        sys.stdout.write(dump(Path(name)))
