"""Helpers shared by the golden runners (golden.py, lint_golden.py) and lint_diff_test.py:
path normalisation, JSON Schema validation, diffs, and nginx -t output parsing. Python 3 stdlib,
plus python3-jsonschema for the validators."""

import difflib
import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMAS = os.path.join(REPO, "schemas")


def read(path):
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except OSError:
        return None


def normalise(text, case_dir):
    """Goldens are machine independent: the case directory becomes $CASE, the repository $REPO
    (longest first: the case directory lies inside the repository)."""
    return text.replace(case_dir, "$CASE").replace(REPO, "$REPO")


def load_validator(schema_name, prog="golden"):
    """A jsonschema validator for schemas/<schema_name> (the draft its $schema names), or a string
    saying why there is none (reported as a failure of every case that needs it)."""
    try:
        import jsonschema
    except ImportError:
        sys.exit(f"{prog}: python3-jsonschema is required (apt-get install python3-jsonschema)")
    path = os.path.join(SCHEMAS, schema_name)
    try:
        with open(path, encoding="utf-8") as fh:
            schema = json.load(fh)
    except (OSError, ValueError) as e:
        return f"cannot load schema {path}: {e}"
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def schema_errors(validator, text):
    """Every violation of `validator` by the JSON document `text`, as readable lines."""
    if isinstance(validator, str):
        return [validator]
    try:
        doc = json.loads(text)
    except ValueError as e:
        return [f"stdout is not JSON: {e}"]
    return [f"{'/'.join(str(p) for p in err.absolute_path) or '(root)'}: {err.message}"
            for err in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))]


def diff(golden, actual, golden_name, actual_name):
    lines = difflib.unified_diff(golden.splitlines(keepends=True), actual.splitlines(keepends=True),
                                 golden_name, actual_name)
    return "".join(lines).rstrip("\n")


def nginx_messages(lines, level):
    """The MESSAGE of each `nginx: [LEVEL] MESSAGE` line (the `-e /dev/stderr` form)."""
    prefix = f"nginx: [{level}] "
    return [line[len(prefix):] for line in lines if line.startswith(prefix)]


def same_nginx_error(nginx_text, popcheck_text):
    """popcheck omits OpenSSL's details by design: an nginx error ending in ` (SSL: ...)` matches
    popcheck's text without that tail, and certificate-load errors are compared up to nginx's
    `": ` (`cannot load certificate "PATH": `). Everything else must be equal."""
    if nginx_text == popcheck_text:
        return True
    tail = nginx_text.find(" (SSL: ")
    if tail >= 0 and nginx_text[:tail] == popcheck_text:
        return True
    cut = nginx_text.find('": ')
    return (nginx_text.startswith("cannot load certificate") and cut >= 0
            and popcheck_text[:cut + 3] == nginx_text[:cut + 3])


def print_result(label, failures, updated=False):
    if failures:
        print(f"FAIL {label}")
        for f in failures:
            print("  " + f.replace("\n", "\n  "))
    else:
        print(f"{'UPDATED' if updated else 'PASS'} {label}")
