"""Sphinx configuration of the harica.certmanager documentation site.

docs/docsite/build.py runs sphinx-build with this directory as the configuration
directory, on the RST that antsibull-docs wrote. Nothing here downloads anything,
because the theme and its assets come from the sphinx-ansible-theme package and the
only intersphinx inventory is the local file that build.py writes and names in
HARICA_DOCS_INVENTORY.
"""

import os

project = 'harica.certmanager'
html_title = 'harica.certmanager documentation'
html_short_title = 'harica.certmanager'
html_show_copyright = False
html_show_sphinx = False
html_copy_source = False
html_use_index = False
html_use_modindex = False

# sphinx_antsibull_ext comes with antsibull-docs and renders its roles and directives.
extensions = ['sphinx_antsibull_ext', 'sphinx.ext.intersphinx']

# Every reference must resolve, so that a broken link fails the build (-W).
nitpicky = True
default_role = 'any'
pygments_style = 'ansible'
highlight_language = 'YAML+Jinja'

html_theme = 'sphinx_ansible_theme'
# The theme's analytics, banner and advertising hooks stay off, so the site loads
# nothing from other hosts (tests/docs checks this in Chromium).
html_theme_options = {
    'display_version': False,
    'show_extranav': False,
    'show_rtd_ethical_ads': False,
    'satellite_tracking': False,
    'documentation_home_url': 'index.html',
    # Without this option the theme links its top bar to Ansible's own sites.
    'topbar_links': {
        'Repository': 'https://github.com/harica-certmanager/harica.certmanager',
        'Changelog': 'https://github.com/harica-certmanager/harica.certmanager/blob/main/CHANGELOG.md',
    },
}

try:
    _INVENTORY = os.environ['HARICA_DOCS_INVENTORY']
except KeyError:
    raise RuntimeError('HARICA_DOCS_INVENTORY is not set: build the site with docs/docsite/build.py') from None

# The plugin pages link to a few objects of the Ansible documentation. Their inventory
# is a local file, so intersphinx reads it and downloads nothing.
intersphinx_mapping = {
    'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/', _INVENTORY),
}
intersphinx_cache_limit = 0
