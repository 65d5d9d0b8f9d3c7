"""Convert the Markdown of docs/api-assumptions.md to reStructuredText.

The API assumptions page is written in Markdown, beside the code it describes, and the
documentation site shows it as one of its pages. This converter handles the subset of
Markdown that the page uses: ATX headings (#, ## and ###), paragraphs, "- " bullet
lists with indented continuation lines, pipe tables, fenced code blocks (```lang),
`code`, **bold** and [text](url) links. Anything else raises ConversionError with the line number, so that a new
construct fails the build instead of turning into wrong markup.
"""

from __future__ import annotations

import re
import typing as t

HEADING_UNDERLINES = {1: "=", 2: "-", 3: "~"}

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_BULLET = re.compile(r"^- (.*)$")
_TABLE_ROW = re.compile(r"^\|.*\|\s*$")
_TABLE_SEPARATOR_CELL = re.compile(r"^:?-{3,}:?$")
_FENCE = re.compile(r"^```(?P<language>[A-Za-z0-9_+-]*)\s*$")
_UNSUPPORTED_BLOCK = re.compile(r"^(```|~~~|>|\d+[.)]\s|\*\s|\+\s|<|    \S)")

# Inline Markdown: a code span, bold text or a link.
_INLINE = re.compile(r"`(?P<code>[^`]+)`|\*\*(?P<bold>[^*]+)\*\*|\[(?P<text>[^\]]+)\]\((?P<url>[^)\s]+)\)")

# Characters that docutils accepts right before an inline markup start and right after
# its end, besides whitespace (docutils' inline markup recognition rules).
_ALLOWED_BEFORE = set("-:/'\"<([{")
_ALLOWED_AFTER = set("-.,:;!?\\/'\")]}>")


class ConversionError(ValueError):
    """The Markdown contains a construct that this converter does not handle."""

    def __init__(self, line_number: int, problem: str) -> None:
        super().__init__(f"line {line_number}: {problem}")
        self.line_number = line_number


def convert(markdown: str, *, link_base: str = "") -> str:
    """Return the reStructuredText of a Markdown document.

    ``link_base`` is prepended to relative link targets, so that a link to another file
    of the repository still works on the site.
    """
    lines = markdown.splitlines()
    output: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
            continue
        if _HEADING.match(line):
            output.extend(_heading(line, index + 1, link_base))
            index += 1
        elif _TABLE_ROW.match(line):
            index = _table(lines, index, output, link_base)
        elif _BULLET.match(line):
            index = _bullet_list(lines, index, output, link_base)
        elif _FENCE.match(line):
            index = _code_block(lines, index, output)
        elif _UNSUPPORTED_BLOCK.match(line):
            raise ConversionError(index + 1, f"unsupported Markdown block: {line.strip()!r}")
        else:
            index = _paragraph(lines, index, output, link_base)
        output.append("")
    while output and not output[-1]:
        output.pop()
    return "\n".join(output) + "\n"


def _code_block(lines: list[str], index: int, output: list[str]) -> int:
    """Turn a fenced block into a code-block directive; its lines are kept as they are."""
    match = _FENCE.match(lines[index])
    assert match is not None
    language = match.group("language") or "text"
    end = index + 1
    while end < len(lines) and lines[end].strip() != "```":
        end += 1
    if end == len(lines):
        raise ConversionError(index + 1, "a fenced code block is not closed")
    output.extend([f".. code-block:: {language}", ""])
    output.extend(f"   {line}" if line.strip() else "" for line in lines[index + 1 : end])
    return end + 1


def _heading(line: str, line_number: int, link_base: str) -> list[str]:
    match = _HEADING.match(line)
    assert match is not None
    level = len(match.group(1))
    if level not in HEADING_UNDERLINES:
        raise ConversionError(line_number, f"heading level {level} is not supported (only 1 to 3)")
    title = inline(match.group(2), line_number, link_base)
    return [title, HEADING_UNDERLINES[level] * len(title)]


def _paragraph(lines: list[str], index: int, output: list[str], link_base: str) -> int:
    start = index
    text: list[str] = []
    while index < len(lines) and lines[index].strip() and not _starts_block(lines[index]):
        text.append(lines[index].strip())
        index += 1
    output.append(inline(" ".join(text), start + 1, link_base))
    return index


