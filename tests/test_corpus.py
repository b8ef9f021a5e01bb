"""A corpus of malformed files, generated here, ingested in one run: every file ends loaded (with
rows) or refused with a reason from the fixed list, none silently empty, and the run survives."""

import resource
import shutil
import zipfile
from datetime import date
from pathlib import Path

import duckdb

from flows.extract.refusals import REFUSAL_KINDS
from flows.pipeline import ingest
from workbooks import LEDGER_HEADER, rewrite_zip, write_csv, write_xlsx

ROW = [1, date(2021, 3, 5), "集体学习", "集体学习（第1次）", "办公室", None, None, 12]
TITLE = [["办公室2021年3月学习活动台账"], ["填报单位：办公室", None, None, "填报日期：2021年3月31日"]]
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')


def row(n: int, day=None, participants=12, title=None):
    return [n, day or date(2021, 3, n + 1), "集体学习", title or f"集体学习（第{n}次）", "办公室", None, None, participants]


def corpus(folder: Path, samples: Path) -> dict[str, str]:
    """Write the corpus; file name → what must become of it: 'loaded' or a refusal kind."""
    expect: dict[str, str] = {}

    def ledger(name: str, sheets: dict, outcome: str = "loaded", **kwargs) -> Path:
        path = write_xlsx(folder / name, sheets, **kwargs)
        expect[name] = outcome
        return path

    def raw(name: str, data: bytes, outcome: str) -> Path:
        (folder / name).write_bytes(data)
        expect[name] = outcome
        return folder / name

    # what real sheets look like (sources.md): all of these load
    base = ledger("办公室2021年3月学习台账.xlsx", {"台账": [LEDGER_HEADER, row(1)]})
    ledger("办公室2021年4月学习台账（标题行）.xlsx", {"台账": [*TITLE, LEDGER_HEADER, row(1, date(2021, 4, 2))]})
    ledger("办公室2021年5月学习台账（同义表头）.xlsx", {"台账": [
        ["序号", "日期", "类型", "活动主题", "单位", "主讲", "职务", "人数"], row(1, date(2021, 5, 6))]})
    ledger("办公室2021年6月学习台账（空行）.xlsx", {"台账": [LEDGER_HEADER, [], row(1, date(2021, 6, 2)), [], [],
                                                       row(2, date(2021, 6, 3))]})
    ledger("办公室2021年7月学习台账（合计）.xlsx", {"台账": [LEDGER_HEADER, row(1, date(2021, 7, 2)),
                                                       ["合计", None, None, None, None, None, None, 12]]})
    ledger("办公室2021年8月学习台账（备注行）.xlsx", {"台账": [LEDGER_HEADER, row(1, date(2021, 8, 2)),
                                                        ["备注：本表由办公室填写"], ["填表说明：每月5日前报送"]]})
    ledger("办公室2021年9月学习台账（隐藏表）.xlsx", {"旧表": [LEDGER_HEADER, row(9, date(2021, 9, 9))],
                                                     "台账": [LEDGER_HEADER, row(1, date(2021, 9, 2))]}, hidden=("旧表",))
    ledger("办公室2021年10月学习台账（第二张表）.xlsx", {"说明": [["本台账第二张表为数据"]],
                                                        "台账": [LEDGER_HEADER, row(1, date(2021, 10, 2))]})
    ledger("办公室2021年11月学习台账（两行表头）.xlsx", {"台账": [
        ["序号", "活动信息", None, None, "组织单位", "主讲人信息", None, "参加人数"],
        ["", "活动日期", "活动类型", "活动名称", "", "主讲人", "主讲人职务", ""], row(1, date(2021, 11, 2))]})
    ledger("办公室2021年12月学习台账（文本日期）.xlsx", {"台账": [LEDGER_HEADER, row(1, "2021/12/3"), row(2, "2021.12.4"),
                                                         row(3, "2021年12月5日"), row(4, "12月6日")]})
    ledger("研究室2021年3月学习台账（数字写法）.xlsx", {"台账": [LEDGER_HEADER, row(1, participants="３２"),
                                                         row(2, participants="32人"), row(3, participants="约30"),
                                                         row(4, participants="30余"), row(5, participants="三十")]})
    ledger("研究室2021年4月学习台账（日期序列号）.xlsx", {"台账": [LEDGER_HEADER, row(1, 44288)]})
    for name, encoding in (("研究室2021年5月学习台账（BOM）.csv", "utf-8-sig"), ("研究室2021年6月学习台账.csv", "utf-8"),
                           ("研究室2021年7月学习台账（GBK）.csv", "gbk"), ("研究室2021年8月学习台账（GB18030）.csv", "gb18030")):
        month = int(name.split("年")[1].split("月")[0])
        write_csv(folder / name, [LEDGER_HEADER, row(1, f"2021-{month:02d}-03")], encoding=encoding)
        expect[name] = "loaded"
    expect[shutil.copy(samples / "普及部2022年宣讲活动台账.xls", folder / "普及部2022年宣讲活动台账（改名）.xlsx").name] = "loaded"
    for n, name in enumerate(("学会部2021年3月学习台账（改名）.xls", "学会部2021年4月学习台账（宏）.xlsm"), start=3):
        workbook = write_xlsx(folder / "tmp.xlsx", {"台账": [LEDGER_HEADER, row(1, date(2021, n, 20))]})
        expect[workbook.rename(folder / name).name] = "loaded"
    expect[shutil.copy(samples / "党课登记表-2022-06-30-张建国.docx", folder / "党课登记表-2022-06-30-张建国.docx").name] = "loaded"
    ledger("规划办2021年3月学习台账（公式无缓存）.xlsx", {"台账": [LEDGER_HEADER, row(1, participants="=10+2")]})
    # tables with nothing in them: never loaded as silently empty
    ledger("规划办2021年4月学习台账（只有表头）.xlsx", {"台账": [*TITLE, LEDGER_HEADER]}, "no_rows")
    ledger("规划办2021年5月学习台账（只有合计）.xlsx", {"台账": [LEDGER_HEADER, ["合计", None, None, None, None, None, None, 0]]},
           "no_rows")
    ledger("规划办2021年6月学习台账（陌生表头）.xlsx", {"Sheet1": [["姓名", "年龄", "爱好"], ["张三", 30, "读书"]]}, "no_header")
    ledger("规划办2021年7月学习台账（空表）.xlsx", {"Sheet1": [[]]}, "no_header")
    # broken, disguised and hostile files
    raw("空文件.xlsx", b"", "empty")
    raw("只有空格.csv", b"   \r\n  \r\n", "no_header")
    raw("截断的台账.xlsx", base.read_bytes()[: base.stat().st_size // 2], "corrupt")
    raw("截断的登记表.docx", (samples / "党课登记表-2022-06-30-张建国.docx").read_bytes()[:3000], "corrupt")
    raw("网页导出.xls", "<html><body><table><tr><td>活动日期</td></tr></table></body></html>".encode(), "web_page")
    raw("扫描件.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "pdf")
    raw("乱码.xlsx", bytes(range(256)) * 40, "unknown_binary")
    raw("台账.txt", ",".join(map(str, LEDGER_HEADER)).encode(), "unsupported_type")
    with zipfile.ZipFile(folder / "压缩包.xlsx", "w") as z:
        z.writestr("readme.txt", "not an office file")
    expect["压缩包.xlsx"] = "not_office"
    rewrite_zip(base, folder / "压缩炸弹.xlsx", add={"xl/media/padding.bin": b"\0" * (64 * 2**20)})
    expect["压缩炸弹.xlsx"] = "archive_bomb"
    rewrite_zip(base, folder / "条目过多.xlsx", add={f"xl/media/{i}.bin": b"x" for i in range(5001)})
    expect["条目过多.xlsx"] = "archive_bomb"
    with zipfile.ZipFile(base) as z:
        strings, sheet = z.read("xl/sharedStrings.xml"), z.read("xl/worksheets/sheet1.xml")
    rewrite_zip(base, folder / "实体炸弹1.xlsx", change={"xl/sharedStrings.xml": LAUGHS + strings.split(b"?>", 1)[1]})
    rewrite_zip(base, folder / "实体炸弹2.xlsx", change={"xl/worksheets/sheet1.xml": LAUGHS + sheet.split(b"?>", 1)[1]})
    start = sheet.index(b"<dimension")
    huge = sheet[:start] + b'<dimension ref="A1:XFD1048576"/>' + sheet[sheet.index(b"/>", start) + 2:]
    rewrite_zip(base, folder / "超大范围.xlsx", change={"xl/worksheets/sheet1.xml": huge})
    expect.update({"实体炸弹1.xlsx": "xml_entities", "实体炸弹2.xlsx": "xml_entities", "超大范围.xlsx": "sheet_too_large"})
    docx = samples / "党课登记表-2022-06-30-张建国.docx"
    with zipfile.ZipFile(docx) as z:
        body = z.read("word/document.xml").split(b"?>", 1)[1]
    rewrite_zip(docx, folder / "外部实体.docx", change={"word/document.xml": b'<?xml version="1.0"?><!DOCTYPE d '
                                                    b'[<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + body})
    expect["外部实体.docx"] = "xml_entities"
    from msoffcrypto.format.ooxml import OOXMLFile

    with open(base, "rb") as plain, open(folder / "加密台账.xlsx", "wb") as out:
        OOXMLFile(plain).encrypt("123456", out)
    expect["加密台账.xlsx"] = "encrypted"
    raw("Unicode文本导出.csv", ",".join(map(str, LEDGER_HEADER)).encode("utf-16-le"), "unknown_binary")
    from docx import Document

    document = Document()
    document.add_paragraph("本月无活动。")
    document.save(str(folder / "无表格的说明.docx"))
    expect["无表格的说明.docx"] = "no_header"
    return expect


def test_every_malformed_file_ends_loaded_or_refused_from_the_fixed_list(prefect, settings, samples):
    expect = corpus(settings.inbox, samples)
    assert len(expect) >= 40
    result = ingest(warehouse=str(settings.warehouse), inbox=str(settings.inbox), reports=str(settings.reports_out))
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        files = con.execute("select path, state, refusal_kind, reason, rows_read from raw.files").fetchall()
    outcome = {path: kind or state for path, state, kind, _, _ in files}
    assert outcome == expect
    for path, state, kind, reason, rows in files:
        if state == "loaded":
            assert rows > 0, f"{path} loaded empty"
        else:
            assert kind in REFUSAL_KINDS and reason, path
    assert len(result.files) == len(expect)  # the run survived and accounted for every file
    children_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert children_peak_mb < 1536, f"an extraction worker peaked at {children_peak_mb:.0f} MB"
