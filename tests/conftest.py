"""Fixtures shared by the program, catalogue and policy tests: signed release records and program runs."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from companyos.contracts.release_record import (
    ImageRef,
    ReleaseRecord,
    SbomRef,
    ScanSummary,
    write_release_record,
)
from companyos.preview.program_run import ProgramRun, run_program
from companyos.supply_chain import public_key_fingerprint, sign_image
from companyos.supply_chain.attestation import (
    SBOM_BYPRODUCT,
    SCAN_BYPRODUCT,
    Dependency,
    provenance_predicate,
    sbom_digest_of,
    vuln_predicate,
)
from companyos.supply_chain.cosign import attest_image
from companyos.supply_chain.intoto import CYCLONEDX_PREDICATE, SLSA_PROVENANCE_V1, VULN_PREDICATE
from companyos.supply_chain.keys import generate_key_pair, load_private_key
from companyos.supply_chain.release import attestation_ref, signature_ref

REPO_ROOT = Path(__file__).resolve().parent.parent
RELEASE_PASSWORD = b"test-release-key"


def digest_of(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


class ReleaseSigner:
    """A throwaway cosign key pair (generated per test session, never written to the repo)."""

    def __init__(self) -> None:
        private_pem, self.public_pem = generate_key_pair(RELEASE_PASSWORD)
        self.private_key: ec.EllipticCurvePrivateKey = load_private_key(private_pem, RELEASE_PASSWORD)

    def release(
        self,
        service: str,
        *,
        repository: str | None = None,
        digest: str | None = None,
        signed_digest: str | None = None,
        signed: bool = True,
        sbom: bool = True,
        scan: ScanSummary | None = None,
        version: str = "0.1.0",
        attested: bool = True,
        attested_digest: str | None = None,
    ) -> ReleaseRecord:
        repository = repository or f"ghcr.io/paved-road/{service}"
        digest = digest or digest_of(f"{service}:{version}")
        signature = None
        if signed:
            # The same signing path `companyos sign` uses, minus the registry push.
            layer = sign_image(repository, signed_digest or digest, self.private_key, push=lambda _layer: None)
            signature = signature_ref(layer, public_key_fingerprint(self.public_pem))
        scan = scan or ScanSummary(
            status="scanned",
            scanner="grype 0.87.0",
            db_version="v6",
            counts={"critical": 0, "high": 0, "medium": 1},
            max_cvss=5.3,
        )
        sbom_document = sample_sbom(service, version)
        git_commit = "0" * 40
        attestations = (
            self.attest(repository, attested_digest or digest, sbom_document, scan, git_commit) if attested else ()
        )
        return ReleaseRecord(
            service=service,
            version=version,
            git_commit=git_commit,
            image=ImageRef(repository=repository, digest=digest, tag=version),
            sbom=SbomRef(
                digest=sbom_digest_of(sbom_document),
                location=f"oci://{repository}@{digest_of('sbom-' + service)}",
                components=len(sbom_document["components"]),
            )
            if sbom
            else None,
            signature=signature,
            scan=scan,
            attestations=attestations,
        )

    def attest(
        self, repository: str, digest: str, sbom_document: dict[str, Any], scan: ScanSummary, git_commit: str
    ) -> tuple[Any, ...]:
        """The SBOM, scan (when scanned) and provenance attestations `companyos attest` would push."""
        predicates: list[tuple[str, object]] = [(CYCLONEDX_PREDICATE, sbom_document)]
        if scan.status == "scanned":
            predicates.append(
                (
                    VULN_PREDICATE,
                    vuln_predicate(
                        {"status": scan.status, "counts": scan.counts, "max_cvss": scan.max_cvss},
                        scanner_uri="grype",
                        scanner_version="0.87.0",
                        db_uri="",
                        db_version="v6",
                        started_on="2026-01-01T00:00:00Z",
                        finished_on="2026-01-01T00:01:00Z",
                    ),
                )
            )
        predicates.append(
            (
                SLSA_PROVENANCE_V1,
                provenance_predicate(
                    build_type="https://paved-road.dev/provenance/container-image/v1",
                    builder_id="https://example.test/ci",
                    external_parameters={"service": repository.rsplit("/", 1)[-1]},
                    dependencies=[
                        Dependency(
                            uri="git+https://github.com/acme/x@refs/heads/main", digest={"gitCommit": git_commit}
                        ),
                        Dependency(uri="pkg:docker/library/node@sha256%3A" + "1" * 64, digest={"sha256": "1" * 64}),
                    ],
                    invocation_id="test",
                    started_on="2026-01-01T00:00:00Z",
                    finished_on="2026-01-01T00:01:00Z",
                    byproducts=[
                        Dependency(
                            uri="file:sbom.cdx.json",
                            name=SBOM_BYPRODUCT,
                            digest={"sha256": sbom_digest_of(sbom_document).removeprefix("sha256:")},
                        ),
                        *(
                            [Dependency(uri="file:grype.json", name=SCAN_BYPRODUCT, digest={"sha256": "5" * 64})]
                            if scan.status == "scanned"
                            else []
                        ),
                    ],
                ),
            )
        )
        return tuple(
            attestation_ref(
                attest_image(repository, digest, kind, predicate, self.private_key, push=lambda _layer: None)
            )
            for kind, predicate in predicates
        )


def sample_sbom(service: str, version: str) -> dict[str, Any]:
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "component": {
                "type": "application",
                "name": service,
                "version": version,
                "bom-ref": f"pkg:npm/{service}@{version}",
            }
        },
        "components": [
            {
                "type": "library",
                "name": "express",
                "version": "5.1.0",
                "bom-ref": "pkg:npm/express@5.1.0",
                "purl": "pkg:npm/express@5.1.0",
            }
        ],
    }


@pytest.fixture(scope="session")
def signer() -> ReleaseSigner:
    return ReleaseSigner()


ProgramRunner = Callable[..., ProgramRun]


@pytest.fixture
def run_catalog(tmp_path: Path, signer: ReleaseSigner) -> ProgramRunner:
    """Run __main__.py for a catalogue text, with signed release records for `released` services."""

    def run(
        catalog_text: str | None = None,
        *,
        released: tuple[str, ...] = ("hello-prod",),
        config: dict[str, str] | None = None,
        stack: str = "dev",
        releases: dict[str, ReleaseRecord] | None = None,
    ) -> ProgramRun:
        catalog = tmp_path / "services.yaml"
        catalog.write_text(catalog_text if catalog_text is not None else (REPO_ROOT / "services.yaml").read_text())
        releases_dir = tmp_path / "releases"
        records = {name: signer.release(name) for name in released}
        records.update(releases or {})
        for name, record in records.items():
            write_release_record(record, releases_dir / f"{name}.json")
        settings = {
            "paved-road:catalog": str(catalog),
            "paved-road:releasesDir": str(releases_dir),
            "github:owner": "acme",
            **(config or {}),
        }
        return run_program(REPO_ROOT, stack=stack, config=settings)

    return run


def write_exceptions(
    path: Path,
    entries: list[tuple[str, str]],
    *,
    services: tuple[str, ...] = ("hello-prod",),
    types: tuple[str, ...] = (),
    days: int = 30,
) -> Path:
    """A valid policy-exceptions.yaml allowing each (rule, setting) for `services`, expiring in `days` days."""
    import datetime

    import yaml

    expires = (datetime.date.today() + datetime.timedelta(days=days)).isoformat()
    document = {
        "exceptions": [
            {
                "rule": rule,
                "setting": setting,
                "scope": {"services": list(services), **({"types": list(types)} if types else {})},
                "reason": f"test exception for {rule} {setting}",
                "owner": "team-platform",
                "approver": "security-team",
                "expires": expires,
            }
            for rule, setting in entries
        ]
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def pack_exceptions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """Run the pack in-process under exceptions for (rule, setting) pairs, as the gate would hand it a file."""
    counter = itertools.count()

    def allow(entries: list[tuple[str, str]], **kwargs: Any) -> Path:
        path = write_exceptions(tmp_path / f"exceptions-{next(counter)}.yaml", entries, **kwargs)
        monkeypatch.setenv("PAVED_ROAD_POLICY_EXCEPTIONS", str(path))
        return path

    return allow


__all__ = ["REPO_ROOT", "ReleaseSigner", "digest_of", "write_exceptions"]
