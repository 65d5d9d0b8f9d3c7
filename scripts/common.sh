# shellcheck shell=bash
# Settings and helpers shared by scripts/setup.sh and scripts/test.sh. Source it,
# do not run it.

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The ansible-core releases under test, oldest first. The last one is the newest
# core, which also runs the tests marked "shapes".
CORES=(2.16 2.21)

# Print an error message to stderr and exit with status 1.
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# Print the Python version (major.minor) that the given core runs on.
core_python_version() {
    case "$1" in
        2.16) echo 3.11 ;;
        2.21) echo 3.12 ;;
        *) die "unknown ansible-core release '$1' (known: ${CORES[*]})" ;;
    esac
}

newest_core() {
    echo "${CORES[${#CORES[@]} - 1]}"
}

# Print the virtual environment directory of the given core.
core_venv() {
    echo "$REPO_ROOT/.venvs/$1"
}

# Print the directory that ANSIBLE_COLLECTIONS_PATH needs in order to find
# harica.certmanager in this checkout.
collections_dir() {
    echo "$REPO_ROOT/.collections"
}
