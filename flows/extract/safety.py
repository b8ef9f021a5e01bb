"""What a file really is, decided from its bytes, and whether it is safe to parse.

Runs before any parser: a file's name may lie (an .xls renamed .xlsx, a web page saved
as .xls), and a hostile file must not take the run down. Zip containers (xlsx, xlsm,
docx) are checked for entry count, total and per-entry uncompressed size and compression
ratio, XML entity declarations (billion laughs, XXE) and declared sheet dimensions, all
without inflating more than a few kilobytes. Each refusal says why in plain Chinese.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from flows.extract.grids import OLE_MAGIC, ZIP_MAGIC
from flows.extract.refusals import Refused


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 512 * 2**20
    max_entries: int = 5_000
    max_uncompressed: int = 2 * 2**30       # all entries together
    max_ratio: int = 250                    # uncompressed / compressed, per large entry
    max_cells: int = 60_000_000             # declared sheet dimensions, rows × columns
    head_bytes: int = 4096                  # how much of each XML part is inspected


LIMITS = Limits()

# the formats a file may turn out to be
XLSX, XLS, DOCX, CSV = "xlsx", "xls", "docx", "csv"

_DIMENSION = re.compile(rb'<dimension\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_ENTITY = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def _column_number(letters: bytes) -> int:
    n = 0
    for char in letters.decode():
        n = n * 26 + ord(char) - 64
    return n


def _check_zip(path: Path, limits: Limits) -> str:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise Refused("文件已损坏：不是完整的 Office 文件（zip 结构无法读取），请重新保存后提交", "corrupt") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.max_entries:
            raise Refused(f"文件结构异常：包含 {len(entries)} 个内部条目（上限 {limits.max_entries}），已拒收", "archive_bomb")
        total = sum(e.file_size for e in entries)
        if total > limits.max_uncompressed:
            raise Refused(f"文件解压后过大（{total / 2**30:.1f} GB，上限 {limits.max_uncompressed / 2**30:.0f} GB），疑似压缩炸弹，已拒收", "archive_bomb")
        for entry in entries:
            if entry.file_size > 2**20 and entry.file_size > limits.max_ratio * max(entry.compress_size, 1):
                raise Refused(f"文件内部条目 {entry.filename} 压缩比异常（{entry.file_size // max(entry.compress_size, 1)} 倍），"
                              "疑似压缩炸弹，已拒收", "archive_bomb")
        names = {e.filename for e in entries}
        kind = XLSX if "xl/workbook.xml" in names else DOCX if "word/document.xml" in names else None
        if kind is None:
            raise Refused("文件是 zip 压缩包，但不是 Excel 工作簿或 Word 文档", "not_office")
        for entry in entries:
            if not entry.filename.endswith((".xml", ".rels")):
                continue
            try:
                head = _head(archive, entry, limits.head_bytes)
            except (zipfile.BadZipFile, OSError, EOFError):
                raise Refused(f"文件已损坏：内部条目 {entry.filename} 无法读取", "corrupt") from None
            if _ENTITY.search(head):
                raise Refused("文件含有 XML 实体声明（DOCTYPE/ENTITY），正常的 Office 文件不会有，已拒收", "xml_entities")
            if entry.filename.startswith("xl/worksheets/"):
                dims = _DIMENSION.search(head)
                if dims and dims.group(3):
                    rows = int(dims.group(4)) - int(dims.group(2)) + 1
                    cols = _column_number(dims.group(3)) - _column_number(dims.group(1)) + 1
                    if rows * cols > limits.max_cells:
                        raise Refused(f"工作表 {entry.filename} 声明的范围过大（{rows} 行 × {cols} 列），"
                                      "请删除多余的空行空列后提交", "sheet_too_large")
    return kind


_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, …, name and extra field lengths


def _head(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, size: int) -> bytes:
    """The first `size` bytes of an entry, inflated from its raw bytes: `archive.open` costs
    ≈ 20 µs an entry in Python, most of what checking a small workbook costs. An entry that
    is not plainly stored or deflated (encrypted, another method) or does not inflate is read
    through `archive.open`, which says what is wrong with it."""
    if entry.flag_bits & 1 == 0 and entry.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        handle = archive.fp
        handle.seek(entry.header_offset)
        signature, name_length, extra_length = _LOCAL_HEADER.unpack(handle.read(_LOCAL_HEADER.size))
        if signature == zipfile.stringFileHeader:
            handle.seek(name_length + extra_length, 1)
            # deflate needs at most about two bytes in for a byte out (15-bit codes), plus block headers
            raw = handle.read(min(entry.compress_size, 2 * size + 1024))
            if entry.compress_type == zipfile.ZIP_STORED:
                return raw[:size]
            try:
                return zlib.decompressobj(-15).decompress(raw, size)
            except zlib.error:
                pass
    with archive.open(entry) as part:
        return part.read(size)


def _check_ole(path: Path) -> str:
    import olefile

    try:
        ole = olefile.OleFileIO(str(path))
    except OSError:
        raise Refused("文件已损坏：旧版 Office 文件结构无法读取", "corrupt") from None
    with ole:
        streams = {"/".join(s) for s in ole.listdir()}
    if "EncryptedPackage" in streams or "EncryptionInfo" in streams:
        raise Refused("工作簿设置了打开密码（已加密），无法读取；请取消密码后重新提交", "encrypted")
    if "WordDocument" in streams:
        raise Refused("这是旧版 Word 文档（.doc），请另存为 .docx 后提交", "old_word")
    if "Workbook" in streams or "Book" in streams:
        return XLS
    raise Refused("文件是旧版 Office 格式，但不是 Excel 工作簿", "not_office")


_HTML = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?<(!doctype\s+html|html|table|head|body|meta)", re.IGNORECASE)


def sniff(path: Path, limits: Limits = LIMITS) -> str:
    """The file's real format (xlsx, xls, docx, csv), or `Refused` with the reason."""
    size = path.stat().st_size
    if size == 0:
        raise Refused("文件为空", "empty")
    if size > limits.max_file_bytes:
        raise Refused(f"文件过大（{size / 2**20:.0f} MB，上限 {limits.max_file_bytes / 2**20:.0f} MB）", "too_large")
    with open(path, "rb") as handle:
        head = handle.read(512)
    if head.startswith(ZIP_MAGIC):
        return _check_zip(path, limits)
    if head.startswith(OLE_MAGIC):
        return _check_ole(path)
    if _HTML.match(head.lstrip(b"\xef\xbb\xbf")):
        raise Refused("这是网页（HTML）文件，只是扩展名像 Excel；请用 Excel 打开后“另存为” .xlsx 再提交", "web_page")
    if head.startswith(b"%PDF"):
        raise Refused("这是 PDF 文件，无法读取表格数据；请提交 Excel 或 Word 原件", "pdf")
    if b"\x00" in head:
        raise Refused("无法识别的二进制文件，不是 Excel、Word 或 CSV", "unknown_binary")
    return CSV
