"""`companyos new-service`: a complete service directory and one new catalogue stanza, or nothing at all."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import yaml

from companyos.catalog import load_catalog
from companyos.ci_workflow import render_ci_workflow
from companyos.preview.program_run import run_program
from companyos.scaffolding.template import default_published_dir, template_version

from .conftest import REPO_ROOT, Companyos, leftovers, unwritable

ORDERS = [
    "new-service",
    "orders-api",
    "--owner",
    "team-orders",
    "--risk",
    "high",
    "--data-classification",
    "confidential",
    "--description",
    "Takes orders.",
]
ORDERS_STANZA = """\
  - name: orders-api
    description: Takes orders.
    owner: team-orders
    risk: high
    data_classification: confidential
"""


def test_new_service_renders_the_template_with_the_platform_ci_workflow_and_a_versioned_answers_file(
    workspace: Path, companyos: Companyos
) -> None:
    result = companyos(*ORDERS)
    assert result.code == 0, result.err
    service = workspace / "orders-api"
    for expected in (
        "package.json",
        "package-lock.json",
        "src/server.ts",
        "test/http.test.ts",
        "Dockerfile",
        "service.yaml",
        "catalog-info.yaml",
        ".github/workflows/ci.yml",
    ):
        assert (service / expected).is_file(), expected
    assert json.loads((service / "package.json").read_text())["name"] == "orders-api"
    answers = yaml.safe_load((service / ".copier-answers.yml").read_text())
    assert answers["_commit"] == f"v{template_version()}"
    assert Path(answers["_src_path"]) == default_published_dir()
    assert (answers["owner"], answers["risk"], answers["data_classification"]) == (
        "team-orders",
        "high",
        "confidential",
    )
    catalog = load_catalog(workspace / "services.yaml")
    assert (service / ".github/workflows/ci.yml").read_text() == render_ci_workflow(
        catalog.service("orders-api"), image_registry=catalog.image_registry
    )
    # Renamed from a mkdtemp staging directory (0700): the service must get the ordinary mode.
    assert stat.S_IMODE(service.stat().st_mode) & 0o055 == 0o055
    assert leftovers(workspace) == []
    for step in ("cd orders-api", "npm ci", "npm run dev", "pulumi stack init orders-api-dev"):
        assert step in result.out


def test_the_catalogue_gains_exactly_one_stanza_keeps_its_comments_and_the_program_provisions_its_repository(
    workspace: Path, companyos: Companyos, tmp_path_factory: pytest.TempPathFactory
) -> None:
    catalog_path = workspace / "services.yaml"
    before = catalog_path.read_text()
    assert companyos(*ORDERS).code == 0
    assert catalog_path.read_text() == before + ORDERS_STANZA
    assert load_catalog(catalog_path).names() == ["hello-prod", "orders-api"]

    releases = tmp_path_factory.mktemp("no-releases")
    run = run_program(
        REPO_ROOT,
        stack="orders-api-dev",
        config={
            "paved-road:catalog": str(catalog_path),
            "paved-road:releasesDir": str(releases),
            "paved-road:service": "orders-api",
            "github:owner": "acme",
        },
    )
    assert run.error is None, run.error
    assert [r.name for r in run.of_type("paved-road:index:PavedRoadService")] == ["orders-api"]
    # Bootstrap: with no release yet the stanza gets its repository, and no workload.
    assert [r.inputs["name"] for r in run.of_type("github:index/repository:Repository")] == ["orders-api"]
    assert not [r for r in run.resources if r.type.startswith("kubernetes:")]


@pytest.mark.parametrize("port, stanza_port", [("8080", None), ("9090", 9090)])
def test_the_port_is_written_to_the_stanza_only_when_it_is_not_the_default(
    workspace: Path, companyos: Companyos, port: str, stanza_port: int | None
) -> None:
    assert companyos("new-service", "pay", "--owner", "team-pay", "--port", port).code == 0
    stanza = yaml.safe_load((workspace / "services.yaml").read_text())["services"][-1]
    assert stanza.get("port") == stanza_port
    assert yaml.safe_load((workspace / "pay" / "service.yaml").read_text())["port"] == int(port)


def test_no_register_generates_the_code_and_leaves_the_catalogue_untouched(
    workspace: Path, companyos: Companyos
) -> None:
    before = (workspace / "services.yaml").read_bytes()
    (workspace / "elsewhere").mkdir()
    result = companyos(*ORDERS, "--no-register", "--dir", "elsewhere")
    assert result.code == 0, result.err
    assert (workspace / "elsewhere" / "orders-api" / ".github/workflows/ci.yml").is_file()
    assert (workspace / "services.yaml").read_bytes() == before
    assert "registered" not in result.out


@pytest.mark.parametrize(
    "args, message",
    [
        (["new-service", "Orders_API", "--owner", "team-orders"], "not a DNS-1123 label"),
        (["new-service", "a" * 41, "--owner", "team-orders"], "at most 40 characters"),
        (["new-service", "orders-", "--owner", "team-orders"], "not ending with '-'"),
        (["new-service", "orders-api", "--owner", "team-orders", "--risk", "extreme"], "'extreme' is not one of"),
        (
            ["new-service", "orders-api", "--owner", "team-orders", "--data-classification", "secret"],
            "'secret' is not one of",
        ),
        (["new-service", "orders-api", "--owner", "Team Orders"], "field 'owner'"),
        (["new-service", "orders-api", "--owner", "team-orders", "--port", "80"], "field 'port'"),
        (["new-service", "hello-prod", "--owner", "team-orders"], "'hello-prod' is already in the catalogue"),
        (
            ["new-service", "orders-api", "--owner", "team-orders", "--catalog", "missing.yaml"],
            "catalogue file not found",
        ),
        (["new-service", "orders-api", "--owner", "team-orders", "--template-ref", "v9.9.9"], "v9.9.9"),
        (["new-service", "orders-api", "--owner", "team-orders", "--template", "does-not-exist"], "does not exist"),
        (["new-service", "orders-api", "--owner", "team-orders", "--dir", "no-such-dir"], "not an existing directory"),
    ],
)
def test_invalid_input_exits_2_with_the_reason_and_writes_nothing(
    workspace: Path, companyos: Companyos, args: list[str], message: str
) -> None:
    before = (workspace / "services.yaml").read_bytes()
    result = companyos(*args)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err
    assert not (workspace / args[1]).exists()
    assert leftovers(workspace) == []
    assert (workspace / "services.yaml").read_bytes() == before


def test_an_existing_target_directory_is_refused_and_left_as_it_was(workspace: Path, companyos: Companyos) -> None:
    (workspace / "orders-api").mkdir()
    (workspace / "orders-api" / "mine.txt").write_text("keep me")
    before = (workspace / "services.yaml").read_bytes()
    result = companyos(*ORDERS)
    assert result.code == 2 and "already exists" in result.err
    assert [p.name for p in (workspace / "orders-api").iterdir()] == ["mine.txt"]
    assert (workspace / "services.yaml").read_bytes() == before


def test_an_invalid_catalogue_is_reported_before_anything_is_rendered(workspace: Path, companyos: Companyos) -> None:
    catalog = workspace / "services.yaml"
    catalog.write_text(catalog.read_text().replace("risk: medium", "risk: extreme"))
    before = catalog.read_bytes()
    result = companyos(*ORDERS)
    assert result.code == 2
    assert "invalid before 'orders-api' is added" in result.err and "field 'risk'" in result.err
    assert not (workspace / "orders-api").exists() and catalog.read_bytes() == before


def test_an_unwritable_parent_directory_exits_2_and_writes_nothing(workspace: Path, companyos: Companyos) -> None:
    parent = workspace / "readonly"
    parent.mkdir()
    before = (workspace / "services.yaml").read_bytes()
    with unwritable(parent):
        result = companyos(*ORDERS, "--dir", str(parent))
    assert result.code == 2 and "pass a writable --dir" in result.err
    assert list(parent.iterdir()) == []
    assert (workspace / "services.yaml").read_bytes() == before


def test_a_catalogue_that_cannot_be_written_removes_the_rendered_service_again(
    workspace: Path, companyos: Companyos
) -> None:
    catalog_dir = workspace / "platform"
    catalog_dir.mkdir()
    catalog = catalog_dir / "services.yaml"
    catalog.write_bytes((workspace / "services.yaml").read_bytes())
    before = catalog.read_bytes()
    # The atomic write needs a temporary file next to the catalogue: an immutable directory refuses it.
    with unwritable(catalog_dir):
        result = companyos(*ORDERS, "--catalog", str(catalog))
    assert result.code == 2 and f"cannot write {catalog}" in result.err
    assert not (workspace / "orders-api").exists() and leftovers(workspace) == []
    assert catalog.read_bytes() == before


def test_service_yaml_has_one_writer_the_platform_so_new_service_writes_what_pulumi_up_will(
    workspace: Path, companyos: Companyos
) -> None:
    from program.repository_files import repository_files

    assert companyos(*ORDERS).code == 0
    spec = load_catalog(workspace / "services.yaml").service("orders-api")
    written = (workspace / "orders-api" / "service.yaml").read_text()
    assert written == repository_files(spec, "acme", "")["service.yaml"]
    assert yaml.safe_load(written)["slo"]["availability"] == spec.slo.availability
    assert not (REPO_ROOT / "service_templates/node-express/template/service.yaml.jinja").exists()
