"""How figures are written in reports, as `../shared/spec/metrics.md` describes.

One function, `write_number`, for every figure of every report. Styles:

- ``exact``: 7次, 24户.
- ``余``: keep the first digit (or the first digit and a 5 in the next place), rounding down,
  and add 余 when anything was dropped: 16 → 15余本, 64 120 → 6万余人次.
- ``逾``: the same rounding, 逾 before the number: 4 012 345 → 逾400万.
- ``万``: from 10 000 up in 万, one decimal rounded down when not whole: 48 300 → 4.8万.
- ``两``: 2 before a measure word is 两 (两台); other numbers exact. It combines with another
  style for lists of mixed figures: ``余两`` writes 2 → 两台 and 107 → 100余株.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

STYLES = ("exact", "余", "逾", "万", "两")


def round_down_leading(n: int) -> int:
    """Keep the first digit, or the first digit and a 5 in the next place, rounding down."""
    if n < 10:
        return n
    base = 10 ** (len(str(n)) - 1)
    kept = (n // base) * base
    if n - kept >= base // 2:
        kept += base // 2
    return kept


def _wan(n: int | Decimal, decimals: int = 1) -> str:
    """A number of at least 10 000 in 万, its decimals rounded down and trailing zeros dropped."""
    value = (Decimal(n) / 10000).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_DOWN)
    text = format(value, "f")
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "万"


def write_number(value: int | float, style: str = "exact", measure: str = "") -> str:
    """A figure as the report writes it, with its measure word: write_number(31, '余', '次') → 30余次."""
    if style not in STYLES and not (style.endswith("两") and style[:-1] in STYLES):
        raise ValueError(f"unknown number style {style!r}; use one of {', '.join(STYLES)} (or 余两, 万两 …)")
    if style.endswith("两") and style != "两":
        return write_number(value, "两" if value == 2 else style[:-1], measure)
    n = int(value) if float(value).is_integer() else value
    if not isinstance(n, int):  # money with cents: only exact and 万 make sense
        if style == "万" and n >= 10000:
            return _wan(Decimal(str(n))) + measure
        return f"{n:g}{measure}"
    if n < 0:
        raise ValueError(f"cannot phrase a negative figure ({n})")
    if style == "exact":
        return str(n) + measure
    if style == "两":
        return ("两" if n == 2 else str(n)) + measure
    if style == "万":
        return (_wan(n) if n >= 10000 else str(n)) + measure
    kept = round_down_leading(n)
    text = _wan(kept) if kept >= 10000 else str(kept)
    dropped = kept != n
    if style == "余":
        return text + ("余" if dropped else "") + measure
    return ("逾" if dropped else "") + text + measure  # 逾


def write_title(text: str) -> str:
    """A title of a book, document or article as Chinese prose writes it, between 《》, whether
    or not the ledger held the marks: 论中国共产党历史 → 《论中国共产党历史》. A title already
    marked keeps its own (《习近平谈治国理政》第三卷)."""
    text = text.strip()
    return text if "《" in text else f"《{text.strip('<>〈〉')}》"
