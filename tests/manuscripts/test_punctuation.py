"""The Chinese punctuation linter: errors inside Chinese text, warnings, and what it skips."""
from pathlib import Path

import pytest

from alliance.manuscripts import punctuation
from alliance.demo import CONTENT


def _rules(text):
    return [(f.level, f.rule, f.line, f.column) for f in punctuation.lint(text, "chapters/x.md")]


@pytest.mark.parametrize("char, full", [(",", "，"), (".", "。"), (":", "："), (";", "；"),
                                        ("?", "？"), ("!", "！")])
def test_half_width_punctuation_between_chinese_is_an_error(char, full):
    [finding] = punctuation.lint(f"# 标题\n\n劳动者{char}权益保障。\n", "chapters/ch01.md")
    assert (finding.level, finding.rule, finding.line, finding.column) == \
        ("error", "half_width", 3, 4)
    assert finding.params == {"char": char, "full": full}
    assert full in finding.message and finding.path == "chapters/ch01.md"
    assert f"劳动者{char}权益" in finding.excerpt


def test_half_width_at_the_end_of_a_chinese_sentence_is_an_error():
    assert _rules("工会维护职工权益.\n") == [("error", "half_width", 1, 9)]
    assert _rules("见《劳动法》, 第三条。\n") == [("error", "half_width", 1, 7)]


def test_half_width_punctuation_in_latin_text_numbers_code_and_urls_is_fine():
    text = "\n".join([
        "Hello, world. 3.5万人, 2024年.",  # Latin and numbers: the '.' after 年 is the only error
        "见 `a,b` 与 `工会,职工` 两种写法。",
        "网址：https://www.acftu.org/工会,职工 可查。",
        "参见[文件](https://example.org/a,b.html)。",
        "```python",
        "print('工会,职工')",
        "```",
        "~~~",
        "劳动者,权益",
        "~~~",
        "## 第一节 {#sec-1 .unnumbered}",
        "[^1]: 注释文字。",
    ])
    assert _rules(text) == [("error", "half_width", 1, 27)]


def test_warnings_mixed_brackets_repeated_and_straight_quotes():
    findings = punctuation.lint("劳动者（含平台用工)的权益！！\n他说\"你好\"。\n")
    assert [(f.level, f.rule) for f in findings] == [
        ("warning", "mixed_brackets"), ("warning", "repeated"),
        ("warning", "straight_quote"), ("warning", "straight_quote")]
    assert findings[0].params == {"open": "（", "close": ")"}
    assert findings[1].params == {"text": "！！"}
    assert punctuation.errors(findings) == []
    assert _rules("劳动者（含平台用工）的权益……——好。\n") == []


def test_the_demo_book_has_no_errors():
    for path in sorted((Path(CONTENT) / "chapters").glob("*.md")):
        found = punctuation.errors(punctuation.lint(path.read_text("utf-8"), path.name))
        assert found == [], [(f.path, f.line, f.message) for f in found]
