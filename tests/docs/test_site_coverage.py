"""The built site has a page for everything ansible-doc lists, and the guides."""

from __future__ import annotations

import html.parser
import re
from pathlib import Path

import yaml

REPOSITORY = Path(__file__).resolve().parents[2]
DOCSITE = REPOSITORY / "docs" / "docsite"
PLUGIN_PAGE = re.compile(r"^[a-z0-9_]+_(module|inventory|role)\.html$")


class LinkCollector(html.parser.HTMLParser):
    """Collect the href of every link of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href.split("#", 1)[0])


def links_of(page: Path) -> set[str]:
    collector = LinkCollector()
    collector.feed(page.read_text(encoding="utf-8"))
    return set(collector.hrefs)


def test_every_listed_plugin_has_page(site, documented_plugins):
    missing = [plugin.name for plugin in documented_plugins if not (site / plugin.page).is_file()]
    assert missing == []


def test_every_plugin_page_is_listed(site, documented_plugins):
    expected = {plugin.page for plugin in documented_plugins}
    pages = {path.name for path in site.glob("*.html") if PLUGIN_PAGE.match(path.name)}
    assert sorted(pages - expected) == []


def test_index_links_every_plugin_page(site, documented_plugins):
    links = links_of(site / "index.html")
    assert [plugin.page for plugin in documented_plugins if plugin.page not in links] == []


def test_modules_and_inventory_listed(documented_plugins):
    kinds = {plugin.kind for plugin in documented_plugins}
    assert "module" in kinds
    assert "inventory" in kinds


def test_every_guide_is_in_extra_docs():
    index = yaml.safe_load((DOCSITE / "extra-docs.yml").read_text(encoding="utf-8"))
    listed = {entry for section in index["sections"] for entry in section["toctree"]}
    guides = {path.stem for path in (DOCSITE / "rst").glob("*.rst")}
    assert sorted(guides - listed) == []
    assert sorted(listed - guides) == []


def test_every_guide_has_page(site):
    index = yaml.safe_load((DOCSITE / "extra-docs.yml").read_text(encoding="utf-8"))
    links = links_of(site / "index.html")
    for section in index["sections"]:
        for guide in section["toctree"]:
            assert (site / "docsite" / f"{guide}.html").is_file(), guide
            assert f"docsite/{guide}.html" in links, guide


def test_assumptions_page_has_every_row(site):
    markdown = (REPOSITORY / "docs" / "api-assumptions.md").read_text(encoding="utf-8")
    row_ids = re.findall(r"^\| ([A-Z]\d+) \|", markdown, flags=re.MULTILINE)
    page = (site / "docsite" / "api_assumptions.html").read_text(encoding="utf-8")
    assert len(row_ids) > 10
    assert [row_id for row_id in row_ids if f"<p>{row_id}</p>" not in page] == []
    assert "in the place of this text" not in page
