"""The small test framework shared by the Python suites (tests/cli,
tests/cache): a registry of test functions, assertions that raise, and a
runner that gives each test a fresh temporary directory and ends with the
`N passed, N failed` line."""
import os
import shutil
import sys
import tempfile
import time
import traceback


class Skip(Exception):
    pass


class TestFailure(Exception):
    pass


TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def fail(msg):
    raise TestFailure(msg)


def check(cond, msg):
    if not cond:
        fail(msg)


def eq(got, want, what):
    if got != want:
        fail("%s: expected %r, got %r" % (what, want, got))


def binary_ok(path):
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return True
    print("%s: no executable sigil binary" % path)
    print("0 passed, 1 failed")
    return False


def run_tests(prefix, only="", verbose=False):
    """Runs every registered test whose name contains `only`; returns the exit status."""
    passed = failed = 0
    for fn in TESTS:
        name = fn.__name__
        if only and only not in name:
            continue
        tmp = tempfile.mkdtemp(prefix=prefix)
        t0 = time.time()
        try:
            fn(tmp)
            passed += 1
            if verbose:
                print("ok   %s (%.1f s)" % (name, time.time() - t0), file=sys.stderr)
        except Skip as e:
            print("skip %s: %s" % (name, e), file=sys.stderr)
        except TestFailure as e:
            failed += 1
            print("FAIL %s: %s" % (name, str(e).replace("\n", "\\n")))
        except Exception as e:  # a bug in the test or an unexpected output shape
            failed += 1
            tb = traceback.extract_tb(e.__traceback__)[-1]
            print("FAIL %s: %s: %s (line %d)" % (name, type(e).__name__, str(e).replace("\n", "\\n"), tb.lineno))
        finally:
            for dirpath, dirnames, _ in os.walk(tmp):   # tests may leave read-only directories
                for d in dirnames:
                    try:
                        os.chmod(os.path.join(dirpath, d), 0o700)
                    except OSError:
                        pass
            shutil.rmtree(tmp, ignore_errors=True)
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0
