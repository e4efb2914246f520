"""`make demo`: the sprint's claims in one run, offline.

1. the catalogue is valid; 2. `companyos release hello-prod --local`: scaffold, test, SBOM, image, sign,
verify, attest (SBOM, provenance), policy gate, deploy on loopback, observability stack, synthetic traffic, post-deploy check, and the
one-page evidence pack; 3. a misconfigured variant (the release record re-pointed to an image the signature
does not cover, as a re-pointed tag would) is BLOCKED by the policy gate, with its message shown.
Every process started is stopped (the release cleans up after itself)."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from pathlib import Path

from companyos.cli import run
from companyos.contracts.release_record import ImageRef, load_release_record, write_release_record
from companyos.release.stages.runtime import free_port

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / ".work" / "demo"


def step(title: str, *args: str, expect: int = 0) -> int:
    """Run `companyos ARGS` as a user types it (same parsing, output and exit code), in this process."""
    print(f"\n=== {title}\n$ companyos {' '.join(args)}", flush=True)
    code = run(args)
    if code != expect:
        print(f"demo: expected exit {expect}, got {code}", file=sys.stderr)
        sys.exit(1)
    return code


def main() -> None:
    os.chdir(ROOT)  # the commands read services.yaml and the Pulumi project from the checkout, as a user's would
    started = time.perf_counter()
    step("1. The service catalogue is valid", "validate")
    step(
        "2. Release hello-prod end to end (local)",
        "release",
        "hello-prod",
        "--local",
        "--work-dir",
        str(WORK),
        "--registry-port",
        str(free_port()),
    )
    runs = [p for p in (WORK / "releases" / "hello-prod").iterdir() if not p.name.startswith(".")]  # not .replaced/
    folder = max(runs, key=lambda p: p.stat().st_mtime)
    record = load_release_record(folder / "release.json")
    other = "sha256:" + "0" * 63 + "1"
    repointed = dataclasses.replace(record, image=ImageRef(record.image.repository, other, record.image.tag))
    bad = write_release_record(repointed, WORK / "variants" / "hello-prod-repointed.json")
    exceptions = folder / "policy-exceptions.yaml"  # the release's unscanned waiver, when it was not scanned
    blocked = step(
        "3. A re-pointed image (signature covers another digest) is BLOCKED by the policy gate",
        "preview",
        "--service",
        "hello-prod",
        "--release",
        str(bad),
        "--policy-pack-config",
        str(folder / "policy-config.json"),
        "--json",
        str(WORK / "variants" / "gate-report.json"),
        *(["--exceptions", str(exceptions)] if exceptions.exists() else []),
        expect=1,
    )
    report = json.loads((WORK / "variants" / "gate-report.json").read_text())
    rules = sorted({v["rule"] for v in report["violations"] if v["level"] == "mandatory"})
    page = folder / "evidence" / f"release-{record.version}.md"
    attested = next((line for line in page.read_text().splitlines() if line.startswith("- Attestations: ")), "")
    if not attested.startswith("- Attestations: **verified**"):
        print(f"demo: the evidence pack does not show verified attestations ({attested or 'no line'})", file=sys.stderr)
        sys.exit(1)
    print(f"\nDemo finished in {time.perf_counter() - started:.0f} s.")
    print(f"  evidence pack: {page} (and .html)")
    print(f"  attestations: verified ({', '.join(sorted(a.predicate_type for a in record.attestations))})")
    print(f"  blocked variant: exit {blocked}, mandatory rule(s) {', '.join(rules)}")


if __name__ == "__main__":
    main()
