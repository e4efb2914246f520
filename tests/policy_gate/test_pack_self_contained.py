"""The policy pack ships on its own: a virtualenv built from its requirements.txt alone serves it, it imports
nothing from this repository and only pulumi-policy's public API, and its copy of the contracts is current."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

from companyos.contracts.conventions import trusted_key_config
from companyos.policy_gate import GateSession
from companyos.policy_gate.pack_contracts import stale
from tests.conftest import REPO_ROOT
from tests.policies.cases import load_case

PACK = REPO_ROOT / "policypacks" / "paved-road"
RULES = PACK / "paved_road_policies"


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            found.append((("." * node.level) + (node.module or ""), [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
    return found


def test_the_pack_imports_nothing_of_the_platform_and_no_private_sdk_name() -> None:
    sources = [*PACK.glob("*.py"), *RULES.rglob("*.py")]
    assert len(sources) > 30
    for path in sources:
        for module, names in _imports(path):
            assert not module.startswith(("companyos", "components")), f"{path}: imports {module}"
            if module.startswith("pulumi_policy"):
                private = [name for name in [module.split(".")[-1], *names] if name.startswith("_")]
                assert not private, f"{path}: uses pulumi-policy's private {private}"


def test_the_packs_contracts_are_the_current_companyos_modules() -> None:
    assert stale() == [], "regenerate them: .venv/bin/python -m companyos.policy_gate.pack_contracts"


def test_a_virtualenv_built_from_requirements_txt_alone_serves_the_pack(tmp_path: Path) -> None:
    """The pack folder copied out of the repository, its venv made by pip from requirements.txt and nothing else,
    judges a blocked and a passing resource exactly as the rules say."""
    copy = tmp_path / "paved-road"
    shutil.copytree(PACK, copy, ignore=shutil.ignore_patterns("venv", "__pycache__"))
    subprocess.run([sys.executable, "-m", "venv", str(copy / "venv")], check=True, timeout=120)
    installed = subprocess.run(
        [
            str(copy / "venv" / "bin" / "pip"),
            "install",
            "-q",
            "--disable-pip-version-check",
            "-r",
            str(copy / "requirements.txt"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    freeze = subprocess.run(
        [str(copy / "venv" / "bin" / "pip"), "freeze"], capture_output=True, text=True, check=True
    ).stdout
    installed_versions = dict(
        line.lower().replace("_", "-").split("==", 1) for line in freeze.splitlines() if "==" in line
    )
    assert installed_versions.get("pulumi-policy") == "1.21.0", installed_versions
    assert not [name for name in installed_versions if name.startswith("companyos")], installed_versions

    good = load_case("image-attestations-verified", "paved-road")
    bad = load_case("image-attestations-verified", "sbom-not-attested")
    config = {**good.config, **load_case("image-signature-verified", "signer").config}
    assert set(trusted_key_config([])) <= set(config)
    with GateSession(copy, project="paved-road", stack="dev", timeout_s=120) as session:
        passed = session.run(good.resources, config, config_source=good.id)
        blocked = session.run(bad.resources, config, config_source=bad.id)
    assert passed.error is None and blocked.error is None, (passed.error, blocked.error)
    assert passed.violations_of("image-attestations-verified") == []
    messages = [violation.message for violation in blocked.violations_of("image-attestations-verified")]
    assert any("is not the attested SBOM" in message for message in messages), messages
    assert json.loads(json.dumps(blocked.to_report()))["verdict"] == "blocked"
