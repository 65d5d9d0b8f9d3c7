#!/usr/bin/env bash
# Run every test of this repository, or the stages named on the command line.
# See usage() or run "scripts/test.sh --help".
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Exit status with which a stage reports that it found nothing to test.
STAGE_SKIPPED=77

usage() {
    cat <<EOF
Usage: scripts/test.sh [STAGE ...]

Run scripts/setup.sh, then the test stages, and print a summary. With no
argument every stage runs. Each stage prints its result (PASS, FAIL, or SKIP
when it finds no tests) and its time in seconds. The exit status is 1 when any
stage failed, but the stages after a failed one still run.

Stages, where CORE is an ansible-core release under test (${CORES[*]}):
  simulator         pytest of the HARICA simulator (simulator/tests), on the
                    newest core's venv
  sanity-CORE       ansible-test sanity --venv on a copy of the collection in
                    build/CORE; fails on any skip that
                    tests/sanity/expected-skips-CORE.txt does not list, and on
                    any listed skip that did not happen
  units-CORE        ansible-test units --venv on the same copy
  integration-CORE  pytest tests/integration -m "not shapes" on CORE's venv,
                    with ANSIBLE_COLLECTIONS_PATH set to .collections
  shapes-CORE       pytest tests/integration -m shapes: the demo playbook and
                    the read paths under each response-shape alternative of
                    the simulator; runs on the newest core only
  molecule-CORE     molecule test on every scenario of extensions/molecule: the
                    simulator's start and stop first, then the
                    certificate_audit, decommission, ssl_approval and
                    smime_enrollment roles against the simulator; runs on the
                    newest core only
  browser           pytest tests/audit: in headless Chromium (Debian's
                    chromium), the HTML audit report of fixed data and the
                    report of an audit run against the simulator and loopback
                    TLS servers; on the newest core's venv
  docs              antsibull-docs lint-collection-docs --plugin-docs of the
                    build/CORE copy of the newest core, the documentation site
                    (docs/docsite/build.py, Sphinx warnings as errors) into
                    build/docs, and pytest tests/docs: a page for every plugin
                    and role that ansible-doc lists, the index page in headless
                    Chromium, and the guides' example plays against the simulator
  changelog         antsibull-changelog lint and lint-changelog-yaml, and a
                    check that CHANGELOG.md is what antsibull-changelog
                    generate writes
  lint              ansible-lint with the .ansible-lint settings on a copy of
                    the collection in build/lint: the roles, playbooks/,
                    demo/*.yml, the plugins with their EXAMPLES, and the
                    release metadata
  build             pytest tests/release/test_build.py: ansible-galaxy
                    collection build and install --offline into temporary
                    directories, the tarball's contents, demo/run.sh on the
                    installed copy, and ansible-builder introspect of it
  awx               pytest tests/release/test_awx.py: the AWX credential type
                    of extensions/awx, with its env injectors rendered as AWX
                    renders them driving demo/approve.yml and ansible-inventory
                    against the simulator

A STAGE argument is a stage name, a kind (simulator, sanity, units,
integration, shapes, molecule, browser, docs, changelog, lint, build, awx)
that selects that kind on every core, or a core that selects every stage of
that core. The stage names, in the order they run:
  $(all_stages | tr '\n' ' ')

Example: scripts/test.sh sanity units-$(newest_core)
EOF
}

# Print the name of every stage in the order in which they run.
all_stages() {
    local core
    echo simulator
    for core in "${CORES[@]}"; do
        printf '%s\n' "sanity-$core" "units-$core" "integration-$core"
    done
    echo "shapes-$(newest_core)"
    echo "molecule-$(newest_core)"
    echo browser
    echo docs
    echo changelog
    printf '%s\n' lint build awx
}

# Succeed when the stage is selected by one of the arguments.
stage_selected() {
    local stage=$1 selector
    shift

    if [[ $# -eq 0 ]]; then
        return 0
    fi

    for selector in "$@"; do
        if [[ $selector == "$stage" || $selector == "${stage%%-*}" || $selector == "${stage#*-}" ]]; then
            return 0
        fi
    done
    return 1
}

# Exit with a message when an argument selects no stage.
validate_selectors() {
    local selector stages stage matched
    mapfile -t stages < <(all_stages)
    for selector in "$@"; do
        matched=false
        for stage in "${stages[@]}"; do
            if stage_selected "$stage" "$selector"; then
                matched=true
            fi
        done

        if [[ $matched == false ]]; then
            die "unknown stage '$selector'; run scripts/test.sh --help for the stage names"
        fi
    done
}

# Put the core's venv first on PATH, so that pytest, ansible-test and the
# ansible commands that the tests start all come from that core.
activate_venv() {
    local venv
    venv=$(core_venv "$1")
    export VIRTUAL_ENV="$venv"
    export PATH="$venv/bin:$PATH"
}

# Run pytest in the current venv. Exit status 5 (no tests collected) becomes
# STAGE_SKIPPED, so that a selection that matches no test does not fail.
run_pytest() {
    local status=0
    python -m pytest "$@" || status=$?

    if [[ $status -eq 5 ]]; then
        echo "pytest collected no tests for: $*"
        return "$STAGE_SKIPPED"
    fi
    return "$status"
}

# Succeed when the directory contains a pytest test file.
has_pytest_files() {
    [[ -d $1 ]] && [[ -n $(find "$1" \( -name 'test_*.py' -o -name '*_test.py' \) -print -quit) ]]
}

# Print the directory where ansible-test runs for the given core. ansible-test
# needs the ansible_collections/NAMESPACE/NAME layout and rejects symbolic links.
build_tree() {
    echo "$REPO_ROOT/build/$1/ansible_collections/harica/certmanager"
}

# Make the core's build tree an exact copy of the collection files in the work
# tree: tracked files and untracked files that git does not ignore, without
# simulator/. ansible-test's own output in tests/output is kept.
#
# The tree gets an empty git repository of its own. Without one, ansible-test
# walks up to this repository's .git, runs git ls-files there, gets no file
# under build/ because .gitignore excludes it, and finds no targets.
sync_build_tree() {
    local tree file_list
    tree=$(build_tree "$1")
    file_list="$REPO_ROOT/build/$1/files.list"
    mkdir -p "$tree"

    if [[ ! -d $tree/.git ]]; then
        git -C "$tree" init -q
    fi

    list_collection_files >"$file_list"
    tar -C "$REPO_ROOT" --null -T "$file_list" -cf - | tar -C "$tree" -xf -
    remove_stale_files "$tree" "$file_list"
}

# Print the NUL-separated paths of the collection files, sorted.
list_collection_files() {
    local path
    git -C "$REPO_ROOT" ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' path; do
            # Tracked files deleted from the work tree are still listed by git.
            if [[ $path != simulator/* && (-e $REPO_ROOT/$path || -L $REPO_ROOT/$path) ]]; then
                printf '%s\0' "$path"
            fi
        done | sort -z -u
}

remove_stale_files() {
    local tree=$1 file_list=$2 path
    comm -z -23 \
        <(cd "$tree" && find . \( -path ./.git -o -path ./tests/output \) -prune -o \( -type f -o -type l \) -printf '%P\0' | sort -z) \
        "$file_list" |
        while IFS= read -r -d '' path; do
            rm -f "$tree/$path"
        done
    find "$tree" -mindepth 1 -depth -type d -empty -not -path "$tree/.git*" -not -path "$tree/tests/output*" -delete
}

stage_simulator() {
    if ! has_pytest_files "$REPO_ROOT/simulator/tests"; then
        echo "simulator/tests contains no tests"
        return "$STAGE_SKIPPED"
    fi

    activate_venv "$(newest_core)"
    cd "$REPO_ROOT"
    run_pytest simulator/tests
}

stage_sanity() {
    local core=$1 python_version tree log status=0
    python_version=$(core_python_version "$core")
    tree=$(build_tree "$core")
    log="$REPO_ROOT/build/$core/sanity.log"

    activate_venv "$core"
    sync_build_tree "$core"
    rm -rf "$tree/tests/output/junit"
    cd "$tree"
    refuse_exemptions tests/sanity/ignore-*.txt

    ansible-test sanity --venv --python "$python_version" --color no --junit 2>&1 | tee "$log" || status=$?

    python "$REPO_ROOT/scripts/check_sanity_results.py" \
        --junit-dir "$tree/tests/output/junit" \
        --console-log "$log" \
        --expected-skips "$REPO_ROOT/tests/sanity/expected-skips-$core.txt" \
        --python "$python_version" || status=1
    return "$status"
}

stage_units() {
    local core=$1

    if ! has_pytest_files "$REPO_ROOT/tests/unit"; then
        echo "tests/unit contains no tests"
        return "$STAGE_SKIPPED"
    fi

    activate_venv "$core"
    sync_build_tree "$core"
    cd "$(build_tree "$core")"
    ansible-test units --venv --python "$(core_python_version "$core")" --color no
}

stage_integration() {
    run_integration_tests "$1" 'not shapes'
}

stage_shapes() {
    run_integration_tests "$1" shapes
}

run_integration_tests() {
    local core=$1 marker=$2

    if ! has_pytest_files "$REPO_ROOT/tests/integration"; then
        echo "tests/integration contains no tests"
        return "$STAGE_SKIPPED"
    fi

    activate_venv "$core"
    export ANSIBLE_COLLECTIONS_PATH
    ANSIBLE_COLLECTIONS_PATH=$(collections_dir)
    cd "$REPO_ROOT"
    run_pytest tests/integration -m "$marker"
}

# Print the directory of each Molecule scenario, sorted.
# The simulator scenario comes first: the others rely on the simulator's life cycle
# that it checks.
molecule_scenarios() {
    local file name
    if [[ -f $REPO_ROOT/extensions/molecule/simulator/molecule.yml ]]; then
        echo simulator
    fi
    for file in "$REPO_ROOT"/extensions/molecule/*/molecule.yml; do
        name=$(basename "$(dirname "$file")")
        if [[ -f $file && $name != simulator ]]; then
            echo "$name"
        fi
    done
}

