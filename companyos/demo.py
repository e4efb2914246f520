"""`make demo`: what works end to end today, offline.

1. validate the catalogue; 2. the resource graph of hello-prod before its first release (repository
only); 3. sign a demo release record with a throwaway cosign key and show the full graph the stanza
becomes. The demo digest is synthetic (sha256 of the service name and version) until the image build
stage exists; everything downstream of it (labels, pinning, annotations, alerts) is the real program."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
from pathlib import Path

from companyos.release_record import ImageRef, ReleaseRecord, ScanSummary, SignatureRef, write_release_record
from companyos.supply_chain import public_key_fingerprint, sign_payload, simple_signing_payload
from companyos.supply_chain.keys import generate_key_pair, load_private_key

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".work" / "demo"
CLI = [sys.executable, "-m", "companyos.cli"]


def step(title: str, *args: str) -> None:
    print(f"\n=== {title}\n$ companyos {' '.join(args)}", flush=True)
    result = subprocess.run([*CLI, *args], cwd=ROOT)
    if result.returncode != 0:
        sys.exit(result.returncode)


def demo_release(service: str) -> Path:
    password = b"demo-only"
    private_pem, public_pem = generate_key_pair(password)
    key = load_private_key(private_pem, password)
    repository = f"ghcr.io/paved-road/{service}"
    digest = "sha256:" + hashlib.sha256(f"{service}:0.1.0-demo".encode()).hexdigest()
    payload = simple_signing_payload(repository, digest)
    record = ReleaseRecord(
        service=service, version="0.1.0-demo", git_commit="",
        image=ImageRef(repository=repository, digest=digest, tag="0.1.0-demo"),
        signature=SignatureRef(ref=f"{repository}:sha256-{digest[7:]}.sig", payload_b64=base64.b64encode(payload).decode(),
                               signature_b64=sign_payload(key, payload), key_fingerprint=public_key_fingerprint(public_pem)),
        scan=ScanSummary(status="not-scanned"),
    )
    (WORK / "cosign.pub").parent.mkdir(parents=True, exist_ok=True)
    (WORK / "cosign.pub").write_bytes(public_pem)
    return write_release_record(record, WORK / "releases" / f"{service}.json")


def main() -> None:
    step("1. The service catalogue is valid", "validate")
    step("2. hello-prod before its first release: the repository, its protection and the platform's files",
         "graph", "--service", "hello-prod")
    release = demo_release("hello-prod")
    print(f"\n(demo release record {release.relative_to(ROOT)}: synthetic digest, signed with a throwaway key)")
    step("3. hello-prod with a release: the complete paved-road service", "graph", "--service", "hello-prod",
         "--release", str(release))


if __name__ == "__main__":
    main()