def _starts_block(line: str) -> bool:
    return bool(_HEADING.match(line) or _TABLE_ROW.match(line) or _BULLET.match(line))


def _bullet_list(lines: list[str], index: int, output: list[str], link_base: str) -> int:
    while index < len(lines):
        match = _BULLET.match(lines[index])
        if match is None:
            break
        start = index
        text = [match.group(1).strip()]
        index += 1
        # A continuation line is indented, and a blank line or a new item ends the item.
        while index < len(lines) and lines[index].startswith("  ") and lines[index].strip():
            if _BULLET.match(lines[index].strip()):
                raise ConversionError(index + 1, "nested lists are not supported")
            text.append(lines[index].strip())
            index += 1
        output.append("- " + inline(" ".join(text), start + 1, link_base))
        if index < len(lines) and not lines[index].strip():
            # A blank line followed by another item keeps the list together.
            if index + 1 < len(lines) and _BULLET.match(lines[index + 1]):
                index += 1
    return index


def _table(lines: list[str], index: int, output: list[str], link_base: str) -> int:
    start = index
    rows: list[list[str]] = []
    while index < len(lines) and _TABLE_ROW.match(lines[index]):
        rows.append(_cells(lines[index]))
        index += 1
    if len(rows) < 2 or not all(_TABLE_SEPARATOR_CELL.match(cell) for cell in rows[1]):
        raise ConversionError(start + 1, "a table needs a header row and a separator row such as | --- |")
    header, body = rows[0], rows[2:]
    for offset, row in enumerate([header, *body]):
        if len(row) != len(header):
            line_number = start + 1 if offset == 0 else start + 2 + offset
            raise ConversionError(line_number, f"the row has {len(row)} cells, but the header has {len(header)}")
    output.extend([".. list-table::", "   :header-rows: 1", ""])
    for offset, row in enumerate([header, *body]):
        line_number = start + 1 if offset == 0 else start + 2 + offset
        for position, cell in enumerate(row):
            marker = "   * - " if position == 0 else "     - "
            output.append(marker + (inline(cell, line_number, link_base) or "\\ "))
    return index


def _cells(line: str) -> list[str]:
    # NOTE: a pipe inside a code span splits the cell too, because every pipe separates
    # cells here. The page has no such span.
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def inline(text: str, line_number: int, link_base: str = "") -> str:
    """Convert the inline Markdown of one line or cell, escaping reStructuredText markup."""
    parts: list[str] = []
    position = 0
    for match in _INLINE.finditer(text):
        parts.append(_escape(text[position:match.start()]))
        markup = _inline_markup(match, line_number, link_base)
        before = text[match.start() - 1] if match.start() > 0 else " "
        after = text[match.end()] if match.end() < len(text) else " "
        if not before.isspace() and before not in _ALLOWED_BEFORE:
            markup = "\\ " + markup
        if not after.isspace() and after not in _ALLOWED_AFTER:
            markup += "\\ "
        parts.append(markup)
        position = match.end()
    parts.append(_escape(text[position:]))
    return "".join(parts)


def _inline_markup(match: t.Match[str], line_number: int, link_base: str) -> str:
    if match.group("code") is not None:
        code = match.group("code")
        if code.startswith(" ") or code.endswith(" "):
            raise ConversionError(line_number, f"a code span may not start or end with a space: `{code}`")
        return f"``{code}``"
    if match.group("bold") is not None:
        return f"**{_escape(match.group('bold'))}**"
    url = match.group("url")
    if "://" not in url and not url.startswith(("#", "mailto:")):
        url = link_base + url
    if url.startswith("#"):
        raise ConversionError(line_number, f"links to an anchor of the page are not supported: {url}")
    return f"`{_escape(match.group('text'))} <{url}>`__"


def _escape(text: str) -> str:
    """Escape the characters that start reStructuredText inline markup or references."""
    text = text.replace("\\", "\\\\")
    for character in ("*", "`", "|"):
        text = text.replace(character, "\\" + character)
    # A word that ends with "_" is a reference in reStructuredText.
    return re.sub(r"(?<=\w)_(?=\W|$)", r"\\_", text)
