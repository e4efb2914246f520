"""Stanza fuzzing (issue 8, reliability): 1,000 generated catalogues never end in a traceback, and every
problem reported names a field and a fix; a sample also goes through `companyos validate` itself.

The strategies are the catalogue tests' own (tests/catalog/test_catalog_validation.py: arbitrary stanzas of
known and unknown keys, any JSON value), here with more than three times the examples and read from a file
as `companyos validate --catalog FILE` reads it. Parsing is the cost (ruamel's round-trip loader keeps line
numbers for the report): about 1,000 catalogues a minute here, so the command's own entry point, which
parses the same file again, runs on a sample.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companyos.catalog import CatalogError, load_catalog
from companyos.cli import main
from tests.catalog.test_catalog_validation import stanzas

EXAMPLES = 1000
CLI_EXAMPLES = 100
FUZZ = settings(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)  # parse time varies
catalogues = st.tuples(st.lists(stanzas, max_size=3), st.booleans()).map(
    # JSON is YAML; it lets hypothesis produce any shape without a YAML emitter in the loop.
    lambda drawn: json.dumps({"services": drawn[0]} if drawn[1] else drawn[0], allow_nan=True)
)


def validate(path: Path) -> tuple[int, str]:
    """`companyos validate --catalog PATH` in this process: (exit code, stderr). Any exception but SystemExit
    escapes, which is exactly the traceback a user would see."""
    stderr = io.StringIO()
    argv = sys.argv
    sys.argv = ["companyos", "validate", "--catalog", str(path)]
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
            main()
    except SystemExit as done:
        return int(done.code or 0), stderr.getvalue()
    finally:
        sys.argv = argv
    raise AssertionError("companyos validate returned without an exit code")


def problems(path: Path) -> CatalogError | None:
    """None when the file is a valid catalogue; its CatalogError otherwise. Anything else raised escapes."""
    try:
        load_catalog(path)
    except CatalogError as error:
        return error
    return None


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    # Module-scoped: hypothesis runs many examples per test call, and function-scoped fixtures are not reset.
    with tempfile.TemporaryDirectory(prefix="stanza-fuzz-") as folder:
        yield Path(folder)


@settings(FUZZ, max_examples=EXAMPLES)
@given(text=catalogues)
def test_a_thousand_fuzzed_catalogues_are_valid_or_reported_field_by_field_never_with_a_traceback(
    scratch: Path, text: str
) -> None:
    path = scratch / "services.yaml"
    path.write_text(text)
    error = problems(path)
    if error is None:
        return
    assert error.issues and "Traceback" not in str(error)
    for issue in error.issues:
        assert issue.field and issue.fix and issue.file == str(path), issue


@settings(FUZZ, max_examples=CLI_EXAMPLES)
@given(text=catalogues)
def test_companyos_validate_prints_exactly_that_report_and_exits_2_or_exits_0(scratch: Path, text: str) -> None:
    path = scratch / "services.yaml"
    path.write_text(text)
    code, stderr = validate(path)
    error = problems(path)
    if error is None:
        assert (code, stderr) == (0, "")
    else:
        assert (code, stderr) == (2, f"error: {error}\n")
