"""A report page as a list of blocks (headings, paragraphs, tables, figures), rendered by Jinja2.

The page builders say what goes on a page; the templates in ``sim/presentation/templates/report/`` say how it
looks. Autoescaping is on, so scenario names, arm names and error messages read from a folder
are shown as text, never taken as markup; only :class:`markupsafe.Markup` passes through as is.
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup


@cache
def templates() -> Environment:
    """The report templates, loaded once; every value is escaped unless it is Markup."""
    return Environment(
        loader=PackageLoader("sim.presentation", "templates/report"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


class Page:
    """An HTML page built section by section, in reading order."""

    def __init__(self, title: str):
        self.title = title
        self.blocks: list[dict] = []

    def section(self, heading: str) -> None:
        self.blocks.append({"kind": "section", "heading": heading})

    def para(self, text: str | Markup) -> None:
        """A paragraph; plain text is escaped, Markup (e.g. ``Markup("<b>{}</b>").format(name)``) is not."""
        self.blocks.append({"kind": "para", "text": text})

    def note(self, text: str) -> None:
        """A paragraph set apart, for what the reader must not miss (an unfinished experiment)."""
        self.blocks.append({"kind": "note", "text": text})

    def markup(self, markup: Markup) -> None:
        """Ready-made HTML, such as the Markdown an analysis wrote, converted."""
        self.blocks.append({"kind": "markup", "markup": markup})

    def verdict(self, verdict: str) -> None:
        css = verdict if verdict in ("success", "failure") else "unknown"
        self.blocks.append({"kind": "verdict", "verdict": verdict, "css": css})

    def table(
        self, columns: list[str], rows: list[list], numeric: list[int] = (), header: bool = True, css: str = ""
    ) -> None:
        """A table; the columns listed in ``numeric`` are right-aligned."""
        self.blocks.append(
            {"kind": "table", "columns": columns, "rows": rows, "numeric": set(numeric), "header": header, "css": css}
        )

    def image(self, uri: str, alt: str) -> None:
        """A figure, embedded as a data URI so that the page needs no other file."""
        self.blocks.append({"kind": "image", "uri": uri, "alt": alt})

    def details(self, summary: str, content: str | Markup) -> None:
        """A collapsed block: plain text is shown preformatted (TOML, JSON), Markup as it is."""
        preformatted = not isinstance(content, Markup)
        self.blocks.append({"kind": "details", "summary": summary, "content": content, "preformatted": preformatted})

    def html(self) -> str:
        import sim

        page = templates().get_template("page.html.j2")
        return page.render(title=self.title, blocks=self.blocks, version=sim.__version__)
