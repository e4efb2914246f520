"""Registry down during a release (issue 8, reliability): at the SBOM attachment, at the signature push and at
verification, the release stops INCOMPLETE at that stage, its error names the registry and the fix, and
nothing half-written is left: no temp file, no artefact of the failed stage, no record claiming success,
and in the registry no SBOM listed and no signature manifest.

`companyos release` runs for real from the image onwards (the stages `sbom`, `sign`, `verify`, `scan`,
`record`), in this process so the registry can fail on cue. The stages before (scaffold, npm, tests, the
buildah image) are replaced by one that hands over a small real image pushed to the registry
(small_image.py); tests/release runs the whole release with a buildah build. The registry is Debian's
`docker-registry`, started by `companyos`'s own code, behind a proxy that goes down on cue
(registry_fault.py): every client, syft included, is given the proxy's address.
"""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console

from companyos.contracts.release_record import ImageRef
from companyos.release import pipeline
from companyos.release.runner import StageContext, StageSpec
from companyos.release.stages import LOCAL_STAGES
from companyos.supply_chain.cosign import signature_tag
from companyos.supply_chain.oci import RegistryClient, RegistryError
from companyos.supply_chain.referrers import list_referrers, referrers_tag
from companyos.supply_chain.registry import RegistryStatus, start_registry, stop_registry

from .registry_fault import FlakyRegistry, Matcher, is_write
from .small_image import push_small_image

REPOSITORY = "orders-api"  # the name in the built service's package.json
VERSION = "0.1.0"
CATALOG = """services:
  - name: orders-api
    owner: team-orders
    risk: medium
    data_classification: internal
"""
# Every artefact from the SBOM on, by the stage that writes it (relative to the release folder).
ARTEFACTS = {
    "sbom": ("sbom.cdx.json", "sbom.json"),
    "sign": ("signature.json",),
    "verify": ("verify.json",),
    "scan": ("scan.json",),
    "attest": ("attestations.jsonl",),
    "record": ("release.json",),
    "verify-attestations": ("attestations-verify.json",),
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def is_signature_push(method: str, path: str) -> bool:
    """The write that publishes a signature: its manifest at tag sha256-<hex>.sig (its blobs are already up)."""
    return method == "PUT" and "/manifests/sha256-" in path and path.endswith(".sig")


@dataclass(frozen=True)
class Fault:
    sentence: str
    stage: str
    dies_on: Matcher | None  # the request at which the registry dies; None: it goes down after `sign`
    fix: str  # a fragment of the fix the error must give, besides the registry's address


FAULTS = [
    Fault(
        "the registry dies at the SBOM attachment's first upload",
        "sbom",
        is_write,
        "re-run `companyos sbom ... --attach` once the registry answers",
    ),
    Fault(
        "the registry dies as the signature manifest is pushed, after its blobs",
        "sign",
        is_signature_push,
        "is it running? (`companyos registry status`)",
    ),
    Fault(
        "the registry is down when the release verifies the signature",
        "verify",
        None,
        "is it running? (`companyos registry status`)",
    ),
]


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryStatus]:
    data = tmp_path_factory.mktemp("registry")
    status = start_registry(data, free_port())
    try:
        yield status
    finally:
        stop_registry(data)


def handing_over(repository: str, digest: str) -> StageSpec:
    """Stands in for the stages up to `image`: the image is already in the registry."""

    def run(ctx: StageContext) -> str:
        ctx.state.image = ImageRef(repository, digest, VERSION)
        return f"{repository}@{digest}"

    return StageSpec("image", run, "build", "(test) image pushed by tests/reliability/small_image.py")


def release_stages(image: StageSpec) -> list[StageSpec]:
    names = [stage.name for stage in LOCAL_STAGES]
    return [image, *LOCAL_STAGES[names.index("sbom") : names.index("record") + 1]]


