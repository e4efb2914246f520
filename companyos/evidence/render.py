"""Render an EvidencePack to Markdown (from docs/evidence/TEMPLATE.md) and to one self-contained HTML file."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import jinja2
from markdown_it import MarkdownIt

from companyos.evidence.model import EvidencePack
from companyos.support.assets import EVIDENCE_TEMPLATE, locate
from companyos.support.files import atomic_write

TEMPLATE = locate(EVIDENCE_TEMPLATE)
STYLE = """body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#1f2328}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left}
code,pre{background:#f6f8fa;font:13px ui-monospace,monospace}pre{padding:8px;overflow:auto}
h2{border-bottom:1px solid #d0d7de;padding-bottom:.2em}img{max-width:100%}strong{color:#0b5394}"""


def render_markdown(pack: EvidencePack, template: Path = TEMPLATE) -> str:
    environment = jinja2.Environment(
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False, trim_blocks=False
    )
    text = environment.from_string(template.read_text(encoding="utf-8")).render(pack=pack)
    return re.sub(r"\n{3,}", "\n\n", text).lstrip()


def render_html(markdown_text: str, base_dir: Path, title: str) -> str:
    """CommonMark + tables to HTML; local images are inlined so the page stands alone."""
    body = MarkdownIt("commonmark").enable("table").render(markdown_text)

    def inline(match: re.Match[str]) -> str:
        source = html.unescape(match.group(1))
        path = base_dir / source
        if source.startswith(("http://", "https://", "data:")) or not path.is_file():
            return match.group(0)
        data = base64.b64encode(path.read_bytes()).decode()
        return f'src="data:image/png;base64,{data}"'

    body = re.sub(r'src="([^"]+)"', inline, body)
    return (
        f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body>\n{body}</body></html>\n"
    )


def write_evidence(pack: EvidencePack, out_dir: Path) -> tuple[Path, Path]:
    """Write release-<version>.md and .html into out_dir (links in the pack are relative to it)."""
    markdown_path = out_dir / f"release-{pack.version}.md"
    html_path = out_dir / f"release-{pack.version}.html"
    text = render_markdown(pack)
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(markdown_path, text)
    atomic_write(html_path, render_html(text, out_dir, f"Evidence pack: {pack.service} {pack.version}"))
    return markdown_path, html_path
