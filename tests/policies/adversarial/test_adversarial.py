"""The adversarial suite: program changes a platform engineer could push, each run through `companyos preview`
as CI runs it, each blocked by the rule it names. Adding a case is adding a file to cases/.

A case is a Python snippet appended to a copy of the project's `__main__.py` (so it can use `services`,
`pulumi` and the provider SDKs), or a `.yaml` file that replaces the catalogue (`services.yaml`). Its header
says what must happen, and optionally which image repository hello-prod's signed release names
(`# release-repository: ghcr.io/paved-road/payments-api`), which scan result it carries
(`# release-scan: {"status": "scanned"}`), what the caller's environment adds (`# env: NAME=VALUE`), which
policy-config entries replace the suite's (`# policy-config: {...}`) and which exceptions file it runs under
(`# exceptions: {...}`, dates relative as `+30d`):

    # expect-exit: 1
    # expect-rules: resource-type-allowed, container-privileged

`expect-rules` must each report a MANDATORY violation (others may too); `expect-exit: 0` cases must pass
with no violation at all; `expect-exit: 2` cases (the gate cannot judge) name the problem in `# expect-error:`.
Every case previews the per-service stack `hello-prod` with a signed release, the
trusted key and PR labels, exactly as the paved road itself passes.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from companyos.contracts.conventions import trusted_key_config
from companyos.contracts.release_record import ScanSummary
from tests.conftest import REPO_ROOT, ReleaseSigner

CASES_DIR = Path(__file__).parent / "cases"
COMPANYOS = Path(sys.executable).with_name("companyos")
PACK = REPO_ROOT / "policypacks" / "paved-road"
PROJECT_FILES = ("Pulumi.yaml", "Pulumi.dev.yaml", "__main__.py", "services.yaml", "components", "program")
HEADER = re.compile(
    r"^# (?:expect-)?(exit|rules|error|release-repository|release-scan|release-options|policy-config|"
    r"exceptions):"
    r"\s*(.*)$",
    re.MULTILINE,
)
ENV_LINE = re.compile(r"^# env: ([A-Z_][A-Z0-9_]*)=(.*)$", re.MULTILINE)
PR_LABELS = {"labels": ["data-classification:internal", "risk:medium"], "source": "pull request #1 labels"}


@dataclass(frozen=True)
class Case:
    path: Path
    exit_code: int
    rules: tuple[str, ...]
    error: str = ""
    release_repository: str = ""
    release_scan: str = ""
    """JSON of the scan result hello-prod's release record carries (ScanSummary fields)."""
    env: tuple[tuple[str, str], ...] = ()
    """`# env: NAME=VALUE` lines: the caller's environment for the preview."""
    policy_config: str = ""
    """JSON merged into the suite's policy config (an object entry's keys over the suite's)."""
    exceptions: str = ""
    """JSON of a policy-exceptions.yaml document; `expires` may be relative (`+30d`, `-1d`)."""
    release_options: str = ""
    """JSON: how the record's writer (who holds no signing key) tampers with it, see `_release`."""

    @property
    def name(self) -> str:
        return self.path.stem


def load_case(path: Path) -> Case:
    header = dict(HEADER.findall(path.read_text(encoding="utf-8")))
    if "exit" not in header:
        raise ValueError(f"{path.name}: no `# expect-exit:` line")
    rules = tuple(r.strip() for r in header.get("rules", "").split(",") if r.strip())
    if header["exit"].strip() == "1" and not rules:
        raise ValueError(f"{path.name}: a blocked case names the rule(s) that must block it (`# expect-rules:`)")
    if header["exit"].strip() == "2" and not header.get("error", "").strip():  # says why the gate could not run
        raise ValueError(f"{path.name}: a case the gate cannot judge names the problem (`# expect-error:`)")
    return Case(
        path,
        int(header["exit"]),
        rules,
        header.get("error", "").strip(),
        header.get("release-repository", "").strip(),
        header.get("release-scan", "").strip(),
        tuple(ENV_LINE.findall(path.read_text("utf-8"))),
        header.get("policy-config", "").strip(),
        header.get("exceptions", "").strip(),
        header.get("release-options", "").strip(),
    )


CASES = [load_case(path) for path in sorted([*CASES_DIR.glob("*.py"), *CASES_DIR.glob("*.yaml")])]


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    report: dict | None


