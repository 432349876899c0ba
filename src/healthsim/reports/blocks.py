"""A report built once as a list of blocks (headings, paragraphs, lists, tables, figures)
and rendered twice: to markdown, and to one self-contained HTML page that embeds its
figures as base64 PNG and its style sheet, so it opens offline."""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


@dataclass
class Block:
    kind: str  # h1 h2 h3 p note table figure list code
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    align: str = ""  # per column: l or r
    png: bytes = b""
    file: str = ""
    anchor: str = ""


def _inline_html(text: str) -> str:
    t = html.escape(text, quote=False)
    t = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", t)
    t = re.sub(r"`(.+?)`", r"<code>\1</code>", t)
    return t


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
    return "\n".join(out).rstrip() + "\n"


_CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1d2733;
max-width:1120px;margin:0 auto;padding:24px 28px 60px;line-height:1.5;font-size:15.5px}
h1{font-size:1.75em;margin:.2em 0 .3em;color:#10243e}
h2{font-size:1.3em;margin-top:2em;padding-bottom:.25em;border-bottom:2px solid #dfe5ec;
color:#10243e}
h3{font-size:1.08em;margin-top:1.5em;color:#10243e}
p{margin:.6em 0}
.note{background:#fff6e5;border-left:5px solid #e69f00;padding:10px 16px;margin:1em 0;
border-radius:3px}
.findings p{margin:.75em 0}
table{border-collapse:collapse;margin:.8em 0 .4em;font-size:.86em;width:100%}
th,td{padding:5px 8px;border-bottom:1px solid #e3e8ee;vertical-align:top}
th{background:#f2f5f8;text-align:left;font-weight:600}
td.r,th.r{text-align:right;white-space:nowrap}
tr:hover td{background:#fafbfc}
.caption{color:#555;font-size:.85em;margin:.1em 0 1em}
figure{margin:1.2em 0 1.6em}
figure img{max-width:100%;height:auto;border:1px solid #e3e8ee}
figcaption{color:#444;font-size:.9em;margin-top:.4em}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;background:#f2f5f8;
border-radius:3px}
code{padding:1px 4px}
pre{padding:10px 14px;overflow-x:auto}
nav{display:flex;flex-wrap:wrap;gap:2px 0;background:#f7f9fb;border:1px solid #e3e8ee;
padding:8px 16px;border-radius:4px;font-size:.92em}
nav a{color:#0b5394;text-decoration:none;margin-right:14px;white-space:nowrap}
.meta{color:#555;font-size:.9em}
"""


def render_html(blocks: list[Block], title: str) -> str:
    body: list[str] = []
    toc = [b for b in blocks if b.kind == "h2" and b.anchor]
    for b in blocks:
        if b.kind == "h1":
            body.append(f"<h1>{_inline_html(b.text)}</h1>")
            if toc:
                links = "".join(f'<a href="#{t.anchor}">{html.escape(t.text)}</a>' for t in toc)
                body.append(f"<nav>{links}</nav>")
        elif b.kind in ("h2", "h3"):
            anchor = f' id="{b.anchor}"' if b.anchor else ""
            body.append(f"<{b.kind}{anchor}>{_inline_html(b.text)}</{b.kind}>")
        elif b.kind == "p":
            cls = ' class="meta"' if b.anchor == "meta" else ""
            body.append(f"<p{cls}>{_inline_html(b.text)}</p>")
        elif b.kind == "note":
            paras = "".join(f"<p>{_inline_html(t)}</p>" for t in b.text.split("\n\n"))
            body.append(f'<div class="note">{paras}</div>')
        elif b.kind == "list":
            items = "".join(f"<li>{_inline_html(r[0])}</li>" for r in b.rows)
            body.append(f"<ul>{items}</ul>")
        elif b.kind == "code":
            body.append(f"<pre><code>{html.escape(b.text)}</code></pre>")
        elif b.kind == "table":
            align = b.align or "l" * len(b.header)
            head = "".join(
                f'<th class="{a}">{_inline_html(h)}</th>'
                for h, a in zip(b.header, align, strict=True)
            )
            rows = "".join(
                "<tr>"
                + "".join(
                    f'<td class="{a}">{_inline_html(c)}</td>' for c, a in zip(r, align, strict=True)
                )
                + "</tr>"
                for r in b.rows
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
            if b.text:
                body.append(f'<p class="caption">{_inline_html(b.text)}</p>')
        elif b.kind == "figure":
            data = base64.b64encode(b.png).decode("ascii")
            body.append(
                f'<figure><img alt="{html.escape(b.text)}" '
                f'src="data:image/png;base64,{data}"></figure>'
            )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