# Molecule finds the scenarios of a collection under extensions/molecule when it
# runs in the collection root (galaxy.yml). Each scenario starts and stops its
# own servers on 127.0.0.1.
stage_molecule() {
    local core=$1 scenarios scenario
    mapfile -t scenarios < <(molecule_scenarios)
    if [[ ${#scenarios[@]} -eq 0 ]]; then
        echo "extensions/molecule contains no scenario"
        return "$STAGE_SKIPPED"
    fi

    activate_venv "$core"
    cd "$REPO_ROOT"
    for scenario in "${scenarios[@]}"; do
        echo "molecule test -s $scenario"
        molecule test -s "$scenario"
    done
}

stage_browser() {
    if ! has_pytest_files "$REPO_ROOT/tests/audit"; then
        echo "tests/audit contains no tests"
        return "$STAGE_SKIPPED"
    fi

    activate_venv "$(newest_core)"
    cd "$REPO_ROOT"
    run_pytest tests/audit
}

# The docs are built from the same copy of the collection that sanity-CORE of the
# newest core tests, so that the lint and the site see exactly the collection files.
stage_docs() {
    local core
    core=$(newest_core)
    activate_venv "$core"
    sync_build_tree "$core"
    export ANSIBLE_COLLECTIONS_PATH HARICA_DOCS_SITE
    ANSIBLE_COLLECTIONS_PATH="$REPO_ROOT/build/$core"
    HARICA_DOCS_SITE="$REPO_ROOT/build/docs/html"
    cd "$REPO_ROOT"
    antsibull-docs lint-collection-docs --plugin-docs "$(build_tree "$core")"
    python docs/docsite/build.py --build-dir "$REPO_ROOT/build/docs"
    run_pytest tests/docs
}

# generate --output writes to a temporary file and leaves changelogs/ unchanged.
stage_changelog() {
    local generated status=0
    activate_venv "$(newest_core)"
    cd "$REPO_ROOT"
    antsibull-changelog lint
    antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
    generated=$(mktemp)
    antsibull-changelog generate --output "$generated" --output-format md
    diff -u CHANGELOG.md "$generated" || status=$?
    rm -f "$generated"
    if [[ $status -ne 0 ]]; then
        echo "CHANGELOG.md differs from what antsibull-changelog generate writes; run antsibull-changelog generate"
    fi
    return "$status"
}

# The checks pass with no exemption: fail when a sanity ignore file, an
# ansible-lint skip or exclude setting, or a noqa comment is found. The arguments
# are the files that hold one; an unmatched glob stays literal and is not a file.
refuse_exemptions() {
    local file found=0
    for file in "$@"; do
        if [[ -f $file ]]; then
            echo "error: $file exempts content from a check; fix the finding instead" >&2
            found=1
        fi
    done
    return "$found"
}

# ansible-lint lints only the paths it is given, so tests/ and extensions/molecule
# stay out without an exclude list. It runs on a copy in build/lint because it
# writes its cache to .ansible/ in the project root.
stage_lint() {
    local tree paths exempting
    activate_venv "$(newest_core)"
    sync_build_tree lint
    tree=$(build_tree lint)
    cd "$tree"
    paths=(roles demo/*.yml plugins meta galaxy.yml extensions/awx)
    if [[ -d playbooks ]]; then
        paths+=(playbooks)
    fi
    exempting=$(grep -lE '^[[:space:]]*(skip_list|warn_list|exclude_paths|mock_modules|mock_roles)[[:space:]]*:' \
        .ansible-lint || true)
    exempting+=" $(grep -rlE '#[[:space:]]*noqa' --include='*.yml' --include='*.yaml' --include='*.py' \
        "${paths[@]}" || true)"
    # shellcheck disable=SC2086 # the file names hold no spaces
    refuse_exemptions $exempting
    ansible-lint "${paths[@]}"
}

stage_build() {
    activate_venv "$(newest_core)"
    cd "$REPO_ROOT"
    run_pytest tests/release/test_build.py
}

stage_awx() {
    activate_venv "$(newest_core)"
    cd "$REPO_ROOT"
    run_pytest tests/release/test_awx.py
}

# Run one stage in a subshell with errexit on, then print and record its result.
# The subshell keeps a stage's cd, PATH and exports away from the next stage.
# Standard input is /dev/null because no test reads it, and ansible-test (2.16
# and 2.21) fails with a traceback when standard input is closed.
run_stage() {
    local stage=$1 kind core start status
    kind=${stage%%-*}
    core=''
    if [[ $stage == *-* ]]; then
        core=${stage#*-}
    fi

    echo
    echo "=== stage $stage"
    start=$EPOCHREALTIME

    set +e
    (
        set -eE
        trap 'report_failed_command "$?"' ERR
        "stage_$kind" ${core:+"$core"}
    ) </dev/null
    status=$?
    set -e

    record_result "$stage" "$status" "$start"
}

# Name the command that ended a stage, since errexit ends it silently.
# A stage function that returns a status has already printed why.
report_failed_command() {
    if [[ $1 -ne $STAGE_SKIPPED && $BASH_COMMAND != return* ]]; then
        echo "error: command failed with exit status $1: $BASH_COMMAND" >&2
    fi
}

STAGE_SUMMARY=()
PASSED=0
FAILED=0
SKIPPED=0

record_result() {
    local stage=$1 status=$2 start=$3 result seconds
    seconds=$(awk -v start="$start" -v end="$EPOCHREALTIME" 'BEGIN { printf "%.1f", end - start }')

    case $status in
        0) result=PASS PASSED=$((PASSED + 1)) ;;
        "$STAGE_SKIPPED") result=SKIP SKIPPED=$((SKIPPED + 1)) ;;
        *) result=FAIL FAILED=$((FAILED + 1)) ;;
    esac

    echo "=== stage $stage: $result in $seconds s"
    STAGE_SUMMARY+=("$(printf '%-18s %-4s %8s s' "$stage" "$result" "$seconds")")
}

# The whole run must stay within an hour; a longer one fails, so that a slow
# stage is noticed before CI times out.
MAX_TOTAL_SECONDS=3600

print_summary() {
    local total
    total=$(awk -v start="$RUN_START" -v end="$EPOCHREALTIME" 'BEGIN { printf "%.0f", end - start }')
    echo
    echo "=== summary"
    printf '%s\n' "${STAGE_SUMMARY[@]}"
    echo "stages: $PASSED passed, $FAILED failed, $SKIPPED skipped"
    echo "total: $total s (limit $MAX_TOTAL_SECONDS s)"
    if ((total > MAX_TOTAL_SECONDS)); then
        echo "error: the run took $total s, over the limit of $MAX_TOTAL_SECONDS s" >&2
        FAILED=$((FAILED + 1))
    fi
}

main() {
    if [[ ${1:-} == -h || ${1:-} == --help ]]; then
        usage
        return
    fi
    validate_selectors "$@"
    RUN_START=$EPOCHREALTIME

    # Without the venvs no stage can run, so a failed set-up ends the run.
    local start=$EPOCHREALTIME status=0
    "$REPO_ROOT/scripts/setup.sh" </dev/null || status=$?
    record_result setup "$status" "$start"
    if [[ $status -ne 0 ]]; then
        print_summary
        return 1
    fi

    local stages stage
    mapfile -t stages < <(all_stages)
    for stage in "${stages[@]}"; do
        if stage_selected "$stage" "$@"; then
            run_stage "$stage"
        fi
    done

    print_summary
    [[ $FAILED -eq 0 ]]
}

main "$@"
