"""docs/template.md tells the truth: its commands run as written and its stanza is what they append."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from .conftest import GIT_ENV, REPO_ROOT

DOC = REPO_ROOT / "docs" / "template.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def blocks(language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(DOC.read_text()) if lang == language]


def test_every_bash_block_of_the_template_doc_runs_in_order_in_a_fresh_directory(
    workspace: Path, template_cache_dir: Path
) -> None:
    script = "set -euo pipefail\n" + "\n".join(blocks("bash"))
    assert "companyos new-service" in script and "companyos update-service" in script
    env = {
        **os.environ,
        **GIT_ENV,
        "XDG_CACHE_HOME": str(template_cache_dir),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    result = subprocess.run(
        ["bash", "-c", script], cwd=workspace, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "already at template v" in result.stdout
    assert "already published" in result.stdout or "published:" in result.stdout

    documented = blocks("yaml")[0]
    catalog = (workspace / "services.yaml").read_text()
    assert catalog.endswith(documented)
    assert yaml.safe_load(documented)[0]["name"] == "orders-api"
