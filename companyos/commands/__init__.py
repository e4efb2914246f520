"""Command registry: one module per command (or command group); each exposes `command`.

Modules load only when their command runs: some pull in gRPC, matplotlib or copier, and a user typing
`companyos validate` should not wait for them."""

from __future__ import annotations

import importlib
from typing import NoReturn

import click
from click_didyoumean import DYMMixin

# Command name -> module exposing `command`. Add a line here to expose a new command.
COMMAND_MODULES = {
    "validate": "companyos.commands.validate",
    "affected": "companyos.commands.affected",
    "platform-workflow": "companyos.commands.platform_workflow",
    "graph": "companyos.commands.graph",
    "new-service": "companyos.commands.new_service",
    "update-service": "companyos.commands.update_service",
    "template": "companyos.commands.template",
    "preview": "companyos.commands.preview",
    "policy-config": "companyos.commands.policy_config",
    "registry": "companyos.commands.registry",
    "build-base": "companyos.commands.build_base",
    "build": "companyos.commands.build",
    "sbom": "companyos.commands.sbom",
    "scan": "companyos.commands.scan",
    "keygen": "companyos.commands.keygen",
    "sign": "companyos.commands.sign",
    "sign-payload": "companyos.commands.sign_payload",
    "verify": "companyos.commands.verify",
    "attest": "companyos.commands.attest",
    "predicate": "companyos.commands.predicate",
    "verify-attestations": "companyos.commands.verify_attestations",
    "slo": "companyos.commands.slo",
    "obs": "companyos.commands.obs",
    "check-deploy": "companyos.commands.check_deploy",
    "runbook": "companyos.commands.runbook",
    "release": "companyos.commands.release",
    "record": "companyos.commands.record",
    "sbom-merge": "companyos.commands.sbom_merge",
    "evidence": "companyos.commands.evidence",
}


class LazyGroup(DYMMixin, click.Group):
    """A click group that imports a command's module when that command is looked up; an unknown command gets
    "did you mean" suggestions (click-didyoumean)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMAND_MODULES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMAND_MODULES and cmd_name not in self.commands:
            command = importlib.import_module(COMMAND_MODULES[cmd_name]).command
            if command.name != cmd_name:
                raise RuntimeError(f"{COMMAND_MODULES[cmd_name]} defines '{command.name}', registered as '{cmd_name}'")
            self.add_command(command)
        return super().get_command(ctx, cmd_name)


def exit_with(code: int) -> NoReturn:
    """End a command with its verdict's exit code (1: rejected, blocked or unhealthy). The one way a command exits
    with a code of its own; bad input is a UserError (2). `companyos.cli.run` turns this into the exit code."""
    raise click.exceptions.Exit(code)
