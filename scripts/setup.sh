#!/usr/bin/env bash
# Prepare this checkout for scripts/test.sh. Safe to run again: each step skips
# the work that is already done.
#
# - installs Debian's shellcheck when it is missing, so the shellcheck sanity
#   test runs instead of being skipped;
# - installs Debian's chromium when it is missing, for the browser check of the
#   audit report (tests/audit);
# - creates one virtual environment per ansible-core release under .venvs/; the
#   newest core's also gets Molecule, the browser check's DevTools client, and
#   antsibull-docs, Sphinx and antsibull-changelog for the docs and changelog
#   stages (tests/docs/requirements.txt), and ansible-lint and ansible-builder
#   for the release stages (tests/release/requirements.txt);
# - links .collections/ansible_collections/harica/certmanager to this checkout;
# - puts scripts/get_pip_offline.py where ansible-test looks for its cached pip
#   bootstrap script, so ansible-test --venv works without downloading it.
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Increase this when install_requirements changes, so that every venv
# reinstalls its requirements on the next run.
VENV_RECIPE_VERSION=2

# Requirement files installed only into the newest core's venv: Molecule, the
# browser check, the docs and changelog stages and the release stages run there
# alone.
NEWEST_CORE_REQUIREMENTS=(extensions/molecule/requirements.txt tests/audit/requirements.txt tests/docs/requirements.txt
    tests/release/requirements.txt)

main() {
    cd "$REPO_ROOT"
    ensure_shellcheck
    ensure_chromium
    link_collection

    local core
    for core in "${CORES[@]}"; do
        ensure_venv "$core"
        install_pip_bootstrap "$core"
    done
}

ensure_shellcheck() {
    ensure_debian_package shellcheck shellcheck
}

# Debian's chromium, started headless by tests/audit. Its DevTools client comes
# from PyPI (tests/audit/requirements.txt) and downloads no browser.
ensure_chromium() {
    ensure_debian_package chromium chromium
}

# Install a Debian package with apt-get unless its command is on PATH,
# refreshing the package lists only when apt-get cannot find the package in
# the current ones.
ensure_debian_package() {
    local command_name=$1 package=$2
    if command -v "$command_name" >/dev/null; then
        return
    fi

    echo "setup: installing $package with apt-get"
    local output
    if output=$(apt_install "$package" 2>&1); then
        return
    fi

    if ! grep -qE 'Unable to locate package|has no installation candidate' <<<"$output"; then
        printf '%s\n' "$output" >&2
        die "apt-get install $package failed; install $package and run this script again"
    fi

    echo "setup: apt-get has no package lists for $package; running apt-get update"
    apt-get update -q
    apt_install "$package"
}

apt_install() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

# Make ANSIBLE_COLLECTIONS_PATH=$REPO_ROOT/.collections find harica.certmanager
# in this checkout. The link is relative so that a moved checkout keeps working.
link_collection() {
    local namespace_dir
    namespace_dir="$(collections_dir)/ansible_collections/harica"
    local link="$namespace_dir/certmanager"
    local target=../../..

    if [[ -L $link && $(readlink "$link") == "$target" ]]; then
        return
    fi

    if [[ -e $link && ! -L $link ]]; then
        die "$link exists and is not a symbolic link; remove it and run this script again"
    fi

    mkdir -p "$namespace_dir"
    ln -sfn "$target" "$link"
    echo "setup: linked $link to the repository root"
}

# Print the path of a Python interpreter of the given major.minor version:
# pyenv's when pyenv has one, otherwise the one named pythonX.Y on PATH.
find_python() {
    local version=$1 prefix candidate

    if command -v pyenv >/dev/null && prefix=$(pyenv prefix "$version" 2>/dev/null); then
        candidate="$prefix/bin/python$version"
    else
        candidate=$(command -v "python$version" || true)
    fi

    if [[ -z $candidate ]] || ! python_has_version "$candidate" "$version"; then
        die "Python $version was not found (tried 'pyenv prefix $version' and python$version on PATH);" \
            "install it, for example with 'pyenv install $version', and run this script again"
    fi

    # Resolve pyenv shims to the real interpreter, which keeps working when
    # another pyenv version is selected later.
    "$candidate" -c 'import sys; print(sys.executable)'
}

