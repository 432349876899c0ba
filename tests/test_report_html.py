"""One HTML renderer for every report (issue 14 §6): the comparison, the sensitivity
analysis and the calibration check and fit are rendered from the same blocks as their
markdown, through one jinja2 template and one style sheet. Each page parses, has the
headings of its markdown, embeds its figures (no reference outside the page) and shows
what a scenario's text holds as text: a ``<script>`` in a description is escaped."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

import healthsim
from healthsim.calibration import run_check, run_fit
from healthsim.config import load_scenario, with_overrides
from healthsim.reports import write_comparison, write_sensitivity
from healthsim.reports.blocks import Block, render_html, render_markdown, stylesheet
from healthsim.reports.calibration_report import write_check, write_fit
from healthsim.sensitivity import function_analysis

SCRIPT = "<script>alert('x')</script>"
TEXT = {"text", "code_inline", "html_inline"}
VOID = {"meta", "img", "br", "hr", "input", "link", "source", "col", "wbr"}


class Page(HTMLParser):
    """The page's headings, images and style sheets, checking that tags nest."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.headings: list[tuple[str, str]] = []
        self.images: list[dict[str, str | None]] = []
        self.styles: list[str] = []
        self.ids: list[str] = []
        self.sections: list[str] = []  # the h2s' anchors
        self.links: list[str] = []
        self._text: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"])
            if tag == "h2":
                self.sections.append(a["id"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "img":
            self.images.append(a)
        if tag in VOID:
            return
        self.stack.append(tag)
        if tag in ("h1", "h2", "h3", "style"):
            self._text = []

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1:]}>"
        self.stack.pop()
        if tag in ("h1", "h2", "h3"):
            self.headings.append((tag, "".join(self._text or []).strip()))
            self._text = None
        elif tag == "style":
            self.styles.append("".join(self._text or []))
            self._text = None

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    assert page.stack == [], f"unclosed tags: {page.stack}"
    return page


def markdown_headings(md: str) -> list[tuple[str, str]]:
    """The markdown's headings as (h1|h2|h3, their text as read), by a CommonMark parser."""
    tokens = MarkdownIt("commonmark").parse(md)
    return [
        (t.tag, "".join(c.content for c in nxt.children or [] if c.type in TEXT).strip())
        for t, nxt in pairwise(tokens)
        if t.type == "heading_open"
    ]


def check_page(html: str, md: str) -> Page:
    """What every report's page must be: parsed, its markdown's headings, its figures
    embedded, nothing fetched from outside, the shared style sheet."""
    page = parse(html)
    assert page.headings == markdown_headings(md), "the HTML has the markdown's headings"
    assert [h for h in page.headings if h[0] == "h1"] == page.headings[:1], "one title, first"
    figures = re.findall(r"^!\[[^\]]*\]\(([^)]+\.png)\)$", md, flags=re.M)
    assert figures, "the report has figures"
    assert len(page.images) == len(figures), "every figure of the markdown is in the page"
    for img in page.images:
        assert (img["src"] or "").startswith("data:image/png;base64,"), "figures are embedded"
        assert img.get("alt"), "figures have alternative text"
    assert not re.search(r'(src|href)="(?!data:|#)', html), "nothing outside the page"
    for ref in ("http://", "https://", "<link", "@import", "url("):
        assert ref not in html, f"the page must not depend on anything outside it ({ref})"
    assert [s.strip() for s in page.styles] == [stylesheet().strip()], "one style sheet, shared"
    assert len(page.ids) == len(set(page.ids)), "anchors are unique"
    assert page.links == [f"#{i}" for i in page.sections], "the contents list every h2"
    return page


def assert_escaped(html: str) -> None:
    assert "<script" not in html, "a scenario's text must never run in the report"
    assert "&lt;script&gt;" in html, "it is shown as text"


# --------------------------------------------------------------------------------------
# the three reports
# --------------------------------------------------------------------------------------


def test_the_comparison_report(tmp_path):
    base = load_scenario("blame_focused", {"years": 1})
    other = load_scenario("board_supported", {"years": 1})
    other = other.model_copy(update={"description": f"Support {SCRIPT} boards"})
    res = healthsim.compare([base, other], reps=2, executor="serial", progress=False)
    files = write_comparison(res, tmp_path / "c")
    html = files["report.html"].read_text(encoding="utf-8")
    check_page(html, files["report.md"].read_text(encoding="utf-8"))
    assert_escaped(html)