@pytest.mark.parametrize("fault", FAULTS, ids=[f.sentence for f in FAULTS])
def test_a_registry_down_mid_release_leaves_it_incomplete_with_a_clear_error_and_nothing_half_written(
    fault: Fault,
    registry: RegistryStatus,
    built_service: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert registry.address is not None
    repository = f"reliability-{fault.stage}/{REPOSITORY}"  # one repository per fault: no cross-talk
    digest = push_small_image(registry.address, repository, VERSION, built_service, marker=fault.sentence)
    catalog = tmp_path / "services.yaml"
    catalog.write_text(CATALOG)
    work = tmp_path / "work"

    with FlakyRegistry(registry.address, dies_on=fault.dies_on) as proxy:
        go_down: Callable[[StageContext], None] | None = None if fault.dies_on else (lambda _ctx: proxy.go_down())
        monkeypatch.setattr(
            pipeline, "LOCAL_STAGES", release_stages(handing_over(f"{proxy.address}/{repository}", digest))
        )
        console = io.StringIO()
        # `tamper` is the release's hook right after signing (see `--tamper-tag`): here it takes the registry down.
        outcome = pipeline.run_release(
            pipeline.ReleaseOptions(
                service=REPOSITORY,
                catalog=catalog,
                work=work,
                service_dir=built_service,
                version=VERSION,
                tamper=go_down,
            ),
            Console(file=console, width=300),
        )
        assert proxy.is_down, f"the registry never went down; requests: {proxy.requests}"

    # The release stopped at the stage the registry failed, INCOMPLETE, later stages not run.
    statuses = {stage.name: stage.status for stage in outcome.stages}
    assert (outcome.complete, outcome.failed_stage) == (False, fault.stage), console.getvalue()
    order = [stage.name for stage in outcome.stages]
    assert all(statuses[name] == "not-run" for name in order[order.index(fault.stage) + 1 :] if name != "evidence")
    page = outcome.evidence_markdown.read_text()
    assert f"**Status: INCOMPLETE**: stopped at stage `{fault.stage}`" in page

    # The error names the registry the stage was talking to, and what to do.
    error = next(stage.detail for stage in outcome.stages if stage.name == fault.stage)
    assert proxy.address in error and fault.fix in error, error
    assert "Traceback" not in error and "internal error" not in error, error

    # Nothing half-written in the release folder: no temp file, nothing from the failed stage or after it,
    # and every artefact of a passed stage whole.
    out = outcome.out
    # work/tools is npm's own install of the SBOM tools (its dotfiles are npm's), not a release artefact.
    leftovers = [
        p
        for p in work.rglob("*")
        if (p.name.endswith(".tmp") or p.name.startswith(".")) and p.relative_to(work).parts[0] != "tools"
    ]
    assert leftovers == []
    stages = list(ARTEFACTS)
    failed = stages.index(fault.stage)
    for stage in stages[failed:]:
        for name in ARTEFACTS[stage]:
            assert not (out / name).exists(), f"{name} written although `{stage}` did not pass"
    for stage in stages[:failed]:
        for name in ARTEFACTS[stage]:
            json.loads((out / name).read_text())  # whole JSON, not a truncated file
    assert "Signature: **verified**" not in page and "Signature: **rejected**" not in page  # not checked

    # Nothing half-written in the registry (read directly, not through the proxy).
    direct = RegistryClient(registry.address)
    if fault.stage == "sbom":
        assert list_referrers(direct, repository, digest) == []
        with pytest.raises(RegistryError) as missing:
            direct.get_manifest(repository, referrers_tag(digest))
        assert missing.value.status == 404
    if fault.stage == "sign":
        with pytest.raises(RegistryError) as missing:
            direct.get_manifest(repository, signature_tag(digest))
        assert missing.value.status == 404
    if fault.stage == "verify":  # the signature pushed before the registry went down is there, whole
        assert direct.get_manifest(repository, signature_tag(digest)).json()["layers"]
