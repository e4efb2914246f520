"""Source stages: scaffold the service (when missing), install, build and test it, as the CI `build` and `test`
jobs do."""

from __future__ import annotations

from companyos.release.runner import StageContext
from companyos.scaffolding.catalog import ServiceAnswers
from companyos.scaffolding.new_service import new_service

GIT_IDENTITY = ["-c", "user.name=paved-road", "-c", "user.email=release@paved-road.invalid"]


def scaffold(ctx: StageContext) -> str:
    spec, target = ctx.state.spec, ctx.state.service_dir
    if (target / "package.json").is_file():
        return f"{target} (exists)"
    target.parent.mkdir(parents=True, exist_ok=True)
    created = new_service(
        ServiceAnswers(
            name=spec.name,
            owner=spec.owner,
            risk=spec.risk,
            data_classification=spec.data_classification,
            description=spec.description or spec.name,
            port=spec.port,
        ),
        parent=target.parent,
        catalog_path=ctx.state.catalog,
        register=False,
    )
    ctx.note("scaffold", f"created {created.path} from {created.template_src} at {created.template_version}")
    if not (target / ".git").exists():
        # Provenance and the evidence pack name the source commit: the service is its own git repository.
        for argv in (
            ["git", "init", "-q", "-b", "main"],
            ["git", "add", "-A"],
            ["git", *GIT_IDENTITY, "commit", "-qm", f"{spec.name}: generated from the paved-road template"],
        ):
            ctx.run(argv, cwd=target, log="scaffold-git")
    return str(target)


def install(ctx: StageContext) -> str:
    ctx.run(["npm", "ci", "--prefer-offline", "--no-audit", "--no-fund"], cwd=ctx.state.service_dir, log="install")
    return "node_modules/"


def build(ctx: StageContext) -> str:
    ctx.run(["npm", "run", "build"], cwd=ctx.state.service_dir, log="build")
    return "dist/"


def test(ctx: StageContext) -> str:
    reports = ctx.out / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    directory = ctx.state.service_dir
    ctx.run(["npm", "run", "typecheck"], cwd=directory, log="typecheck")
    tests = sorted(str(p.relative_to(directory)) for p in (directory / "test").glob("*.test.ts"))
    ctx.run(
        [
            "node",
            "--import",
            "tsx",
            "--test",
            "--experimental-test-coverage",
            "--test-reporter=junit",
            f"--test-reporter-destination={reports / 'junit.xml'}",
            "--test-reporter=lcov",
            f"--test-reporter-destination={reports / 'lcov.info'}",
            "--test-reporter=spec",
            "--test-reporter-destination=stdout",
            *tests,
        ],
        cwd=directory,
        log="test",
        timeout=900,
    )
    return "reports/junit.xml"