def toy(params, seed):
    return {"y": params["a"] + 2 * params["b"] * params["a"] + 0.01 * (seed % 7)}


def test_the_sensitivity_report(tmp_path):
    r = function_analysis(toy, {"a": (0, 1), "b": (0, 1)}, method="morris", n=8, replicates=2)
    r = dataclasses.replace(r, name=f"toy {SCRIPT}")
    out = write_sensitivity(r, tmp_path / "s")
    html, md = (out / "report.html").read_text(), (out / "report.md").read_text()
    page = check_page(html, md)
    assert page.headings[0] == ("h1", f"Sensitivity analysis: toy {SCRIPT}")
    assert_escaped(html)
    assert "| ---: |" in md, "numeric columns are right-aligned in the markdown too"


def short_scenario(description: str):
    base = load_scenario("england_2013_2019")
    sc = with_overrides(base, {"years": 2, "economy.n_economies": 4})
    return sc.model_copy(update={"description": description})


@pytest.mark.slow
def test_the_calibration_check_report(tmp_path):
    result = run_check(short_scenario(f"short {SCRIPT}"), 2, executor="serial")
    out = write_check(result, tmp_path / "check")
    html = (out / "report.html").read_text()
    check_page(html, (out / "calibration_check.md").read_text())
    assert_escaped(html)
    assert "report.html" in (out / "calibration_check.md").read_text(), "listed in Files"


@pytest.mark.slow
def test_the_calibration_fit_report(tmp_path):
    fit = run_fit(
        40,
        scenario=short_scenario(f"short {SCRIPT}"),
        seeds_per_point=2,
        population=4,
        executor="serial",
        progress=False,
    )
    out = write_fit(fit, tmp_path / "fit", extends="england_2013_2019")
    html = (out / "report.html").read_text()
    check_page(html, (out / "fit.md").read_text())
    assert_escaped(html)


# --------------------------------------------------------------------------------------
# the renderer itself
# --------------------------------------------------------------------------------------


def test_every_kind_of_block_renders_in_both_forms():
    png = b"\x89PNG\r\n\x1a\nfake"
    blocks = [
        Block("h1", "Title *with* `code`"),
        Block("p", "facts", anchor="meta"),
        Block("note", "**Simulated.** first\n\nsecond"),
        Block("h2", "A section"),
        Block("h3", "A section"),
        Block("list", rows=[["one"], ["**two**"]]),
        Block("code", "healthsim run --out <folder>"),
        Block("table", header=["a", "b|c"], rows=[["x", "1.5"]], align="lr", text="A caption"),
        Block("figure", text='alt "quoted"', png=png, file="f.png", caption="*F.* about"),
    ]
    html = render_html(blocks, "T <b>")
    page = parse(html)
    assert page.headings == [
        ("h1", "Title with code"),
        ("h2", "A section"),
        ("h3", "A section"),
    ]
    assert page.ids == ["a-section", "a-section-2"], "unique anchors made from the text"
    assert page.links == ["#a-section"], "the contents list the sections (h2)"
    assert "<title>T &lt;b&gt;</title>" in html
    assert '<td class="r">1.5</td>' in html and '<p class="caption">A caption</p>' in html
    assert "<pre><code>healthsim run --out &lt;folder&gt;</code></pre>" in html
    assert "<figcaption><em>F.</em> about</figcaption>" in html
    assert 'alt="alt &#34;quoted&#34;"' in html
    md = render_markdown(blocks)
    assert "| a | b\\|c |\n| --- | ---: |\n| x | 1.5 |\n\n*A caption*" in md
    assert '![alt "quoted"](f.png)\n\n*F.* about' in md
    assert markdown_headings(md) == page.headings


def test_the_template_and_style_sheet_are_package_data():
    folder = Path(healthsim.__file__).parent / "reports" / "templates"
    assert (folder / "report.html.j2").is_file() and (folder / "report.css").is_file()
    assert "{{" not in stylesheet() and "url(" not in stylesheet()
