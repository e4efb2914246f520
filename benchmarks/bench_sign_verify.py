"""Latency of cosign-compatible signing and verification, with `openssl dgst -verify` as a comparator.

Run: .venv/bin/python benchmarks/bench_sign_verify.py [--runs 1000]
Prints median/min/max per operation. "verify (full)" is the exact call the policy pack makes once the
signature is fetched: signature check, payload parse, manifest sha256, digest and reference checks.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from companyos.supply_chain import keys
from companyos.supply_chain.keys import generate_key_pair, load_private_key
from companyos.supply_chain.sign import sign_payload
from companyos.supply_chain.simple_signing import simple_signing_payload
from companyos.supply_chain.verification import verify

MANIFEST = b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}'
DIGEST = "sha256:" + hashlib.sha256(MANIFEST).hexdigest()
REPOSITORY = "registry.example.com/payments/api"
PASSWORD = b"benchmark"


def measure(operation: Callable[[], object], runs: int) -> list[float]:
    """Milliseconds per call, after one warm-up call."""
    operation()
    timings = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        operation()
        timings.append((time.perf_counter_ns() - start) / 1e6)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="calls per operation (default 1000)")
    parser.add_argument("--key-load-runs", type=int, default=10, help="calls of the scrypt key load (default 10)")
    args = parser.parse_args()

    private_pem, public_pem = generate_key_pair(PASSWORD)
    private_key = load_private_key(private_pem, PASSWORD)
    payload = simple_signing_payload(REPOSITORY + ":1.0", DIGEST)
    signature = sign_payload(private_key, payload)

    def verify_full() -> None:
        assert verify(payload, signature, [public_pem], expected_digest=DIGEST, manifest=MANIFEST,
                      expected_reference=REPOSITORY).verified

    def verify_cold_key() -> None:
        keys._load_public_key_cached.cache_clear()  # as if every call brought a key never seen before
        verify_full()

    rows = [
        ("sign_payload (ECDSA P-256)", measure(lambda: sign_payload(private_key, payload), args.runs)),
        ("verify (full, key cached)", measure(verify_full, args.runs)),
        ("verify (full, key parsed each call)", measure(verify_cold_key, args.runs)),
        ("load_private_key (scrypt N=2^16)", measure(lambda: load_private_key(private_pem, PASSWORD),
                                                     args.key_load_runs)),
    ]
    openssl = shutil.which("openssl")
    if openssl:
        with tempfile.TemporaryDirectory() as work:
            folder = Path(work)
            (folder / "payload").write_bytes(payload)
            (folder / "key.pub").write_bytes(public_pem)
            (folder / "sig.der").write_bytes(base64.b64decode(signature))
            command = [openssl, "dgst", "-sha256", "-verify", str(folder / "key.pub"), "-signature",
                       str(folder / "sig.der"), str(folder / "payload")]

            def openssl_verify() -> None:
                subprocess.run(command, check=True, capture_output=True, timeout=30)

            rows.append(("openssl dgst -sha256 -verify (subprocess)", measure(openssl_verify, args.runs)))
    else:
        print("openssl not found: comparator skipped (apt-get install -y openssl)")

    width = max(len(name) for name, _ in rows)
    print(f"{'operation':<{width}}  {'runs':>5}  {'median ms':>9}  {'min ms':>7}  {'max ms':>7}")
    for name, timings in rows:
        print(f"{name:<{width}}  {len(timings):>5}  {statistics.median(timings):>9.3f}  {min(timings):>7.3f}  "
              f"{max(timings):>7.3f}")


if __name__ == "__main__":
    main()
