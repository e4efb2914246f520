"""Render a mocked program run as the tree `pulumi preview` would show (type, name, key facts)."""

from __future__ import annotations

from collections import Counter

from rich.tree import Tree

from companyos.preview.program_run import ProgramRun, RecordedResource


def _fact(resource: RecordedResource) -> str:
    inputs = resource.inputs
    if resource.type == "kubernetes:apps/v1:Deployment":
        container = inputs["spec"]["template"]["spec"]["containers"][0]
        return f"image={container['image']}"
    if resource.type == "github:index/branchProtection:BranchProtection":
        checks = inputs.get("requiredStatusChecks", [{}])[0].get("contexts", [])
        return f"required checks={','.join(checks)}"
    if resource.type == "github:index/repositoryFile:RepositoryFile":
        return f"file={inputs.get('file')}"
    if resource.type == "kubernetes:monitoring.coreos.com/v1:PrometheusRule":
        rules = [r for g in inputs["spec"]["groups"] for r in g["rules"]]
        return f"{sum('alert' in r for r in rules)} alerts, {sum('record' in r for r in rules)} recording rules"
    return ""


def resource_tree(run: ProgramRun) -> Tree:
    root = Tree(f"[bold]{run.project}-{run.stack}[/] (pulumi:pulumi:Stack)")
    known = {r.urn for r in run.resources}
    children: dict[str, list[RecordedResource]] = {}
    for resource in run.resources:
        children.setdefault(resource.parent if resource.parent in known else "", []).append(resource)

    def add(node: Tree, parent_urn: str) -> None:
        # Registration order is asynchronous; sorting keeps the printed graph stable run to run.
        for resource in sorted(children.get(parent_urn, []), key=lambda r: (r.type, r.name)):
            fact = _fact(resource)
            label = f"[cyan]{resource.type}[/] [bold]{resource.name}[/]" + (f"  [dim]{fact}[/]" if fact else "")
            add(node.add(label), resource.urn)

    add(root, "")
    return root


def type_counts(run: ProgramRun) -> Counter[str]:
    return Counter(r.type for r in run.resources)
