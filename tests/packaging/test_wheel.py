"""Installable: the wheel carries the template, the policy pack, the dashboards and the evidence page template, and an
installed companyos scaffolds and validates a service from a directory outside any checkout.

The wheel is built (pip wheel, as `pip install .` does) from a copy of what git would commit: the checkout's
untracked build output and virtualenvs never reach it. It is installed into a fresh virtualenv outside the
checkout, with its dependencies from the package index, and run from there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from companyos.support.assets import ASSETS, PACKAGED

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT_S = 300
INSTALL_TIMEOUT_S = 600


def run(argv: list[str], cwd: Path, timeout: float, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, f"{' '.join(argv)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result.stdout


def committable_files(root: Path) -> list[str]:
    """Tracked and untracked-but-not-ignored files: what a commit of this work tree would hold."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], root, 60)
    return sorted({name for name in listed.split("\0") if name and (root / name).is_file()})


@pytest.fixture(scope="module")
def source_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    tree = tmp_path_factory.mktemp("source") / "companyos"
    for name in committable_files(REPO_ROOT):
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, tree / name)
    return tree


@pytest.fixture(scope="module")
def wheel(source_tree: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(dist), str(source_tree)],
        dist,
        BUILD_TIMEOUT_S,
    )
    (built,) = dist.glob("companyos-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv (no access to this checkout or its .venv) with the wheel and its dependencies installed."""
    root = tmp_path_factory.mktemp("installed") / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(root)], root.parent, 120)
    # This interpreter's pip installs into the new environment (--python): no ensurepip, no byte-compiling.
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(root / "bin" / "python"),
            "install",
            "--quiet",
            "--no-compile",
            str(wheel),
        ],
        root.parent,
        INSTALL_TIMEOUT_S,
    )
    return root


def outside_env(cache: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "PAVED_ROAD_", "VIRTUAL"))}
    return {**env, "XDG_CACHE_HOME": str(cache), "PATH": os.environ["PATH"]}


def test_the_wheel_carries_every_asset_as_committed_and_nothing_else(source_tree: Path, wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        packaged = {
            name.removeprefix(f"companyos/{PACKAGED}/")
            for name in archive.namelist()
            if name.startswith(f"companyos/{PACKAGED}/")
        }
    # The copy it was built from holds what git would commit (the checkout may have moved on since).
    expected = {
        path.relative_to(source_tree).as_posix()
        for asset in ASSETS
        for path in [source_tree / asset.path, *(source_tree / asset.path).rglob("*")]
        if path.is_file()
    }
    assert {"service_templates/node-express/copier.yml", "policypacks/paved-road/PulumiPolicy.yaml"} <= expected
    assert any(name.startswith("dashboards/") and name.endswith(".json") for name in expected)
    assert packaged == expected
    assert not [name for name in packaged if {"venv", "node_modules", "__pycache__"} & set(name.split("/"))]


def test_an_installed_wheel_scaffolds_and_validates_a_service_outside_the_checkout(
    source_tree: Path, venv: Path, tmp_path: Path
) -> None:
    workdir = tmp_path / "work"
    workdir.mkdir()
    env = outside_env(tmp_path / "cache")
    companyos = str(venv / "bin" / "companyos")

    probe = """
import json, sys
from pathlib import Path
import companyos
from companyos.scaffolding.template import BUNDLED_TEMPLATE_DIR
from companyos.policy_gate.preview import default_pack_dir
from companyos.evidence.render import TEMPLATE
from companyos.support.assets import DASHBOARDS, locate
print(json.dumps({"module": companyos.__file__, "path": sys.path, "template": str(BUNDLED_TEMPLATE_DIR),
                  "pack": str(default_pack_dir(Path("."))), "dashboards": str(locate(DASHBOARDS)),
                  "evidence": str(TEMPLATE)}))
"""
    found = json.loads(run([str(venv / "bin" / "python"), "-c", probe], workdir, 120, env))
    site = (venv / "lib").resolve()
    assert Path(found["module"]).resolve().is_relative_to(site), found["module"]
    assert not [entry for entry in found["path"] if entry and Path(entry).resolve().is_relative_to(REPO_ROOT)]
    for key in ("template", "pack", "dashboards", "evidence"):
        located = Path(found[key])
        assert located.resolve().is_relative_to(site) and located.exists(), (key, located)
    assert (Path(found["pack"]) / "PulumiPolicy.yaml").is_file()

    run(
        [companyos, "new-service", "demo", "--owner", "team-x", "--no-register", "--dir", str(workdir)],
        workdir,
        300,
        env,
    )
    service = workdir / "demo"
    for expected in ("package.json", "Dockerfile", ".github/workflows/ci.yml", "service.yaml", "src/server.ts"):
        assert (service / expected).is_file(), expected
    assert json.loads((service / "package.json").read_text())["name"] == "demo"
    answers = yaml.safe_load((service / ".copier-answers.yml").read_text())
    version = (source_tree / "service_templates" / "node-express" / "VERSION").read_text().strip()
    assert answers["_commit"] == f"v{version}"
    assert Path(answers["_src_path"]).is_relative_to(tmp_path / "cache")

    # Registered into a catalogue outside the checkout, which then validates (the schemas ship too).
    shutil.copy(REPO_ROOT / "services.yaml", workdir / "catalog.yaml")
    (workdir / "services").mkdir()
    run(
        [companyos, "new-service", "demo-api", "--owner", "team-x", "--catalog", "catalog.yaml", "--dir", "services"],
        workdir,
        300,
        env,
    )
    assert (workdir / "services" / "demo-api" / "Dockerfile").is_file()
    validated = run([companyos, "validate", "--catalog", "catalog.yaml"], workdir, 120, env)
    assert "demo-api" in validated and "valid" in validated
