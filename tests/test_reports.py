"""The reports supervisors receive, built from the demo year: golden text, the seeds' sentences,
the official layout, evidence, notes, changes and the PDF.

Golden files live in tests/golden/; after a deliberate change to a template or the demo,
rewrite them with `UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_reports.py` and
read the diff before committing it.
"""

import csv
import os
import re
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pytest
from docx import Document
from docx.oxml.ns import qn

from conftest import SEEDS
from flows.cli import main
from flows.demo import write_demo_inbox
from flows.metrics import all_metrics
from flows.pipeline import ingest, report
from flows.report.dump import dump
from flows.report.phrasing import write_number
from flows.settings import Settings
from test_demo import SEED_PHRASES, VILLAGE_STYLES
from workbooks import LEDGER_HEADER, write_xlsx

GOLDEN = Path(__file__).parent / "golden"
REPORTS = [  # (kind, period, end): the demo year's four reports
    ("weekly", "2021-W49", None), ("monthly", "2021-12", None), ("annual", "2021", None), ("duty", "2021", "2021-12-31")]


@pytest.fixture(scope="session")
def demo_year(prefect, tmp_path_factory) -> Settings:
    """The demo year ingested once, in-process, into a warehouse of this module's own."""
    settings = Settings.load().under(tmp_path_factory.mktemp("demo_year"))
    write_demo_inbox(settings.inbox)
    ingest(warehouse=str(settings.warehouse), inbox=str(settings.inbox), reports=str(settings.reports_out))
    return settings


@pytest.fixture(scope="session")
def built(demo_year) -> dict:
    """The four reports of the demo year, built once by the report flow."""
    return {kind: report(kind, period, end=end, warehouse=str(demo_year.warehouse), out=str(demo_year.reports_out))
            for kind, period, end in REPORTS}


@pytest.mark.parametrize("kind", [kind for kind, _, _ in REPORTS])
def test_golden_text(built, kind):
    text = dump(built[kind].docx)
    golden = GOLDEN / f"{built[kind].docx.stem}.txt"
    before = golden.read_text(encoding="utf-8") if golden.exists() else None
    if os.environ.get("UPDATE_GOLDEN") and text != before:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
        pytest.fail(f"rewrote {golden.name}: review its diff (git diff tests/golden), then run the tests again")
    assert text == before


def test_files_are_named_by_unit_type_and_period(built):
    assert sorted(r.docx.name for r in built.values()) == sorted([
        "XX市社科联_周报_2021-W49.docx", "XX市社科联_月报_2021-12.docx",
        "XX市社科联_年度总结_2021.docx", "XX市社科联_述职报告_2021.docx"])
    assert all(r.evidence.name == r.docx.stem + "_evidence.csv" and r.evidence.exists() for r in built.values())


@pytest.mark.parametrize("kind, seed", [("annual", "000_068cfcd497d16755.txt"), ("duty", "001_b79b53dc5c4bd550.txt")])
def test_every_figure_the_seed_states_is_in_the_report_in_a_sentence_of_the_same_kind(demo_year, built, kind, seed):
    seed_text = (SEEDS / seed).read_text(encoding="utf-8")
    text = dump(built[kind].docx)
    con = duckdb.connect(str(demo_year.warehouse), read_only=True)
    year = all_metrics(con, date(2021, 1, 1), date(2021, 12, 31))
    con.close()
    stated = []
    for metric, (phrase, style, measure) in SEED_PHRASES.items():
        sentence = phrase.format(write_number(year[metric], style, measure))
        if sentence in seed_text:
            stated.append(metric)
            assert sentence in text, (metric, sentence)
    assert len(stated) >= 12
    donated = "，".join(write_number(v["quantity"], VILLAGE_STYLES.get(item, "exact"), v["unit"]).join([item, ""])
                       for item, v in year["village_items"].items())
    if kind == "duty":  # the seed's donation clause, item by item, as the report writes it
        assert f"为帮扶村捐赠{donated}" in seed_text
        assert f"为帮扶村捐赠{donated}。" in text


