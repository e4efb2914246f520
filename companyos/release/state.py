"""What one local release knows, typed: its inputs, and what each stage found for the stages after it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from cryptography.hazmat.primitives.asymmetric import ec

from companyos.catalog import ServiceSpec
from companyos.contracts.release_record import ImageRef, ReleaseRecord, ScanSummary, SignatureRef
from companyos.supply_chain.keys import load_private_key

if TYPE_CHECKING:
    from companyos.release.runner import StageContext


T = TypeVar("T")


class StageFailed(Exception):
    """A stage's own failure, with the sentence the evidence pack shows."""


@dataclass(frozen=True)
class Waived:
    """What a stage returns when it did not run its check and a reviewed exception allows that: the evidence pack
    shows `waived` and why, never `passed`."""

    artefact: str
    why: str


@dataclass(frozen=True)
class SigningKey:
    """The release's cosign key pair (made once per work tree, never in the repository)."""

    private_key: Path
    public_key: Path
    password: bytes

    @cached_property
    def loaded(self) -> ec.EllipticCurvePrivateKey:
        """The decrypted private key, derived once per release (scrypt at N=2^16 costs ~0.2 s each time)."""
        return load_private_key(self.private_key.read_bytes(), self.password, source=str(self.private_key))


@dataclass
class ReleaseState:
    spec: ServiceSpec
    catalog: Path
    service_dir: Path
    registry_port: int
    scan_report: Path | None = None
    scan_format: str = "grype"
    tamper: Callable[[StageContext], None] | None = None
    """A demonstration hook run right after signing (`--tamper-tag`); tests use it to inject faults."""

    # Written by the stages, in stage order.
    started_registry: bool = False
    image: ImageRef | None = None
    build_facts: dict[str, Any] = field(default_factory=dict)
    sbom_path: Path | None = None
    sbom_location: str = ""
    key: SigningKey | None = None
    signature: SignatureRef | None = None
    verify_result: Path | None = None
    scan: ScanSummary | None = None
    scan_path: Path | None = None
    waiver: Path | None = None
    """The policy-exceptions.yaml a stage that did not run its check wrote (the unscanned waiver)."""
    git_commit: str = ""
    envelopes: list[dict[str, Any]] = field(default_factory=list)
    record: ReleaseRecord | None = None
    record_path: Path | None = None
    attestations_result: Path | None = None
    gate_report: Path | None = None
    service_pid: int | None = None
    service_url: str = ""
    service_port: int = 0
    otlp_port: int = 0
    prometheus_url: str = ""
    started_obs: bool = False
    check_deploy_report: Path | None = None
    dashboard_png: Path | None = None

    def pushed_image(self) -> ImageRef:
        return _needed(self.image, "the image", "image")

    def signing_key(self) -> SigningKey:
        return _needed(self.key, "the signing key", "sign")

    def sbom(self) -> Path:
        return _needed(self.sbom_path, "the SBOM", "sbom")

    def release_record(self) -> tuple[ReleaseRecord, Path]:
        return _needed(self.record, "the release record", "record"), _needed(self.record_path, "", "record")


def _needed(value: T | None, what: str, stage: str) -> T:
    if value is None:
        raise StageFailed(f"{what or 'a value'} is missing: the `{stage}` stage has not run before this one")
    return value
