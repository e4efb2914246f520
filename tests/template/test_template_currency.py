"""Template currency: the service names Node 24 everywhere, runs as the uid the Deployment sets, and the
consumers' own tools accept what it ships (Renovate reads renovate.json and finds every dependency it should
keep current; Backstage's catalog model accepts catalog-info.yaml). The validators: tests/node_tools.py."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from google.protobuf import json_format

from companyos.catalog import ServiceSpec
from companyos.ci_workflow import render_ci_workflow
from companyos.ci_workflow.pins import load_pins
from companyos.contracts.conventions import SERVICE_GID, SERVICE_UID, WORKFLOW_PATH
from tests.node_tools import VALIDATORS, renovate_extract, run_js, validator

from .conftest import ANSWERS, render

NODE_MAJOR = "24"
BASE_IMAGE = re.compile(r"^ARG BASE_IMAGE=(?P<ref>\S+)$", re.MULTILINE)
# A workflow of the service's own (not the platform's ci.yml), with an action pinned the way Renovate keeps it.
TEAM_WORKFLOW = """name: docs
on: push
jobs:
  docs:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
"""


def spec_of(answers: dict[str, Any]) -> ServiceSpec:
    return ServiceSpec(
        name=answers["name"],
        owner=answers["owner"],
        risk=answers["risk"],
        data_classification=answers["data_classification"],
        description=answers["description"],
    )


def test_every_place_that_names_the_node_version_says_24(template_repo: Path, tmp_path: Path) -> None:
    project = render(template_repo, tmp_path / "svc")

    base = BASE_IMAGE.search((project / "Dockerfile").read_text())
    assert base, "Dockerfile has no ARG BASE_IMAGE=..."
    assert re.fullmatch(rf"node:{NODE_MAJOR}-bookworm-slim@sha256:[0-9a-f]{{64}}", base["ref"]), base["ref"]

    package = json.loads((project / "package.json").read_text())
    lock = json.loads((project / "package-lock.json").read_text())
    assert package["engines"]["node"].startswith(f"^{NODE_MAJOR}.")
    assert lock["packages"][""]["engines"] == package["engines"]
    assert lock["packages"][""]["devDependencies"] == package["devDependencies"]
    assert package["devDependencies"]["@types/node"].split(".")[0] == NODE_MAJOR

    devcontainer = json.loads((project / ".devcontainer" / "devcontainer.json").read_text())
    assert devcontainer["image"] == f"mcr.microsoft.com/devcontainers/typescript-node:1-{NODE_MAJOR}-bookworm"
    assert f"Node {NODE_MAJOR} (LTS" in (project / "README.md").read_text()

    assert load_pins().tool("node") == NODE_MAJOR
    workflow = yaml.safe_load(render_ci_workflow(spec_of(ANSWERS)))
    versions = [
        step["with"]["node-version"]
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if str(step.get("uses", "")).startswith("actions/setup-node@")
    ]
    assert versions and set(versions) == {NODE_MAJOR}


def test_the_image_runs_as_the_uid_and_gid_the_deployment_sets(
    template_repo: Path, tmp_path: Path, run_catalog
) -> None:
    project = render(template_repo, tmp_path / "svc")
    user = re.search(r"^USER (\d+):(\d+)$", (project / "Dockerfile").read_text(), re.MULTILINE)
    assert user, "the Dockerfile's final stage names no numeric USER uid:gid"
    assert (int(user[1]), int(user[2])) == (SERVICE_UID, SERVICE_GID)

    run = run_catalog()
    assert run.error is None, run.error
    (deployment,) = run.of_type("kubernetes:apps/v1:Deployment")
    pod = json_format.MessageToDict(deployment.inputs_struct)["spec"]["template"]["spec"]
    contexts = [pod["securityContext"], *(container["securityContext"] for container in pod["containers"])]
    assert [(c["runAsUser"], c["runAsGroup"]) for c in contexts] == [(SERVICE_UID, SERVICE_GID)] * len(contexts)
    assert pod["securityContext"]["fsGroup"] == SERVICE_GID


def test_an_invalid_github_org_is_refused(template_repo: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="GitHub organisation"):
        render(template_repo, tmp_path / "svc", {"github_org": "-acme"})


def test_catalog_info_carries_only_annotations_backstage_acts_on(template_repo: Path, tmp_path: Path) -> None:
    project = render(template_repo, tmp_path / "svc", {"github_org": "acme-corp"})
    annotations = yaml.safe_load((project / "catalog-info.yaml").read_text())["metadata"]["annotations"]
    assert annotations["github.com/project-slug"] == "acme-corp/orders-api"
    # Backstage scrapes nothing from prometheus.io/* (that is a Kubernetes convention), and a techdocs-ref needs
    # an mkdocs.yml to build from.
    assert not [key for key in annotations if key.startswith("prometheus.io/")]
    assert "backstage.io/techdocs-ref" not in annotations or (project / "mkdocs.yml").is_file()


def backstage(*files: Path) -> tuple[int, list[dict[str, Any]]]:
    validator("renovate")  # the same npm ci installs @backstage/catalog-model: fail with the fix if it did not run
    result = run_js(VALIDATORS / "validate-catalog-info.mjs", *map(str, files), cwd=VALIDATORS)
    return result.returncode, [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


@pytest.mark.slow
def test_backstages_catalog_model_accepts_the_rendered_catalog_info(template_repo: Path, tmp_path: Path) -> None:
    project = render(template_repo, tmp_path / "svc")
    code, entities = backstage(project / "catalog-info.yaml")
    assert code == 0, entities
    (entity,) = entities
    assert entity["ok"] and entity["entity"]["metadata"]["namespace"] == "default"
    assert (entity["entity"]["kind"], entity["entity"]["spec"]["owner"]) == ("Component", "team-orders")


@pytest.mark.slow
def test_backstages_catalog_model_refuses_a_broken_entity_so_acceptance_means_something(
    template_repo: Path, tmp_path: Path
) -> None:
    project = render(template_repo, tmp_path / "svc")
    entity = yaml.safe_load((project / "catalog-info.yaml").read_text())
    entity["metadata"]["annotations"]["not a key!"] = "x"
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(entity))
    code, entities = backstage(broken)
    assert code == 1 and not entities[0]["ok"] and "not a key!" in entities[0]["error"]


@pytest.mark.slow
def test_renovates_config_validator_accepts_renovate_json_and_refuses_a_broken_one(
    template_repo: Path, tmp_path: Path
) -> None:
    project = render(template_repo, tmp_path / "svc")
    ok = run_js(validator("renovate-config-validator"), "--strict", cwd=project)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Config validated successfully" in ok.stdout

    config = json.loads((project / "renovate.json").read_text())
    (project / "renovate.json").write_text(json.dumps({**config, "rangeStrategi": "pin"}))
    broken = run_js(validator("renovate-config-validator"), "--strict", cwd=project)
    assert broken.returncode != 0 and "rangeStrategi" in broken.stdout + broken.stderr


@pytest.mark.slow
def test_renovate_keeps_npm_the_base_image_digest_and_the_teams_action_pins_current(
    template_repo: Path, tmp_path: Path
) -> None:
    project = render(template_repo, tmp_path / "svc")
    # As `companyos new-service` leaves it: the platform's workflow beside the team's own.
    (project / WORKFLOW_PATH).parent.mkdir(parents=True)
    (project / WORKFLOW_PATH).write_text(render_ci_workflow(spec_of(ANSWERS)))
    (project / ".github" / "workflows" / "docs.yml").write_text(TEAM_WORKFLOW)

    files = renovate_extract(project, tmp_path)

    base = BASE_IMAGE.search((project / "Dockerfile").read_text())
    assert base
    image, digest = base["ref"].split("@")
    (dockerfile,) = files["dockerfile"]
    stages = [d for d in dockerfile["deps"] if d["depName"] == "node"]
    assert stages and all(
        (f"node:{d['currentValue']}", d["currentDigest"]) == (image, digest)
        and d["replaceString"] == f"ARG BASE_IMAGE={base['ref']}"
        for d in stages
    ), stages

    package = json.loads((project / "package.json").read_text())
    (npm,) = files["npm"]
    found = {d["depName"]: d["currentValue"] for d in npm["deps"] if d["depType"] != "engines"}
    assert found == {**package["dependencies"], **package["devDependencies"]}
    assert {"depName": "node", "currentValue": package["engines"]["node"]}.items() <= next(
        d for d in npm["deps"] if d["depType"] == "engines"
    ).items()

    (devcontainer,) = files["devcontainer"]
    assert devcontainer["deps"][0]["currentValue"] == f"1-{NODE_MAJOR}-bookworm"

    # The platform rewrites ci.yml on every `pulumi up` (its pins are kept current in the platform repository),
    # so Renovate leaves it alone; a workflow of the team's own is kept pinned.
    workflows = {f["packageFile"]: f["deps"] for f in files["github-actions"]}
    assert set(workflows) == {".github/workflows/docs.yml"}
    checkout = next(d for d in workflows[".github/workflows/docs.yml"] if d["depName"] == "actions/checkout")
    assert (checkout["currentValue"], checkout["currentDigest"]) == (
        "v4.2.2",
        "11bd71901bbe5b1630ceea73d27597364c9af683",
    )
