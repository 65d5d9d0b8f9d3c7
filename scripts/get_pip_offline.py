"""Offline stand-in for the pip bootstrap script that ansible-test downloads.

ansible-test creates its virtual environments without pip and then runs
``~/.ansible/test/cache/get_pip_<version>.py`` with pip install arguments such as
``--disable-pip-version-check pip==25.2 --no-setuptools --no-wheel``. When that
file is missing, ansible-test downloads it from a host that this project cannot
reach, so scripts/setup.sh copies this script to that name.

This script installs the pip that the running Python bundles (``ensurepip``) and
then runs ``pip install`` with the given arguments, so pip, setuptools and wheel
come from the package index that this machine's pip settings name.
"""

import ensurepip
import os
import subprocess
import sys

# Options of the real get-pip script that pip install does not accept. Without
# them the real script also leaves setuptools and wheel out, and so does this one
# because it installs only the packages that the arguments name.
BOOTSTRAP_ONLY_OPTIONS = ('--no-setuptools', '--no-wheel')


def install_bundled_pip():
    """Install the bundled pip and restore the PIP_* variables afterwards.

    ensurepip deletes every PIP_* environment variable from os.environ and sets
    PIP_CONFIG_FILE to os.devnull, which would hide this machine's index mirror,
    constraints and certificates from the pip install that follows.
    """
    saved = dict((name, value) for name, value in os.environ.items() if name.startswith('PIP_'))

    try:
        ensurepip.bootstrap(upgrade=True, default_pip=True)
    finally:
        for name in [name for name in os.environ if name.startswith('PIP_')]:
            del os.environ[name]

        os.environ.update(saved)


def main():
    """Install pip, then run pip install with this script's arguments."""
    pip_arguments = [argument for argument in sys.argv[1:] if argument not in BOOTSTRAP_ONLY_OPTIONS]

    install_bundled_pip()

    command = [sys.executable, '-m', 'pip', 'install'] + pip_arguments
    sys.exit(subprocess.call(command))


if __name__ == '__main__':
    main()