python_has_version() {
    local actual
    actual=$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || return 1
    [[ $actual == "$2" ]]
}

# Print a hash of everything that decides what the core's venv contains.
requirements_hash() {
    local core=$1 python=$2 file

    {
        echo "recipe $VENV_RECIPE_VERSION, ansible-core $core, python $python"
        for file in requirements.txt tests/requirements.txt simulator/pyproject.toml $(newest_core_files "$core"); do
            if [[ -f $file ]]; then
                echo "== $file"
                cat "$file"
            fi
        done
    } | sha256sum | cut -d ' ' -f 1
}

# Create the core's venv and install its requirements unless the stored hash
# shows that they are already installed.
ensure_venv() {
    local core=$1 venv python stamp expected_hash
    venv=$(core_venv "$core")
    python=$(find_python "$(core_python_version "$core")")
    stamp="$venv/.requirements.sha256"
    expected_hash=$(requirements_hash "$core" "$python")

    if [[ -x $venv/bin/python && -f $stamp && $(<"$stamp") == "$expected_hash" ]]; then
        return
    fi

    if [[ ! -x $venv/bin/python ]] || ! python_has_version "$venv/bin/python" "$(core_python_version "$core")"; then
        echo "setup: creating $venv with $python"
        rm -rf "$venv"
        "$python" -m venv "$venv"
    fi

    install_requirements "$core" "$venv"
    echo "$expected_hash" >"$stamp"
}

# Print the requirement files that only the newest core's venv installs, when
# the given core is the newest.
newest_core_files() {
    if [[ $1 == "$(newest_core)" ]]; then
        printf '%s\n' "${NEWEST_CORE_REQUIREMENTS[@]}"
    fi
}

install_requirements() {
    local core=$1 venv=$2 file
    local arguments=(--quiet "ansible-core==$core.*" -r requirements.txt -r tests/requirements.txt)

    if [[ -f simulator/pyproject.toml ]]; then
        arguments+=(-e simulator)
    fi

    for file in $(newest_core_files "$core"); do
        arguments+=(-r "$file")
    done

    echo "setup: installing ansible-core $core and the requirements into $venv"
    "$venv/bin/python" -m pip install "${arguments[@]}"
}

# Copy scripts/get_pip_offline.py to each cache name that the core's
# ansible-test looks up. ansible-test pins the pip version of its venvs in
# _internal/python_requirements.py, and some releases pin more than one
# (older Pythons get older pip), so every pinned version gets a copy.
install_pip_bootstrap() {
    local core=$1 venv ansible_test_dir source_file pip_versions version
    venv=$(core_venv "$core")
    ansible_test_dir=$("$venv/bin/python" -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')
    source_file="$ansible_test_dir/_internal/python_requirements.py"

    pip_versions=$(sed -nE "s/.*\bpip='([0-9][0-9.]*)'.*/\1/p" "$source_file" | sort -u)
    if [[ -z $pip_versions ]]; then
        die "no pinned pip version found in $source_file; update install_pip_bootstrap in $0 for ansible-core $core"
    fi

    local cache_dir="$HOME/.ansible/test/cache"
    mkdir -p "$cache_dir"
    for version in $pip_versions; do
        copy_if_changed "$REPO_ROOT/scripts/get_pip_offline.py" "$cache_dir/get_pip_${version//./_}.py"
    done
}

copy_if_changed() {
    if ! cmp -s "$1" "$2"; then
        cp "$1" "$2"
        echo "setup: installed $2"
    fi
}

main "$@"
