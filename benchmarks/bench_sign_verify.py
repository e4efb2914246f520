"""Latency of cosign-compatible signing and verification, with `openssl dgst` as the comparator.

Run: .venv/bin/python benchmarks/bench_sign_verify.py [--runs 5] [--calls 200] [--json PATH]
A run is a batch of calls; its sample is the mean milliseconds per call (one warm-up call first), so
min-max across runs shows run-to-run spread rather than one scheduler hiccup. "verify (full)" is the
exact call the policy pack makes once the signature is fetched: signature check, payload parse, manifest
sha256, digest and reference checks. The comparator is `openssl dgst -sha256 -sign/-verify` on the same
payload, key and signature, as a subprocess (what shelling out to a signing CLI per image costs: its
process start dominates), measured in the same run.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import serialization

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.results import Figure, write_figures  # noqa: E402
from companyos.supply_chain import keys  # noqa: E402
from companyos.supply_chain.keys import generate_key_pair, load_private_key  # noqa: E402
from companyos.supply_chain.sign import sign_payload  # noqa: E402
from companyos.supply_chain.simple_signing import simple_signing_payload  # noqa: E402
from companyos.supply_chain.verification import verify  # noqa: E402

GROUP = "sign/verify"
MANIFEST = b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}'
DIGEST = "sha256:" + hashlib.sha256(MANIFEST).hexdigest()
REPOSITORY = "registry.example.com/payments/api"
PASSWORD = b"benchmark"


def measure(operation: Callable[[], object], runs: int, calls: int) -> list[float]:
    """Mean milliseconds per call of each run of `calls` calls, after one warm-up call."""
    operation()
    samples = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        for _ in range(calls):
            operation()
        samples.append((time.perf_counter_ns() - start) / 1e6 / calls)
    return samples


def openssl_commands(
    openssl: str, folder: Path, private_pem: bytes, public_pem: bytes, payload: bytes, signature: str
) -> tuple[list[str], list[str]]:
    """`openssl dgst` sign and verify commands over files holding the same key, payload and signature."""
    private_key = load_private_key(private_pem, PASSWORD)
    # openssl cannot read cosign's scrypt+secretbox envelope; it gets the same key as plain PKCS#8.
    (folder / "key.pem").write_bytes(
        private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    (folder / "key.pub").write_bytes(public_pem)
    (folder / "payload").write_bytes(payload)
    (folder / "sig.der").write_bytes(base64.b64decode(signature))
    sign = [
        openssl,
        "dgst",
        "-sha256",
        "-sign",
        str(folder / "key.pem"),
        "-out",
        str(folder / "openssl.sig"),
        str(folder / "payload"),
    ]
    check = [
        openssl,
        "dgst",
        "-sha256",
        "-verify",
        str(folder / "key.pub"),
        "-signature",
        str(folder / "sig.der"),
        str(folder / "payload"),
    ]
    return sign, check


def run_command(command: list[str]) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs (samples) per operation (default 5)")
    parser.add_argument("--calls", type=int, default=200, help="in-process calls per run (default 200)")
    parser.add_argument(
        "--openssl-calls",
        type=int,
        default=20,
        help="openssl subprocess calls per run (default 20; each starts a process)",
    )
    parser.add_argument(
        "--key-load-runs",
        type=int,
        default=3,
        help="runs of the scrypt key load, one call each (default 3; ~0.5-1 s a call)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures there (benchmarks/results.py format)")
    args = parser.parse_args()
    openssl = shutil.which("openssl")
    if openssl is None:
        sys.exit("openssl is not installed; it is this benchmark's comparator: apt-get install -y openssl")

    private_pem, public_pem = generate_key_pair(PASSWORD)
    private_key = load_private_key(private_pem, PASSWORD)
    payload = simple_signing_payload(REPOSITORY + ":1.0", DIGEST)
    signature = sign_payload(private_key, payload)

    def verify_full() -> None:
        if not verify(
            payload, signature, [public_pem], expected_digest=DIGEST, manifest=MANIFEST, expected_reference=REPOSITORY
        ).verified:
            raise SystemExit("verify() rejected a signature it should accept: the benchmark measures nothing")

    def verify_cold_key() -> None:
        keys._load_public_key_cached.cache_clear()  # as if every call brought a key never seen before
        verify_full()

    with tempfile.TemporaryDirectory(prefix="bench-sign-") as work:
        openssl_sign, openssl_verify = openssl_commands(
            openssl, Path(work), private_pem, public_pem, payload, signature
        )
        sign_ms = measure(lambda: sign_payload(private_key, payload), args.runs, args.calls)
        openssl_sign_ms = measure(lambda: run_command(openssl_sign), args.runs, args.openssl_calls)
        verify_ms = measure(verify_full, args.runs, args.calls)
        verify_cold_ms = measure(verify_cold_key, args.runs, args.calls)
        openssl_verify_ms = measure(lambda: run_command(openssl_verify), args.runs, args.openssl_calls)
    key_load_ms = measure(lambda: load_private_key(private_pem, PASSWORD), args.key_load_runs, 1)

    openssl_note = "comparator: openssl dgst as a subprocess per call (process start included)"
    figures = [
        Figure(
            GROUP,
            "sign (sign_payload, ECDSA P-256)",
            "ms",
            sign_ms,
            comparator="openssl dgst -sha256 -sign",
            comparator_samples=openssl_sign_ms,
            note=f"{args.calls} calls per run; {openssl_note}",
        ),
        Figure(
            GROUP,
            "verify (full, key cached)",
            "ms",
            verify_ms,
            comparator="openssl dgst -sha256 -verify",
            comparator_samples=openssl_verify_ms,
            note="signature + payload parse + manifest sha256 + digest and reference checks",
        ),
        Figure(
            GROUP,
            "verify (full, key parsed each call)",
            "ms",
            verify_cold_ms,
            comparator="openssl dgst -sha256 -verify",
            comparator_samples=openssl_verify_ms,
            note="the public key cache cleared before each call, as openssl parses its key every time",
        ),
        Figure(
            GROUP,
            "load signing key (scrypt N=2^16)",
            "ms",
            key_load_ms,
            note="once per signing command; the cost cosign's key format chooses",
        ),
    ]
    print_table(figures, args)
    if args.json:
        write_figures(args.json, Path(__file__).name, figures)


def print_table(figures: list[Figure], args: argparse.Namespace) -> None:
    rows = [(f.name, f.samples) for f in figures]
    rows += [(f"{f.comparator} (subprocess)", f.comparator_samples) for f in figures[:2]]
    width = max(len(name) for name, _ in rows)
    print(
        f"mean ms per call; {args.runs} runs of {args.calls} in-process calls, {args.openssl_calls} openssl calls, "
        f"{args.key_load_runs} key loads"
    )
    print(f"{'operation':<{width}}  {'runs':>4}  {'median ms':>9}  {'min ms':>8}  {'max ms':>8}")
    for name, samples in rows:
        print(
            f"{name:<{width}}  {len(samples):>4}  {statistics.median(samples):>9.3f}  {min(samples):>8.3f}  "
            f"{max(samples):>8.3f}"
        )


if __name__ == "__main__":
    main()
