"""The platform repository's renovate.json keeps the action pins current where they live: actions.yaml, from which
every service's ci.yml and platform.yml are generated (Renovate never edits a generated workflow); and the
template's base image digest. Checked with Renovate's own config validator and dependency extraction."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from companyos.ci_workflow.pins import PINS_PATH, load_pins
from tests.conftest import REPO_ROOT
from tests.node_tools import renovate_extract, run_js, validator

pytestmark = pytest.mark.slow

FILES = (
    "renovate.json",
    "companyos/ci_workflow/actions.yaml",
    "service_templates/node-express/template/Dockerfile.jinja",
    "service_templates/node-express/template/package.json.jinja",
    ".github/workflows/platform.yml",
)


@pytest.fixture
def platform_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "platform"
    for name in FILES:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / name, copy / name)
    return copy


def test_renovates_config_validator_accepts_the_platform_config(platform_copy: Path) -> None:
    result = run_js(validator("renovate-config-validator"), "--strict", cwd=platform_copy)
    assert result.returncode == 0 and "Config validated successfully" in result.stdout, result.stdout + result.stderr


def test_renovate_finds_every_action_pin_and_the_template_base_image_and_no_generated_workflow(
    platform_copy: Path, tmp_path: Path
) -> None:
    files = renovate_extract(platform_copy, tmp_path)

    (pins_file,) = files["regex"]
    assert pins_file["packageFile"] == PINS_PATH.relative_to(REPO_ROOT).as_posix()
    found = {d["depName"]: (d["currentValue"], d["currentDigest"], d["datasource"]) for d in pins_file["deps"]}
    assert found == {name: (pin.tag, pin.sha, "github-tags") for name, pin in load_pins().actions.items()}

    (dockerfile,) = files["dockerfile"]
    bases = {(d["currentValue"], d["currentDigest"]) for d in dockerfile["deps"] if d["depName"] == "node"}
    assert len(bases) == 1 and next(iter(bases))[0] == "24-bookworm-slim"

    # Generated files are updated through what generates them, never in place.
    assert set(files) == {"regex", "dockerfile"}
