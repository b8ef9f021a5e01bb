"""The judgement an analyst writes per report: opening paragraph, 存在不足, 下一步打算 ….

Figures come from the warehouse; judgement does not. For each report, analysts write a
Markdown file named like the report (`reports/notes/XX市社科联_年度总结_2021.md`), one
`## KEY` section per `@note KEY` of the template, its lines the paragraphs. A section that is
missing or empty leaves `【待补充：KEY】` in the report, and the run lists what is missing.
"""

from __future__ import annotations

import re
from pathlib import Path

SECTION = re.compile(r"^##\s+(?P<key>.+?)\s*$")


def placeholder(key: str) -> str:
    return f"【待补充：{key}】"


def read_notes(path: Path) -> dict[str, list[str]]:
    """Section key → its paragraphs (non-empty lines), from a notes file; {} when there is none."""
    if not path.exists():
        return {}
    notes: dict[str, list[str]] = {}
    key = None
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        heading = SECTION.match(line)
        if heading:
            key = heading["key"]
            notes[key] = []
        elif key is not None and line.strip() and not line.lstrip().startswith("<!--"):
            notes[key].append(line.strip())
    return {key: paragraphs for key, paragraphs in notes.items() if paragraphs}


def skeleton(keys: list[str]) -> str:
    """A notes file to start from: one section per key the template asks for."""
    return "\n\n".join(f"## {key}\n\n{placeholder(key)}" for key in keys) + "\n"
