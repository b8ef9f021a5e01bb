"""Readers: one per file format, each turning a file into grids of text cells.

A `Grid` is one sheet as a person sees it in Excel: the index is the row number shown in
Excel (1-based) and the columns are the column letters. Every cell is text or None;
typing is the normalisers' job. Readers know nothing of sources, Prefect or DuckDB.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd


# why a whole file is refused: the fixed list every refusal comes from (raw.files.refusal_kind)
REFUSAL_KINDS = {
    "empty": "文件为空",
    "too_large": "文件过大",
    "unsupported_type": "不支持的文件类型",
    "web_page": "网页文件冒充 Excel",
    "pdf": "PDF 文件",
    "unknown_binary": "无法识别的文件",
    "old_word": "旧版 Word 文档（.doc）",
    "not_office": "不是 Excel 工作簿或 Word 文档",
    "encrypted": "设置了密码（已加密）",
    "corrupt": "文件已损坏",
    "archive_bomb": "压缩结构异常（疑似压缩炸弹）",
    "xml_entities": "含 XML 实体声明",
    "sheet_too_large": "工作表声明的范围过大",
    "encoding": "无法识别文件编码",
    "csv_format": "CSV 格式错误",
    "no_header": "没有可识别的表头",
    "no_rows": "表头下没有数据行",
    "parser_crash": "解析程序异常退出",
    "unreadable": "文件无法读取",
}


class Refused(Exception):
    """A file that cannot be read at all; the message says why, in plain Chinese; `kind` is from REFUSAL_KINDS."""

    def __init__(self, message: str, kind: str = "unreadable"):
        if kind not in REFUSAL_KINDS:
            raise ValueError(f"unknown refusal kind {kind!r}")
        super().__init__(message)
        self.kind = kind


@dataclass
class Grid:
    sheet: str
    cells: pd.DataFrame | None  # text cells (Arrow-backed str, missing = NA); None when not read
    hidden: bool = False


def text_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """Cells as Arrow-backed text, columns named by letter, index the row number Excel shows."""
    frame = rows.astype("str")
    frame.columns = [column_letter(i) for i in range(frame.shape[1])]
    return frame.where(frame != "")  # an empty cell is a missing cell


def as_objects(frame: pd.DataFrame) -> pd.DataFrame:
    """A few rows as plain Python values (None for missing), for row-by-row logic."""
    return pd.DataFrame(frame.to_numpy(dtype=object, na_value=None), index=frame.index, columns=frame.columns,
                        dtype=object)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_workbook(path: Path) -> list[Grid]:
    """Every sheet of an .xlsx/.xlsm/.xls workbook (calamine: data only, macros never run).

    The bytes are handed over rather than the path, so that calamine picks the format from
    the content and not from the (possibly wrong) file extension.
    """
    import fastexcel

    try:
        reader = fastexcel.read_excel(path.read_bytes())
    except Exception as error:  # calamine's errors are precise but English
        message = str(error).splitlines()[0]
        if "password" in message.lower() or "encrypt" in message.lower():
            raise Refused("工作簿设置了密码（已加密），无法读取；请取消密码后重新提交", "encrypted") from error
        raise Refused(f"工作簿已损坏，无法读取（{message}）", "corrupt") from error
    grids = []
    for name in reader.sheet_names:
        # skip_rows=0 keeps leading blank rows, so positions are the ones Excel shows
        sheet = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
        if sheet.visible != "visible":
            grids.append(Grid(name, None, hidden=True))
            continue
        frame = sheet.to_arrow().to_pandas()  # every column is text: Arrow-backed str, cheap
        frame.columns = [column_letter(c.absolute_index) for c in sheet.available_columns()]
        frame.index = pd.RangeIndex(1, len(frame) + 1)
        grids.append(Grid(name, frame))
    return grids


def read_csv(path: Path) -> list[Grid]:
    """A .csv in UTF-8 (with or without BOM) or GBK/GB18030, as one grid."""
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Refused("无法识别文件编码（应为 UTF-8 或 GBK）", "encoding")
    try:
        rows = list(csv.reader(io.StringIO(text)))  # rows may differ in length (title rows)
    except csv.Error as error:
        raise Refused(f"CSV 文件格式错误：{error}", "csv_format") from error
    width = max((len(row) for row in rows), default=0)
    frame = text_frame(pd.DataFrame([row + [""] * (width - len(row)) for row in rows], dtype=object))
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return [Grid(path.stem, frame)]
