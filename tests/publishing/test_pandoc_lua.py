"""The long-lived pandoc lua converter: same HTML as the pandoc command, and it survives
its process dying, overrunning, and the worker forking."""
import multiprocessing
import os
import subprocess
from pathlib import Path

import pytest

from alliance.publishing import pandoc_lua
from alliance.publishing.pandoc_run import MARKDOWN, PandocError, pandoc_path

DEMO = Path(pandoc_lua.__file__).parents[1] / "demo" / "content"


def cli_html(text):
    return subprocess.run([pandoc_path(), "-f", MARKDOWN, "-t", "html5", "--wrap=none",
                           "--sandbox"], input=text.encode(), capture_output=True,
                          check=True).stdout.decode()


def test_every_demo_chapter_converts_as_the_pandoc_command_does():
    chapters = sorted(DEMO.rglob("*.md"))
    assert len(chapters) >= 5
    for path in chapters:
        text = path.read_text(encoding="utf-8")
        assert pandoc_lua.markdown_to_html(text).strip() == cli_html(text).strip(), path


# Lines wrapped in an editor: breaks between Chinese, Japanese, Korean, full-width
# punctuation, Latin, digits, emphasis, links, footnote calls, lists and quotes.
WRAPPED = """第一句。
第二句，**重点**
继续；[链接](https://example.org)
之后。[^1]
English
words 中文
2026年
１２３
日本語の
文章です。한국어
문장
(括号)
中文

- 列表一
  续行
> 引用
> 续行

[^1]: 脚注
    续行。
"""


def test_wrapped_lines_convert_as_the_pandoc_command_does():
    # The command drops breaks between wide characters after reading; the converter must too.
    html = pandoc_lua.markdown_to_html(WRAPPED)
    assert html.strip() == cli_html(WRAPPED).strip()
    assert "第一句。第二句，<strong>重点</strong>继续；" in html


def test_raw_html_stays_text_and_nothing_is_read_from_disk():
    html = pandoc_lua.markdown_to_html(
        '<script>alert(1)</script>\n\n![x](/etc/hostname)\n\n```{=html}\n<b>raw</b>\n```\n')
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>raw</b>" not in html
    assert open("/etc/hostname").read().strip() not in html.replace("/etc/hostname", "")


def test_a_killed_process_is_replaced_and_the_text_still_converts():
    assert "<h1" in pandoc_lua.markdown_to_html("# 第一章\n")
    pandoc_lua._converter.proc.kill()
    pandoc_lua._converter.proc.wait()
    assert "<p>第二段。</p>" in pandoc_lua.markdown_to_html("第二段。\n")


def test_an_overrun_is_a_clear_error_and_the_next_conversion_works(monkeypatch):
    monkeypatch.setattr(pandoc_lua, "TIMEOUT_S", 0.0001)
    with pytest.raises(PandocError, match="longer than"):
        pandoc_lua.markdown_to_html("长段落。" * 200000)
    assert pandoc_lua._converter.proc is None  # killed, not left running
    monkeypatch.undo()
    assert "<p>好。</p>" in pandoc_lua.markdown_to_html("好。\n")


def _child(queue):
    queue.put(pandoc_lua.markdown_to_html("子进程。\n"))


def test_a_forked_worker_starts_its_own_process():
    pandoc_lua.markdown_to_html("父进程。\n")
    parent_proc = pandoc_lua._converter.proc
    queue = multiprocessing.get_context("fork").Queue()
    child = multiprocessing.get_context("fork").Process(target=_child, args=(queue,))
    child.start()
    assert queue.get(timeout=60).strip() == "<p>子进程。</p>"
    child.join(30)
    assert pandoc_lua._converter.proc is parent_proc and parent_proc.poll() is None
    assert pandoc_lua.markdown_to_html("还在。\n").strip() == "<p>还在。</p>"
    assert os.getpid() == pandoc_lua._converter.pid
