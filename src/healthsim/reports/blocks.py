"""A report built once as a list of blocks (headings, paragraphs, lists, tables, figures)
and rendered twice: to markdown, and to one self-contained HTML page that embeds its
figures as base64 PNG and its style sheet, so it opens offline.

Every HTML report of healthsim (comparison, sensitivity, calibration check and fit) is
rendered by :func:`render_html` from the one template ``templates/report.html.j2`` and the
one style sheet ``templates/report.css``. Text in blocks is markdown inline markup
(``**bold**``, ``*italic*``, `` `code` ``), rendered to HTML by a CommonMark parser with
raw HTML turned off, so whatever a scenario's title or description holds is shown as
text, never run.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field, replace
from functools import cache
from typing import TYPE_CHECKING

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class Block:
    """One piece of a report.

    ``kind`` is one of h1 h2 h3 p note list code table figure. ``text`` is a heading's,
    paragraph's, note's or code block's text, a table's caption (shown under it) or a
    figure's alternative text. ``rows`` are a table's cells, or a list's items (one cell
    each); ``align`` gives each table column ``l`` or ``r``. A figure has its PNG bytes
    (``png``, embedded in HTML), its file beside the markdown (``file``) and an optional
    ``caption``. ``anchor`` is a heading's id (one is made from the text if not given);
    on a paragraph, ``"meta"`` marks a line of facts shown in small type.
    """

    kind: str  # h1 h2 h3 p note table figure list code
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    align: str = ""  # per column: l or r
    png: bytes = b""
    file: str = ""
    anchor: str = ""
    caption: str = ""


#: A cell that reads as a number (1,234 / -0.5 / 12% / 3e-05): aligned right.
_NUMBER = re.compile(r"[-+−]?[\d,]*\.?\d+(e[-+]?\d+)?%?")


def frame_block(df: pd.DataFrame, caption: str = "", digits: int = 3) -> Block:
    """A table block from a data frame: floats to ``digits`` significant figures (blank
    when missing; large values written out, 1,490 not 1.49e+03), columns of numbers
    (or of cells that read as numbers, such as percentages) right-aligned."""
    import pandas as pd

    def cell(v: object) -> str:
        if v is None or (isinstance(v, float) and v != v):
            return ""
        if isinstance(v, float):
            text = f"{v:.{digits}g}"
            return f"{float(text):,.0f}" if "e+" in text else text
        return str(v)

    rows = [[cell(v) for v in row] for row in df.itertuples(index=False)]

    def numeric(i: int, column: pd.Series) -> bool:
        if pd.api.types.is_bool_dtype(column):
            return False
        if pd.api.types.is_numeric_dtype(column):
            return True
        cells = [r[i] for r in rows if r[i]]
        return bool(cells) and all(_NUMBER.fullmatch(c) for c in cells)

    align = "".join("r" if numeric(i, df[c]) else "l" for i, c in enumerate(df.columns))
    return Block("table", header=[str(c) for c in df.columns], rows=rows, align=align, text=caption)


# --------------------------------------------------------------------------------------
# markdown
# --------------------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if b.kind == "h1":
            out += [f"# {b.text}", ""]
        elif b.kind == "h2":
            out += [f"## {b.text}", ""]
        elif b.kind == "h3":
            out += [f"### {b.text}", ""]
        elif b.kind == "p":
            out += [b.text, ""]
        elif b.kind == "note":
            out += [f"> {line}" if line else ">" for line in b.text.split("\n")] + [""]
        elif b.kind == "list":
            out += [f"- {r[0]}" for r in b.rows] + [""]
        elif b.kind == "code":
            out += ["```", b.text, "```", ""]
        elif b.kind == "table":
            align = b.align or "l" * len(b.header)
            out.append("| " + " | ".join(_md_cell(h) for h in b.header) + " |")
            out.append("| " + " | ".join("---:" if a == "r" else "---" for a in align) + " |")
            out += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in b.rows]
            if b.text:
                out += ["", f"*{b.text}*"]
            out.append("")
        elif b.kind == "figure":
            out += [f"![{b.text}]({b.file})", ""]
            if b.caption:
                out += [b.caption, ""]
    return "\n".join(out).rstrip() + "\n"


# --------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------

_MD = MarkdownIt("commonmark", {"html": False})


def _inline(text: str) -> Markup:
    """Markdown inline markup as HTML; raw HTML in ``text`` is escaped, never kept."""
    return Markup(_MD.renderInline(text))  # markdown-it escapes raw HTML (html=False)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("healthsim.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["inline"] = _inline
    env.filters["b64"] = _b64
    env.globals["zip"] = zip
    return env


def stylesheet() -> str:
    """The one style sheet every HTML report embeds."""
    loader = _environment().loader
    assert loader is not None
    source, _name, _uptodate = loader.get_source(_environment(), "report.css")
    return source


def _slug(text: str) -> str:
    plain = re.sub(r"[`*]", "", text).lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "section"


def _prepared(blocks: list[Block]) -> list[Block]:
    """The blocks with every h2 and h3 given a unique anchor and every table its
    alignment, ready for the template."""
    taken = {b.anchor for b in blocks if b.kind in ("h2", "h3") and b.anchor}
    out = []
    for b in blocks:
        if b.kind in ("h2", "h3") and not b.anchor:
            base = anchor = _slug(b.text)
            i = 2
            while anchor in taken:
                anchor, i = f"{base}-{i}", i + 1
            taken.add(anchor)
            b = replace(b, anchor=anchor)
        elif b.kind == "table":
            b = replace(b, align=b.align or "l" * len(b.header))
        out.append(b)
    return out


def render_html(blocks: list[Block], title: str) -> str:
    """One self-contained page: the style sheet inline, figures as ``data:`` PNGs, a
    table of contents (the h2 headings) under the title."""
    blocks = _prepared(blocks)
    toc = [b for b in blocks if b.kind == "h2"]
    template = _environment().get_template("report.html.j2")
    return template.render(blocks=blocks, toc=toc, title=title)
