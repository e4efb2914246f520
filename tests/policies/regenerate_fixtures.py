"""Regenerate the policy cases' generated base, tests/policies/bases/program.json, from the real program.

Run: `.venv/bin/python -m tests.policies.regenerate_fixtures`.

The rule files (`tests/policies/<family>/<rule>.yaml`, written by hand) hold the cases as JSON Patches of the
resources written here: every resource `__main__.py` registers under Pulumi mocks (props = the Struct the engine
received, as MessageToDict gives it), keyed `<Type>::<name>`. An edit a JSON Patch cannot make (inside a string,
or anything made with a signing key) is made here and written under `values`, which a patch names with
`!generated <name>`. A throwaway signing key is made per run: its public half is the `trusted-public-keys` value,
the private half is discarded; so signatures differ on each run (ECDSA), everything else is stable. Real cosign
signatures come from tests/supply_chain/fixtures/cosign-interop/.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from companyos.contracts.conventions import (
    ANNOTATION_ATTESTATIONS,
    ANNOTATION_SIGNATURE,
    ANNOTATION_SIGNATURE_PAYLOAD,
    ANNOTATION_SIGNATURE_REF,
)
from companyos.contracts.release_record import write_release_record
from companyos.preview.program_run import ProgramRun, run_program
from companyos.supply_chain.attestation_bundle import decode_bundle, encode_bundle
from companyos.supply_chain.intoto import SLSA_PROVENANCE_V1
from tests.conftest import REPO_ROOT, ReleaseSigner, digest_of

HERE = Path(__file__).resolve().parent
PROGRAM_BASE = HERE / "bases" / "program.json"
COSIGN = REPO_ROOT / "tests/supply_chain/fixtures/cosign-interop"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
WORKFLOW_FILE = ".github/workflows/ci.yml"
OTHER_DIGEST = digest_of("hello-prod:0.0.9")
Resource = dict[str, Any]


def run(signer: ReleaseSigner, **release: Any) -> ProgramRun:
    with tempfile.TemporaryDirectory() as temp:
        releases = Path(temp) / "releases"
        write_release_record(signer.release("hello-prod", **release), releases / "hello-prod.json")
        result = run_program(
            REPO_ROOT,
            stack="dev",
            config={
                "paved-road:catalog": str(REPO_ROOT / "services.yaml"),
                "paved-road:releasesDir": str(releases),
                "github:owner": "acme",
            },
        )
    if result.error:
        raise RuntimeError(f"the program failed: {result.error}")
    return result


def as_fixtures(result: ProgramRun) -> list[Resource]:
    return [
        {
            "type": r.type,
            "name": r.name,
            "urn": r.urn,
            "parent": r.parent,
            "props": json_format.MessageToDict(r.inputs_struct),
        }
        for r in result.resources
    ]


def key(resource: Resource) -> str:
    """`kubernetes:apps/v1:Deployment` named `hello-prod-deployment` -> `Deployment::hello-prod-deployment`."""
    return f"{resource['type'].rsplit(':', 1)[-1]}::{resource['name']}"


def deployment_annotations(resources: list[Resource]) -> dict[str, Any]:
    return next(r for r in resources if r["type"] == DEPLOYMENT)["props"]["metadata"]["annotations"]


def truncated(signature_b64: str) -> str:
    """The signature's DER with its last 5 bytes cut off: corrupted whatever the random signature was."""
    return base64.b64encode(base64.b64decode(signature_b64)[:-5]).decode()


def cosign_values(case: str) -> dict[str, str]:
    """The image, simple-signing payload and signature of a real cosign signature (cosign-interop/<case>/)."""
    payload = (COSIGN / case / "payload.json").read_bytes()
    claims = json.loads(payload)["critical"]
    return {
        f"cosign-{case}-image": f"{claims['identity']['docker-reference']}@{claims['image']['docker-manifest-digest']}",
        f"cosign-{case}-signature-payload": base64.b64encode(payload).decode(),
        f"cosign-{case}-signature": (COSIGN / case / "signature.b64").read_text().strip(),
    }