def test_notable_events_are_written_from_the_records_in_date_order(built):
    annual = dump(built["annual"].docx)
    assert "4月30日，市社科联党总支向一对一帮扶村董庄村捐款1万元。" in annual
    schools = re.search(r"已走进(.+?)等5所学校", annual)[1]
    assert schools == "XX工学院、XX职业技术学院、XX市第一中学"  # the first three visits, in date order
    duty = dump(built["duty"].docx)
    assert "共捐赠橡皮艇、救生衣、救生圈、救援绳等各类物资价值80万元，现金1万元。" in duty


def test_every_figure_has_its_source_rows_in_the_evidence(demo_year, built):
    con = duckdb.connect(str(demo_year.warehouse), read_only=True)
    known = set(con.execute("select f.path, r.sheet, r.row_number from raw.activity_rows r "
                            "join core.files f using (file_id)").fetchall())
    con.close()
    for result in built.values():
        with open(result.evidence, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
        figures = {(f.metric_id, str(f.period_start), str(f.period_end)) for f in result.figures}
        assert figures == {(r["metric_id"], r["period_start"], r["period_end"]) for r in rows}
        for r in rows:
            if r["metric_id"] == "activities_total":
                assert (r["path"], r["sheet"], int(r["row_number"])) in known
            if r["value"] not in ("0", ""):
                assert r["path"] and r["sheet"] and r["row_number"], r
    annual = list(csv.DictReader(open(built["annual"].evidence, encoding="utf-8-sig")))
    think_tank = [r for r in annual if r["metric_id"] == "think_tank_issues"]
    assert len(think_tank) == 4 and {r["written_as"] for r in think_tank} == {"4期"}


def test_the_official_layout(built):
    document = Document(str(built["annual"].docx))
    section = document.sections[0]
    assert [round(x.mm) for x in (section.page_width, section.page_height, section.top_margin,
                                  section.bottom_margin, section.left_margin, section.right_margin)] == [210, 297, 37, 35, 28, 26]
    title, *body = document.paragraphs
    title_run = title.runs[0]
    assert title_run.font.size.pt == 22 and title_run._r.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    heading = next(p for p in body if p.text == "一、工作开展情况")
    assert heading.runs[0]._r.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    run_in = next(p for p in body if p.text.startswith("（一）"))
    assert run_in.runs[0].text == "（一）强化组织领导，统筹兼顾聚合力。"
    assert run_in.runs[0]._r.rPr.rFonts.get(qn("w:eastAsia")) == "楷体_GB2312"
    paragraph = run_in.runs[1]
    assert paragraph.font.size.pt == 16 and paragraph._r.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert paragraph._r.rPr.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    assert run_in.paragraph_format.line_spacing.pt == pytest.approx(28.95)
    footer = section.footer.paragraphs[0]
    assert footer.alignment == 2 and "PAGE" in footer._p.xml and footer.text.startswith("— ")  # right on odd pages
    assert section.even_page_footer.paragraphs[0].alignment == 0  # left on even pages


def test_the_monthly_report_has_its_tables_and_a_chart_with_chinese_labels(built, demo_year):
    document = Document(str(built["monthly"].docx))
    headers = [[c.text for c in t.rows[0].cells] for t in document.tables]
    assert ["活动类型", "次数", "参加人次"] in headers and ["单位", "活动次数", "参加人次"] in headers
    assert ["指标", "本月", "上月", "增减"] in headers
    assert len(document.inline_shapes) == 1
    from flows.periods import month
    from flows.report.tables import charts

    con = duckdb.connect(str(demo_year.warehouse), read_only=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = charts(con, month("2021-12"), None)["by_type"]()
    con.close()
    assert png.startswith(b"\x89PNG")
    assert not [w for w in caught if "missing from font" in str(w.message)]  # no boxes for Chinese labels


def test_missing_judgement_leaves_a_marked_placeholder_and_the_run_says_so(demo_year, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TAIZHANG_NOTES", str(tmp_path / "no-notes"))
    code = main(["--warehouse", str(demo_year.warehouse), "report", "annual", "--year", "2021", "--out", str(tmp_path)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "待补充 / to write: 开头、组织领导、存在不足、下一步打算" in printed
    text = dump(tmp_path / "XX市社科联_年度总结_2021.docx")
    assert "【待补充：存在不足】" in text and "【待补充：开头】" in text
    assert "全年开展各类学习30余次" in text  # the figures are all there


def test_a_rebuild_gives_the_same_figures_unless_the_periods_data_changed(demo_year, tmp_path):
    settings = replace(demo_year, warehouse=tmp_path / "w.duckdb", inbox=tmp_path / "inbox")
    shutil.copy(demo_year.warehouse, settings.warehouse)
    args = dict(warehouse=str(settings.warehouse), out=str(tmp_path / "out"))
    first = report("monthly", "2021-11", **args)
    again = report("monthly", "2021-11", **args)
    assert again.changes == [] and [f.value for f in again.figures] == [f.value for f in first.figures]
    write_xlsx(settings.inbox / "研究室2021年11月学习台账（补报）.xlsx", {"台账": [
        LEDGER_HEADER, [1, date(2021, 11, 20), "专题研讨", "补报的研讨交流", "研究室", None, None, 9, None, None, None, None]]})
    ingest(warehouse=str(settings.warehouse), inbox=str(settings.inbox), reports=str(tmp_path / "out"))
    changed = report("monthly", "2021-11", **args)
    assert any(c.startswith("activities_total 2021-11-01…2021-11-30: ") for c in changed.changes), changed.changes
    assert "seminars 2021-11-01…2021-11-30: — → 1" in changed.changes  # was 0, so not written before
    assert report("monthly", "2021-10", **args).changes == []  # another month's report is untouched


def test_report_commands_refuse_bad_periods_with_a_clear_message(demo_year, capsys):
    warehouse = str(demo_year.warehouse)
    assert main(["--warehouse", warehouse, "report", "weekly", "--week", "2021-49"]) == 2
    assert "2021-W05" in capsys.readouterr().err
    assert main(["--warehouse", warehouse, "report", "annual", "--year", "2021", "--end", "2022-01-31"]) == 2
    assert "not in 2021" in capsys.readouterr().err


def test_the_annual_summary_as_pdf_shows_chinese_headings_and_page_numbers(demo_year, tmp_path):
    result = report("annual", "2021", warehouse=str(demo_year.warehouse), out=str(tmp_path), pdf=True)
    assert result.pdf == tmp_path / "XX市社科联_年度总结_2021.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(result.pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    compact = re.sub(r"\s+", "", text)
    assert "XX市社科联2021年党史学习教育工作总结" in compact
    assert "一、工作开展情况" in compact and "二、存在不足" in compact and "三、下一步打算" in compact
    assert "（一）强化组织领导，统筹兼顾聚合力。" in compact
    pages = text.count("\f")
    assert pages >= 3 and all(f"—{n}—" in compact for n in range(1, pages + 1))
    first_page = text.split("\f")[0]
    body_lines = [line for line in first_page.splitlines() if line.strip()]
    assert 18 <= len(body_lines) <= 24  # 22 lines a page, the title taking more room
    assert max(len(re.sub(r"[\sA-Za-z0-9]", "", line)) for line in body_lines) <= 28


def test_a_report_that_fails_while_libreoffice_starts_ahead_leaves_no_libreoffice_or_profile(demo_year, tmp_path, capsys):
    """--pdf starts LibreOffice while the report is built; when the build fails, it is stopped."""
    def ours() -> tuple[set, set]:
        running = subprocess.run(["pgrep", "-f", "taizhang-lo-"], capture_output=True, text=True).stdout.split()
        return set(running), set(Path(tempfile.gettempdir()).glob("taizhang-lo-*"))

    before = ours()
    assert main(["--warehouse", str(demo_year.warehouse), "report", "annual", "--year", "2021", "--pdf",
                 "--scope", "不存在的支部", "--out", str(tmp_path)]) == 2
    assert "不存在的支部" in capsys.readouterr().err
    assert ours() == before
    assert not list(tmp_path.glob("*.pdf"))


def test_the_pdf_sets_body_text_in_a_fangsong_face(demo_year, tmp_path):
    """GB/T 9704's body is 仿宋: the PDF embeds FandolFang for it, not a Song face."""
    result = report("duty", "2021", warehouse=str(demo_year.warehouse), out=str(tmp_path), pdf=True)
    fonts = subprocess.run(["pdffonts", str(result.pdf)], capture_output=True, text=True, check=True).stdout
    assert "FandolFang" in fonts, fonts
