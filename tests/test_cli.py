"""The command line is the public interface: every command explains itself with an example."""

import argparse

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
    assert {"demo", "ingest", "metrics", "report", "report monthly"} <= names


def test_metrics_on_a_missing_warehouse_says_what_to_do(tmp_path, capsys):
    code = main(["--warehouse", str(tmp_path / "none.duckdb"), "metrics", "--start", "2021-01-01", "--end", "2021-01-31"])
    assert code == 2
    assert "run `taizhang ingest`" in capsys.readouterr().err


def test_dates_are_checked(capsys):
    with pytest.raises(SystemExit):
        main(["metrics", "--start", "2021/01/01", "--end", "2021-01-31"])
    assert "dates are written YYYY-MM-DD" in capsys.readouterr().err