def bundle_without(bundle: str, predicate_type: str) -> str:
    envelopes = decode_bundle(bundle)
    kept = [e for e in envelopes if json.loads(base64.b64decode(e["payload"]))["predicateType"] != predicate_type]
    assert len(kept) < len(envelopes), f"no {predicate_type} attestation in the bundle"
    return encode_bundle(kept)


def bundle_with_payload_edited(bundle: str, old: str, new: str) -> str:
    """Change the signed statement's text after signing, keeping the signature: what a forger would try."""
    envelopes = decode_bundle(bundle)
    for envelope in envelopes:
        payload = base64.b64decode(envelope["payload"]).decode()
        envelope["payload"] = base64.b64encode(payload.replace(old, new).encode()).decode()
    edited = encode_bundle(envelopes)
    assert edited != bundle, f"{old!r} is in no attested statement"
    return edited


def replaced(text: str, old: str, new: str) -> str:
    assert old in text, f"{old!r} is not in the text any more: update regenerate_fixtures.py"
    return text.replace(old, new)


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temp, path)


def main() -> None:
    signer, stranger = ReleaseSigner(), ReleaseSigner()
    resources = as_fixtures(run(signer))
    keyed = {key(r): r for r in resources}
    assert len(keyed) == len(resources), "two resources share a <Type>::<name> key"
    annotations = deployment_annotations(resources)
    by_stranger = deployment_annotations(as_fixtures(run(stranger)))
    signed_elsewhere = deployment_annotations(as_fixtures(run(signer, signed_digest=OTHER_DIGEST)))
    attested_elsewhere = deployment_annotations(as_fixtures(run(signer, attested_digest=OTHER_DIGEST)))
    workflow = next(r for r in resources if r["props"].get("file") == WORKFLOW_FILE)
    repository_component = next(r for r in resources if r["type"] == "github:index/repository:Repository")["parent"]

    groups = {
        # What the stack rules of a service's Kubernetes side see: its components and Kubernetes objects.
        "kubernetes-resources": [key(r) for r in resources if r["type"].startswith(("kubernetes:", "paved-road:"))],
        # The ServiceRepository component and everything it manages.
        "repository-resources": [key(r) for r in resources if repository_component in (r["urn"], r["parent"])],
    }
    values = {
        "trusted-public-keys": [signer.public_pem.decode(), (COSIGN / "cosign.pub").read_text()],
        "signature-by-a-stranger": by_stranger[ANNOTATION_SIGNATURE],
        "attestations-by-a-stranger": by_stranger[ANNOTATION_ATTESTATIONS],
        # The release signed for hello-prod:0.0.9's digest, while the Deployment runs 0.1.0's.
        "signature-payload-for-another-digest": signed_elsewhere[ANNOTATION_SIGNATURE_PAYLOAD],
        "signature-for-another-digest": signed_elsewhere[ANNOTATION_SIGNATURE],
        "signature-ref-for-another-digest": signed_elsewhere[ANNOTATION_SIGNATURE_REF],
        "attestations-for-another-digest": attested_elsewhere[ANNOTATION_ATTESTATIONS],
        "signature-truncated": truncated(annotations[ANNOTATION_SIGNATURE]),
        **cosign_values("valid"),
        **cosign_values("unknown-key"),
        "attestations-without-provenance": bundle_without(annotations[ANNOTATION_ATTESTATIONS], SLSA_PROVENANCE_V1),
        "attestations-edited-after-signing": bundle_with_payload_edited(
            annotations[ANNOTATION_ATTESTATIONS], '"medium":1', '"medium":0'
        ),
        "ci-workflow-with-the-sign-job-renamed": replaced(
            workflow["props"]["content"], "\n  sign:\n    name: sign\n", "\n  signing:\n    name: signing\n"
        ),
    }
    write_json(
        PROGRAM_BASE,
        {
            "about": "Generated by `python -m tests.policies.regenerate_fixtures` from the real program under "
            "mocks. Do not edit: the rule files patch these resources (tests/policies/README.md).",
            "resources": keyed,
            "groups": groups,
            "values": values,
        },
    )


if __name__ == "__main__":
    main()
