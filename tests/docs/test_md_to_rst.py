"""The Markdown converter of the API assumptions page, on small documents."""

from __future__ import annotations

import sys
from pathlib import Path

import docutils.core
import docutils.utils
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "docs" / "docsite"))

import md_to_rst  # noqa: E402  pylint: disable=wrong-import-position

TABLE = """\
# Title

| # | Fact | Code |
| --- | --- | --- |
| A1 | Uses `X-API-Key`, **guessed** | `_client.send` |
| A2 | Lists `SSL`/`TLS` words | `_api.required_role` |
"""


def parse_warnings(rst):
    """Return the docutils system messages of level WARNING or above for ``rst``."""
    document = docutils.core.publish_doctree(
        rst, settings_overrides={"report_level": docutils.utils.Reporter.SEVERE_LEVEL + 1, "halt_level": 5}
    )
    return [node.astext() for node in document.findall(docutils.nodes.system_message) if node["level"] >= 2]


def test_table_becomes_list_table():
    rst = md_to_rst.convert(TABLE)
    assert ".. list-table::" in rst
    assert "   * - A1\n     - Uses ``X-API-Key``, **guessed**\n     - ``_client.send``" in rst
    assert parse_warnings(rst) == []


def test_adjacent_code_spans_parse():
    rst = md_to_rst.convert("Words `SSL`/`TLS` and `www.<domain>`s here.\n")
    assert "``SSL``/``TLS``" in rst
    assert "``www.<domain>``\\ s" in rst
    assert parse_warnings(rst) == []


def test_headings_get_underlines():
    rst = md_to_rst.convert("# Top\n\n## Part\n\n### Detail\n")
    assert rst == "Top\n===\n\nPart\n----\n\nDetail\n~~~~~~\n"


def test_paragraph_lines_are_joined():
    assert md_to_rst.convert("one\ntwo\n\nthree\n") == "one two\n\nthree\n"


def test_bullet_continuation_lines_join():
    rst = md_to_rst.convert("- first item\n  goes on\n- second\n")
    assert rst == "- first item goes on\n- second\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a * b", "a \\* b"),
        ("pipe | here", "pipe \\| here"),
        ("name_ ends", "name\\_ ends"),
        ("inner_name stays", "inner_name stays"),
        ("back\\slash", "back\\\\slash"),
    ],
)
def test_plain_text_is_escaped(text, expected):
    assert md_to_rst.inline(text, 1) == expected


def test_relative_link_gets_base():
    rst = md_to_rst.inline("see [the simulator](../simulator/README.md)", 1, "https://example.org/blob/main/docs/")
    assert rst == "see `the simulator <https://example.org/blob/main/docs/../simulator/README.md>`__"


def test_absolute_link_is_kept():
    assert md_to_rst.inline("[HARICA](https://www.harica.gr)", 1) == "`HARICA <https://www.harica.gr>`__"


@pytest.mark.parametrize(
    "markdown",
    [
        "text\n\n```\ncode without an end\n",
        "~~~\ncode\n~~~\n",
        "> quoted\n",
        "1. numbered\n",
        "#### deep heading\n",
        "- item\n  - nested\n",
        "| a | b |\n| c | d |\n",
        "| a | b |\n| --- | --- |\n| only one |\n",
    ],
)
def test_unsupported_markdown_is_rejected(markdown):
    with pytest.raises(md_to_rst.ConversionError):
        md_to_rst.convert(markdown)


def test_fenced_code_becomes_code_block():
    converted = md_to_rst.convert("Run:\n\n```bash\nexport A=1\n\nmake  test\n```\n")
    assert converted == "Run:\n\n.. code-block:: bash\n\n   export A=1\n\n   make  test\n"
    assert parse_warnings(converted) == []


def test_error_names_the_line():
    with pytest.raises(md_to_rst.ConversionError, match="^line 3: "):
        md_to_rst.convert("# Title\n\n> quoted\n")


def test_assumptions_page_converts_cleanly():
    markdown = (Path(__file__).resolve().parents[2] / "docs" / "api-assumptions.md").read_text(encoding="utf-8")
    assert parse_warnings(md_to_rst.convert(markdown)) == []
