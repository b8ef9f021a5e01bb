"""The command line is the public interface: every command explains itself with an example."""

import argparse
import re

import pytest

from flows.cli import build_parser, main


def commands(parser: argparse.ArgumentParser, prefix=()):
    """Every (sub)command path of the parser, the top level included."""
    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, prefix + (name,))


@pytest.mark.parametrize("path", [p for p, _ in commands(build_parser())], ids=lambda p: " ".join(p) or "taizhang")
def test_every_command_has_help_with_an_example(path, capsys):
    with pytest.raises(SystemExit) as exit:
        main([*path, "--help"])
    assert exit.value.code == 0
    text = capsys.readouterr().out
    assert "示例 / Examples:" in text
    example = text.split("示例 / Examples:")[1]
    assert "taizhang " + " ".join(path) in example


def test_the_public_commands_exist():
    names = {" ".join(p) for p, _ in commands(build_parser())}
    assert {"demo", "ingest", "metrics", "problems", "dictionary", "report", "report monthly"} <= names


def test_dictionary_prints_every_model_and_column_as_markdown(tmp_path, capsys):
    from flows.warehouse import LAYERS, open_warehouse
    from flows.settings import PROJECT_ROOT

    warehouse = tmp_path / "w.duckdb"
    assert main(["--warehouse", str(warehouse), "dictionary"]) == 0  # no warehouse yet: from the models
    before = capsys.readouterr().out
    with open_warehouse(warehouse, PROJECT_ROOT / "sql") as con:
        columns = con.execute(f"select count(*) from duckdb_columns() where schema_name in {LAYERS}").fetchone()[0]
    assert main(["--warehouse", str(warehouse), "dictionary"]) == 0  # from the warehouse itself
    text = capsys.readouterr().out
    assert text == before
    assert text.startswith("# taizhang 数据字典 / data dictionary")
    assert "### `core.activities` — 视图 / view" in text
    assert "### `metrics.metric_values` — 表宏 / table macro" in text
    assert "| `participants` | BIGINT | 参加人数 / number of participants |" in text
    spec = (PROJECT_ROOT.parent / "shared" / "spec" / "metrics.md").read_text(encoding="utf-8")
    documented = [line.split("`")[1] for line in text.split("## 指标 / metrics")[1].splitlines() if line.startswith("| `")]
    assert documented == re.findall(r"^\| `([a-z_]+)` \|", spec, re.M)  # every id of metrics.md, in order
    assert "| `meetings_missed` | 应开未开 | 次 | calendar | count |" in text
    assert text.split("## 指标 / metrics")[0].count("\n| `") == columns  # one table row per column


def test_metrics_on_a_missing_warehouse_says_what_to_do(tmp_path, capsys):
    code = main(["--warehouse", str(tmp_path / "none.duckdb"), "metrics", "--start", "2021-01-01", "--end", "2021-01-31"])
    assert code == 2
    assert "run `taizhang ingest`" in capsys.readouterr().err


def test_dates_are_checked(capsys):
    with pytest.raises(SystemExit):
        main(["metrics", "--start", "2021/01/01", "--end", "2021-01-31"])
    assert "dates are written YYYY-MM-DD" in capsys.readouterr().err


def test_a_setting_that_is_not_a_number_is_named_in_one_sentence(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("TAIZHANG_WORKERS", "two")
    code = main(["--warehouse", str(tmp_path / "none.duckdb"), "problems"])
    assert code == 2
    assert capsys.readouterr().err.strip() == "TAIZHANG_WORKERS='two' is not a number (0 or more); fix or unset it"
