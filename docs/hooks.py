"""MkDocs hooks (mkdocs.yml): the pages made at build time from their one source — the README as
the home page, the `cogov` commands' help from argparse, the notebooks as pages (shown as
committed, without outputs; not executed) — lists read as GitHub reads them, and TeX rendered to
MathML, which browsers draw with no script and nothing fetched."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

from latex2mathml.converter import convert
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
HELP_WIDTH = "88"  # the width of a code block on the page


def on_files(files: Files, config) -> Files:
    files.append(File.generated(config, "index.md", content=readme()))
    files.append(File.generated(config, "commands.md", content=commands()))
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        files.append(File.generated(config, f"notebooks/{notebook.stem}.md", content=notebook_page(notebook)))
    return files


def readme() -> str:
    """The README, its links into docs/ made relative to the site (docs/ODD.md -> ODD.md)."""
    return re.sub(r"\]\(docs/", "](", (ROOT / "README.md").read_text(encoding="utf-8"))


def commands() -> str:
    """Every command's --help, as `cogov COMMAND --help` prints it."""
    from sim.cli import build_parser

    width = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = HELP_WIDTH  # argparse wraps at the terminal's width
    try:
        parser = build_parser()
        subcommands = next(a for a in parser._actions if a.dest == "command").choices
        parts = ["# Commands", "",
                 "The help of the `cogov` command and of each subcommand, as `cogov COMMAND --help` prints it "
                 "(generated from the command itself when this site is built).", "",
                 "## cogov", "", "```text", parser.format_help().rstrip(), "```", ""]
        for name, sub in subcommands.items():
            parts += [f"## cogov {name}", "", "```text", sub.format_help().rstrip(), "```", ""]
    finally:
        if width is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = width
    return "\n".join(parts)


def notebook_page(path: Path) -> str:
    from nbconvert import MarkdownExporter

    body, _ = MarkdownExporter().from_filename(str(path))
    note = (f"\n\n!!! note \"Notebook `notebooks/{path.name}`\"\n    Shown without outputs. Run it in Jupyter from a "
            "checkout, or from the folder that `cogov examples DIR` writes.\n")
    title, _, rest = body.lstrip().partition("\n")
    return title + note + rest if title.startswith("# ") else f"# {path.stem}{note}\n{body}"


_LIST_ITEM = re.compile(r"(?:[*+-]|\d+\.) ")


def on_page_markdown(markdown: str, page, config, files) -> str:
    """A blank line before a list that follows a paragraph line directly: GitHub starts a list
    there, Python-Markdown would not."""
    out: list[str] = []
    fenced = False
    for line in markdown.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
        prev = out[-1] if out else ""
        if (not fenced and _LIST_ITEM.match(line) and prev.strip() and not prev[0].isspace()
                and not _LIST_ITEM.match(prev) and not prev.startswith(("|", "#", ">"))):
            out.append("")
        out.append(line)
    return "\n".join(out)


_MATH = re.compile(r'<(span|div) class="arithmatex">\\[(\[](.*?)\\[)\]]</\1>', re.S)


def on_page_content(content: str, page, config, files) -> str:
    """pymdownx.arithmatex's \\( \\) and \\[ \\] spans as MathML."""
    def mathml(m: re.Match) -> str:
        display = "block" if m.group(1) == "div" else "inline"
        return convert(html.unescape(m.group(2)), display=display)

    return _MATH.sub(mathml, content)
