"""Why a whole file is refused: the one fixed list every refusal comes from
(`raw.files.refusal_kind`), and the exception the readers, the format checks (`safety.py`)
and the extractor raise with a plain-Chinese sentence and one of its kinds."""

from __future__ import annotations

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
    "by_number": "问卷星“按序号”导出（选项为数字）",
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
