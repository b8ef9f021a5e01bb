"""How figures are written: every example of metrics.md, and the boundaries between styles."""

import pytest
from hypothesis import given, strategies as st

from flows.report.phrasing import round_down_leading, write_number


@pytest.mark.parametrize("value, style, measure, written", [
    # the examples of metrics.md, "How figures are written"
    (7, "exact", "次", "7次"),
    (24, "exact", "户", "24户"),
    (12, "exact", "次", "12次"),
    (16, "余", "本", "15余本"),
    (31, "余", "次", "30余次"),
    (12, "余", "家", "10余家"),
    (107, "余", "株", "100余株"),
    (5230, "余", "元", "5000余元"),
    (64120, "余", "人次", "6万余人次"),
    (30, "余", "次", "30次"),
    (4_012_345, "逾", "", "逾400万"),
    (800_000, "万", "元", "80万元"),
    (10_000, "万", "元", "1万元"),
    (48_300, "万", "", "4.8万"),
    (2, "两", "台", "两台"),
])
def test_examples_of_the_spec(value, style, measure, written):
    assert write_number(value, style, measure) == written


@pytest.mark.parametrize("value, written", [
    (0, "0次"), (9, "9次"), (10, "10次"), (14, "10余次"), (15, "15次"), (19, "15余次"), (20, "20次"),
    (99, "95余次"), (100, "100次"), (149, "100余次"), (150, "150次"),
    (9_999, "9500余次"), (10_000, "1万次"), (10_001, "1万余次"), (15_000, "1.5万次"),
    (99_999, "9.5万余次"), (100_000, "10万次"), (100_001, "10万余次"), (1_000_000, "100万次"),
])
def test_boundaries_of_yu(value, written):
    assert write_number(value, "余", "次") == written


@pytest.mark.parametrize("value, written", [
    (9, "9"), (10, "10"), (11, "逾10"), (99_999, "逾9.5万"), (100_000, "10万"), (4_000_000, "400万"),
])
def test_boundaries_of_yu_before(value, written):
    assert write_number(value, "逾") == written


@pytest.mark.parametrize("value, written", [
    (9_999, "9999元"), (10_000, "1万元"), (10_999, "1万元"), (11_000, "1.1万元"), (99_999, "9.9万元"),
    (100_000, "10万元"), (1_234_567, "123.4万元"),
])
def test_boundaries_of_wan(value, written):
    assert write_number(value, "万", "元") == written


def test_two_is_liang_only_where_asked():
    assert write_number(2, "两", "台") == "两台"
    assert write_number(2, "exact", "台") == "2台"
    assert write_number(3, "两", "台") == "3台"


def test_unknown_style_and_negative_figures_are_refused():
    with pytest.raises(ValueError, match="unknown number style"):
        write_number(3, "about")
    with pytest.raises(ValueError, match="negative"):
        write_number(-1, "余")


@given(st.integers(min_value=0, max_value=10**12))
def test_rounding_never_goes_up_and_keeps_one_or_two_leading_digits(n):
    kept = round_down_leading(n)
    assert kept <= n
    if n >= 10:
        size = 10 ** (len(str(n)) - 1)
        assert kept % (size // 2) == 0 and n - kept < size // 2 + (size // 2 if kept % size == 0 else 0)


@pytest.mark.parametrize("value, written", [(2, "两台"), (107, "100余台"), (6, "6台"), (1, "1台")])
def test_two_combines_with_another_style_for_lists_of_mixed_figures(value, written):
    assert write_number(value, "余两", "台") == written


def test_an_unknown_style_is_refused():
    with pytest.raises(ValueError, match="unknown number style"):
        write_number(3, "约")


def test_a_title_is_written_between_book_title_marks_whatever_the_ledger_held():
    from flows.report.phrasing import write_title

    assert write_title("论中国共产党历史") == "《论中国共产党历史》"
    assert write_title(" 《红色家书》 ") == "《红色家书》"
    assert write_title("《习近平谈治国理政》第三卷") == "《习近平谈治国理政》第三卷"
    assert "".join(map(write_title, ["毛泽东 邓小平 江泽民 胡锦涛关于中国共产党历史论述摘编", "学习问答"])) == \
        "《毛泽东 邓小平 江泽民 胡锦涛关于中国共产党历史论述摘编》《学习问答》"
