"""Golden file: the whole workflow for the sample stanza, reviewed as a diff whenever it changes.

Regenerate after an intended change: UPDATE_GOLDEN=1 pytest tests/ci_workflow
"""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden" / "hello-prod.ci.yml"


def test_the_sample_stanza_renders_the_reviewed_workflow(rendered: str) -> None:
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        temporary = GOLDEN.with_suffix(".tmp")
        temporary.write_text(rendered, encoding="utf-8")
        os.replace(temporary, GOLDEN)
    assert GOLDEN.exists(), f"{GOLDEN} is missing. Fix: UPDATE_GOLDEN=1 pytest tests/ci_workflow"
    expected = GOLDEN.read_text(encoding="utf-8")
    assert rendered == expected, (
        f"the rendered workflow differs from {GOLDEN}. If the change is intended, regenerate it with "
        "UPDATE_GOLDEN=1 pytest tests/ci_workflow and review the diff."
    )
