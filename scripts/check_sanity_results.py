"""Compare the sanity tests that ansible-test skipped with the expected skip list.

scripts/test.sh runs ``ansible-test sanity --junit`` and then this script, which
reads one JUnit XML file per sanity test from the results directory. ansible-test
writes a skipped result with the text "No tests applicable." when a test has no
targets in this collection (for example pslint, which checks only PowerShell
files). Any other skip reason means that a test did not run for some other cause,
such as a missing interpreter, and is always an error. ansible-test 2.16 and 2.21
also report a missing shellcheck executable as "No tests applicable.", so the
expected skip list must name only tests that have no targets.

The expected skip list contains one sanity test name a line, and ``#`` starts a
comment. The script prints which tests ran, failed and were skipped. It exits
with status 1 when a test was skipped that the list does not name, when a listed
test was not skipped, or when ansible-test left out tests disabled by default.
Failed tests do not change its exit status, because ansible-test reports them.
"""

import argparse
import pathlib
import re
import sys
import xml.etree.ElementTree

NO_TARGETS_REASON = 'No tests applicable.'

# ansible-test prints this warning, and writes no result file, for tests that
# run only with --allow-disabled.
DISABLED_WARNING = re.compile(r'^WARNING: Skipping tests disabled by default.*$', re.MULTILINE)


class SanityResults:
    """Sanity test names grouped by outcome."""

    def __init__(self):
        self.passed = []
        self.failed = []
        self.skipped_without_targets = []
        self.skipped_for_other_reasons = {}

    def add(self, test_case, test_name):
        """Record one JUnit test case under the given sanity test name."""
        skipped = test_case.find('skipped')

        if skipped is not None:
            reason = (skipped.text or skipped.get('message') or '').strip()

            if reason == NO_TARGETS_REASON:
                self.skipped_without_targets.append(test_name)
            else:
                self.skipped_for_other_reasons[test_name] = reason or 'no reason given'
        elif test_case.find('failure') is not None or test_case.find('error') is not None:
            self.failed.append(test_name)
        else:
            self.passed.append(test_name)


def parse_arguments():
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--junit-dir', required=True, type=pathlib.Path, help='directory of the JUnit XML files that ansible-test wrote')
    parser.add_argument('--console-log', required=True, type=pathlib.Path, help='file that contains the console output of ansible-test sanity')
    parser.add_argument('--expected-skips', required=True, type=pathlib.Path, help='file that lists the sanity tests expected to have no targets')
    parser.add_argument('--python', required=True, help='Python version (major.minor) that ansible-test ran the tests with')
    return parser.parse_args()


def read_results(junit_dir, python_version):
    """Read the sanity test results from the JUnit XML files in junit_dir.

    ansible-test appends "-python-X.Y" to the name of tests that it ran or
    skipped for one Python version. The suffix is removed, because each core is
    tested with one Python version and the expected skip lists name plain tests.
    """
    results = SanityResults()
    suffix = '-python-' + python_version

    for path in sorted(junit_dir.glob('ansible-test-sanity-*.xml')):
        for test_case in xml.etree.ElementTree.parse(path).iter('testcase'):
            name = test_case.get('name', '')

            if name.endswith(suffix):
                name = name[:-len(suffix)]

            results.add(test_case, name)

    return results


def read_expected_skips(path):
    """Return the set of test names listed in the expected skip file."""
    if not path.exists():
        return set()

    names = set()

    for line in path.read_text(encoding='utf-8').splitlines():
        name = line.split('#', 1)[0].strip()

        if name:
            names.add(name)

    return names


def print_results(results):
    """Print which sanity tests ran and which were skipped."""
    ran = sorted(results.passed + results.failed)
    print('sanity tests that ran (%d): %s' % (len(ran), ', '.join(ran) or 'none'))

    if results.failed:
        print('sanity tests that failed (%d): %s' % (len(results.failed), ', '.join(sorted(results.failed))))

    skipped = sorted(results.skipped_without_targets)
    print('sanity tests skipped for lack of targets (%d): %s' % (len(skipped), ', '.join(skipped) or 'none'))


def find_problems(results, expected_skips, expected_skips_path, console_log):
    """Return one message for each difference from the expected skips."""
    skipped = set(results.skipped_without_targets)

    if not (results.passed or results.failed or skipped or results.skipped_for_other_reasons):
        return ['no sanity test results were found; ansible-test sanity may have failed before it ran any test']

    problems = []

    for name in sorted(skipped - expected_skips):
        problems.append('sanity test "%s" was skipped because it has no targets, but %s does not list it' % (name, expected_skips_path))

    for name in sorted(expected_skips - skipped):
        problems.append('sanity test "%s" is listed in %s but was not skipped; remove it from that file' % (name, expected_skips_path))

    for name, reason in sorted(results.skipped_for_other_reasons.items()):
        problems.append('sanity test "%s" was skipped: %s' % (name, reason))

    for warning in DISABLED_WARNING.findall(console_log):
        problems.append('ansible-test did not run every sanity test: %s' % warning)

    return problems


def main():
    """Check the sanity results and exit with status 1 on any difference from the expected skips."""
    arguments = parse_arguments()
    results = read_results(arguments.junit_dir, arguments.python)
    console_log = arguments.console_log.read_text(encoding='utf-8', errors='replace')
    expected_skips = read_expected_skips(arguments.expected_skips)

    print_results(results)
    problems = find_problems(results, expected_skips, arguments.expected_skips, console_log)

    for problem in problems:
        print('error: ' + problem, file=sys.stderr)

    sys.exit(1 if problems else 0)


if __name__ == '__main__':
    main()
