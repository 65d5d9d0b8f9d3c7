"""The built index page in headless Chromium: it lists every module, the inventory
plugin and every role, and it loads nothing from another host."""

from __future__ import annotations

import pytest

# Name and target of each plugin link of a section of the index page. antsibull-docs
# writes a plugin link's text as "<short name> <kind>", such as "harica_ssl_request module".
SECTION_LINKS = """
Array.from(document.querySelectorAll('section#%s li a.reference')).map(a => ({
    text: a.textContent.trim(),
    href: a.getAttribute('href').split('#')[0],
    visible: a.getBoundingClientRect().height > 0,
}))
"""


@pytest.fixture
def index_page(browser, site):
    page = browser.open_page()
    page.navigate((site / "index.html").as_uri())
    return page


def section_links(page, section_id):
    return page.evaluate(SECTION_LINKS % section_id)


def short_name(plugin):
    return plugin.name.rsplit(".", 1)[-1]


def test_index_lists_every_module(index_page, documented_plugins):
    links = section_links(index_page, "modules")
    modules = [plugin for plugin in documented_plugins if plugin.kind == "module"]
    assert [link["text"] for link in links] == [f"{short_name(plugin)} module" for plugin in modules]
    assert [link["href"] for link in links] == [plugin.page for plugin in modules]
    assert all(link["visible"] for link in links)


def test_index_lists_inventory_plugin(index_page, documented_plugins):
    links = section_links(index_page, "inventory-plugins")
    inventories = [plugin for plugin in documented_plugins if plugin.kind == "inventory"]
    assert [link["text"] for link in links] == [f"{short_name(plugin)} inventory" for plugin in inventories]
    assert [link["href"] for link in links] == [plugin.page for plugin in inventories]
    assert all(link["visible"] for link in links)


def test_index_lists_every_role(index_page, documented_plugins):
    links = section_links(index_page, "role-index")
    roles = [plugin for plugin in documented_plugins if plugin.kind == "role"]
    assert [link["text"] for link in links] == [f"{short_name(plugin)} role" for plugin in roles]
    assert [link["href"] for link in links] == [plugin.page for plugin in roles]


def test_index_loads_only_local_files(index_page):
    urls = index_page.requested_urls()
    assert urls, "Chromium reported no request at all, so the check cannot tell anything"
    assert [url for url in urls if not url.startswith("file://")] == []


def test_plugin_link_opens_module_page(index_page, documented_plugins):
    module = next(plugin for plugin in documented_plugins if plugin.kind == "module")
    index_page.navigate(index_page.evaluate("location.href").rsplit("/", 1)[0] + "/" + module.page)
    title = index_page.evaluate("document.querySelector('h1').textContent")
    assert module.name in title
