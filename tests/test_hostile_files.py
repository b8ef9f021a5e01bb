"""Broken, disguised and hostile files: each gets a precise answer, none takes the run down."""

import shutil
import subprocess
import sys
import zipfile
from datetime import date

import pytest

from flows.extract import extract_file
from flows.workers import extract_many
from workbooks import LEDGER_HEADER, abort_on_poison, rewrite_zip, write_xlsx

ROWS = [LEDGER_HEADER, [1, date(2021, 3, 5), "集体学习", "集体学习（第1次）", "办公室", None, None, 12]]


@pytest.fixture
def ledger(tmp_path):
    return write_xlsx(tmp_path / "办公室2021年3月学习台账.xlsx", {"台账": ROWS})


def refusal(path):
    read = extract_file(path)
    assert read.tables == {} and read.source is None
    return read.refusal


def test_zip_bomb_is_refused_before_parsing(tmp_path, ledger):
    bomb = rewrite_zip(ledger, tmp_path / "bomb.xlsx", add={"xl/media/padding.bin": b"\0" * (64 * 2**20)})
    assert refusal(bomb).startswith("文件内部条目 xl/media/padding.bin 压缩比异常")


def test_the_checks_see_each_entry_s_first_bytes_as_zipfile_reads_them(samples, ledger):
    """The XML heads are inflated straight from the entries' raw bytes, not through
    `ZipFile.open`: the same bytes, stored entries and deflated ones alike."""
    from flows.extract.safety import LIMITS, _head

    stored = ledger.with_name("stored.xlsx")
    with zipfile.ZipFile(ledger) as source, zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as target:
        for entry in source.infolist():
            target.writestr(entry.filename, source.read(entry))
    for path in [stored, *sorted(samples.rglob("*.xlsx")), *sorted(samples.rglob("*.docx"))]:
        with zipfile.ZipFile(path) as archive:
            for entry in archive.infolist():
                with archive.open(entry) as part:
                    assert _head(archive, entry, LIMITS.head_bytes) == part.read(LIMITS.head_bytes), (path, entry)


def test_too_many_entries_are_refused(tmp_path, ledger):
    crowded = rewrite_zip(ledger, tmp_path / "crowded.xlsx", add={f"xl/media/{i}.bin": b"x" for i in range(5001)})
    assert refusal(crowded).startswith("文件结构异常：包含 50")


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"])
def test_billion_laughs_in_a_workbook_is_refused(tmp_path, ledger, part):
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')
    with zipfile.ZipFile(ledger) as z:
        original = z.read(part)
    hostile = rewrite_zip(ledger, tmp_path / "laughs.xlsx", change={part: laughs + original.split(b"?>", 1)[1]})
    assert refusal(hostile) == "文件含有 XML 实体声明（DOCTYPE/ENTITY），正常的 Office 文件不会有，已拒收"


def test_xxe_in_a_word_form_is_refused(tmp_path, samples):
    source = samples / "党课登记表-2022-06-30-张建国.docx"
    with zipfile.ZipFile(source) as z:
        body = z.read("word/document.xml").split(b"?>", 1)[1]
    xxe = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + body
    hostile = rewrite_zip(source, tmp_path / "xxe.docx", change={"word/document.xml": xxe})
    assert refusal(hostile) == "文件含有 XML 实体声明（DOCTYPE/ENTITY），正常的 Office 文件不会有，已拒收"


def test_a_sheet_declaring_a_cell_at_xfd1048576_is_refused(tmp_path, ledger):
    with zipfile.ZipFile(ledger) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    start, end = sheet.index(b"<dimension"), sheet.index(b"/>", sheet.index(b"<dimension")) + 2
    huge = sheet[:start] + b'<dimension ref="A1:XFD1048576"/>' + sheet[end:]
    hostile = rewrite_zip(ledger, tmp_path / "huge.xlsx", change={"xl/worksheets/sheet1.xml": huge})
    assert refusal(hostile) == "工作表 xl/worksheets/sheet1.xml 声明的范围过大（1048576 行 × 16384 列），请删除多余的空行空列后提交"


