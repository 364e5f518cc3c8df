"""Texts the commands wrote, made fit for a report page: their Markdown as HTML, a scenario as TOML."""

from __future__ import annotations

import tomli_w
from markdown_it import MarkdownIt
from markupsafe import Markup

#: CommonMark with tables; raw HTML in the text is shown as text, since names in it come from users.
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


def markdown_html(text: str, skip_title: bool = False) -> Markup:
    """The Markdown an analysis wrote (sensitivity_*.md, discovery.md) as HTML for a page.

    Its headings move two levels down, under the page's own title and section headings; with
    ``skip_title`` its level-one heading is left out, where the page's section already says it.
    """
    kept = []
    in_title = False
    for token in _MARKDOWN.parse(text):
        is_title = token.type in ("heading_open", "heading_close") and token.tag == "h1"
        if skip_title and token.type == "heading_open" and is_title:
            in_title = True
        if not in_title:
            if token.type in ("heading_open", "heading_close"):
                token.tag = f"h{min(int(token.tag[1]) + 2, 6)}"
            kept.append(token)
        if in_title and token.type == "heading_close":
            in_title = False
    return Markup(_MARKDOWN.renderer.render(kept, _MARKDOWN.options, {}))


def scenario_toml(resolved: dict) -> str:
    """A resolved scenario as a TOML file that ``crmsim run`` reads back to the same settings.

    TOML has no null: settings that are not set are left out and named in a comment at the top.
    """
    unset = [key for key, value in _flatten(resolved) if value is None]
    header = f"# not set: {', '.join(unset)}\n\n" if unset else ""
    return header + tomli_w.dumps(_without_none(resolved))


def _flatten(node: dict, prefix: str = ""):
    """(dotted key, value) of every setting below ``node``."""
    for key, value in node.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _without_none(node: dict) -> dict:
    return {k: _without_none(v) if isinstance(v, dict) else v for k, v in node.items() if v is not None}