def _project(case: Case, root: Path) -> Path:
    project = root / case.name
    project.mkdir()
    for name in PROJECT_FILES:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, project / name)
    if case.path.suffix == ".yaml":
        shutil.copy2(case.path, project / "services.yaml")
        return project
    main = project / "__main__.py"
    main.write_text(
        main.read_text(encoding="utf-8")
        + "\n# --- adversarial case "
        + case.name
        + " ---\n"
        + case.path.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    return project


def _relative_dates(document: Any) -> Any:
    if isinstance(document, dict):
        return {key: _relative_dates(value) for key, value in document.items()}
    if isinstance(document, list):
        return [_relative_dates(value) for value in document]
    if isinstance(document, str) and re.fullmatch(r"[+-][0-9]+d", document):
        return (datetime.date.today() + datetime.timedelta(days=int(document[:-1]))).isoformat()
    return document


def _case_config(case: Case, root: Path, config: Path) -> list[str]:
    """--policy-pack-config (the suite's, with the case's entries over it) and --exceptions, as the case says."""
    args = []
    if case.policy_config:
        merged = json.loads(config.read_text())
        for name, entry in json.loads(case.policy_config).items():
            both = isinstance(entry, dict) and isinstance(merged.get(name), dict)
            merged[name] = {**merged[name], **entry} if both else entry
        config = root / f"{case.name}.policy-config.json"
        config.write_text(json.dumps(merged))
    args += ["--policy-pack-config", str(config)]
    if case.exceptions:
        path = root / f"{case.name}.policy-exceptions.yaml"
        path.write_text(yaml.safe_dump(_relative_dates(json.loads(case.exceptions))))
        args += ["--exceptions", str(path)]
    return args


def _merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = _merge_patch(merged.get(key), value)
    return merged


def _release(case: Case, signer: ReleaseSigner, path: Path) -> None:
    """hello-prod's signed release record, then what the case's record writer does to it without the key:
    `attested` / `attested_digest` (what the signer attested), `attested_by_stranger` (envelopes signed by another
    key), `drop_predicate` (that attestation left out), `payload_edit` ([old, new] replaced inside every signed
    statement), `patch` (a JSON merge patch over the record as written)."""
    options = json.loads(case.release_options) if case.release_options else {}
    scan = ScanSummary(**json.loads(case.release_scan)) if case.release_scan else None
    signed = {key: options[key] for key in ("attested", "attested_digest") if key in options}
    record = signer.release("hello-prod", repository=case.release_repository or None, scan=scan, **signed)
    if options.get("attested_by_stranger"):
        stranger = ReleaseSigner().release("hello-prod", repository=case.release_repository or None, scan=scan)
        record = replace(record, attestations=stranger.attestations)
    data = json.loads(record.to_json())
    data["attestations"] = [a for a in data["attestations"] if a["predicate_type"] != options.get("drop_predicate")]
    if "payload_edit" in options:
        old, new = options["payload_edit"]
        for attestation in data["attestations"]:
            payload = base64.b64decode(attestation["envelope"]["payload"]).decode()
            attestation["envelope"]["payload"] = base64.b64encode(payload.replace(old, new).encode()).decode()
    data = _merge_patch(data, options.get("patch", {}))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))


def _preview(case: Case, root: Path, signer: ReleaseSigner, config: Path) -> Outcome:
    project = _project(case, root)
    releases = root / f"{case.name}.releases"
    _release(case, signer, releases / "hello-prod.json")
    report = root / f"{case.name}.gate.json"
    done = subprocess.run(
        [
            str(COMPANYOS),
            "preview",
            "--project-dir",
            str(project),
            "--service",
            "hello-prod",
            "--releases-dir",
            str(releases),
            "--policy-pack",
            str(PACK),
            *_case_config(case, root, config),
            "--json",
            str(report),
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **dict(case.env)},
    )
    data = json.loads(report.read_text()) if report.exists() else None
    return Outcome(done.returncode, done.stdout, done.stderr, data)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Outcome]]:
    root = tmp_path_factory.mktemp("adversarial")
    signer = ReleaseSigner()
    config = root / "policy-config.json"
    config.write_text(
        json.dumps({**trusted_key_config([signer.public_pem.decode()]), "pull-request-governance-labels": PR_LABELS})
    )
    # Two previews at a time: each is a program process plus a pack process, on a two-core machine.
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {case.name: pool.submit(_preview, case, root, signer, config) for case in CASES}
        yield {name: future.result() for name, future in futures.items()}


def test_every_class_of_attack_has_at_least_two_cases() -> None:
    classes: dict[str, int] = {}
    for case in CASES:
        if case.exit_code:
            family = case.name.split("--", 1)[0]
            classes[family] = classes.get(family, 0) + 1
    assert classes and all(count >= 2 for count in classes.values()), classes


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_case_ends_as_its_header_says(case: Case, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[case.name]
    shown = f"stdout:\n{outcome.stdout[-3000:]}\nstderr:\n{outcome.stderr[-2000:]}"
    assert "Traceback" not in outcome.stderr, shown
    assert outcome.returncode == case.exit_code, shown
    assert outcome.report is not None, shown
    if case.exit_code == 2:
        assert case.error in outcome.stderr and outcome.report["verdict"] == "error", shown
        return
    if case.error:  # a passing case may name what its output must show
        assert case.error in outcome.stdout, shown
    mandatory = {v["rule"] for v in outcome.report["violations"] if v["level"] == "mandatory"}
    if case.exit_code == 0:
        assert outcome.report["violations"] == [], shown
    missing = [rule for rule in case.rules if rule not in mandatory]
    assert not missing, f"{case.name}: no mandatory violation of {missing}; got {sorted(mandatory)}\n{shown}"
    for rule in case.rules:
        assert f"{rule}" in outcome.stdout, shown