def test_a_truncated_workbook_is_refused(tmp_path, ledger):
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(ledger.read_bytes()[: ledger.stat().st_size // 2])
    assert refusal(truncated) == "文件已损坏：不是完整的 Office 文件（zip 结构无法读取），请重新保存后提交"


def test_an_encrypted_workbook_gets_asked_for_without_password(tmp_path, ledger):
    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = tmp_path / "加密台账.xlsx"
    with open(ledger, "rb") as plain, open(encrypted, "wb") as out:
        OOXMLFile(plain).encrypt("123456", out)
    assert refusal(encrypted) == "工作簿设置了打开密码（已加密），无法读取；请取消密码后重新提交"


def test_a_web_page_saved_as_xls_is_named_as_such(tmp_path):
    page = tmp_path / "导出数据.xls"
    page.write_text("<html><head><meta charset='utf-8'></head><body><table><tr><td>活动日期</td></tr></table></body></html>",
                    encoding="utf-8")
    assert refusal(page) == "这是网页（HTML）文件，只是扩展名像 Excel；请用 Excel 打开后“另存为” .xlsx 再提交"


def test_a_pdf_is_named_as_such(tmp_path):
    pdf = tmp_path / "台账.xlsx"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    assert refusal(pdf) == "这是 PDF 文件，无法读取表格数据；请提交 Excel 或 Word 原件"


def test_an_old_binary_workbook_renamed_xlsx_is_read_by_its_bytes(tmp_path, samples):
    renamed = shutil.copy(samples / "普及部2022年宣讲活动台账.xls", tmp_path / "普及部2022年宣讲活动台账.xlsx")
    read = extract_file(renamed)
    assert read.format == "xls" and read.tables["activity_rows"].num_rows == 12
    assert read.notes == ["扩展名为“.xlsx”，实际是 xls 文件，已按实际格式读取"]


def test_a_workbook_renamed_xls_and_a_macro_workbook_are_read(tmp_path, ledger):
    for name in ("办公室2021年3月学习台账.xls", "办公室2021年3月学习台账.xlsm"):
        read = extract_file(shutil.copy(ledger, tmp_path / name))
        assert read.tables["activity_rows"].num_rows == 1 and read.refusal is None


def test_a_crashing_parser_costs_one_file_not_the_run(tmp_path, ledger):
    paths = [shutil.copy(ledger, tmp_path / f"{name}.xlsx") for name in ("a", "poison", "b", "c")]
    reads = extract_many(paths, workers=2, reader=abort_on_poison)
    assert [r.path.name for r in reads] == ["a.xlsx", "poison.xlsx", "b.xlsx", "c.xlsx"]
    assert [r.rows for r in reads] == [1, 0, 1, 1]
    assert reads[1].refusal == "读取时解析程序异常退出（文件结构异常或过大），已拒收；请检查文件后重新保存提交"
    # the pool recovers for the next batch
    assert [r.rows for r in extract_many(paths[:1], workers=2, reader=abort_on_poison)] == [1]


def test_workers_that_cannot_start_fail_the_run_instead_of_refusing_every_file(tmp_path, ledger):
    """A program fed on stdin cannot start workers (they re-import `__main__` by path): that
    is said plainly, not blamed on the files as parser crashes."""
    script = ("from pathlib import Path\n"
              "from flows.workers import WorkersUnavailable, extract_many\n"
              "try:\n"
              f"    print([r.refusal_kind for r in extract_many([Path({str(ledger)!r})])])\n"
              "except WorkersUnavailable as error:\n"
              "    print('unavailable:', error)\n")
    done = subprocess.run([sys.executable, "-"], input=script, capture_output=True, text=True, cwd=tmp_path,
                          timeout=120)
    assert done.stdout.startswith("unavailable: 无法启动读取文件的工作进程"), done.stdout + done.stderr[-2000:]
