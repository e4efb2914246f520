"""Command registry: one module per command (or command group); each exposes `command`."""

from __future__ import annotations

import importlib

import click

# Add a module name here to expose its `command` on the CLI.
COMMAND_MODULES = [
    "companyos.commands.validate",
    "companyos.commands.graph",
    "companyos.commands.slo",
    "companyos.commands.keygen",
    "companyos.commands.verify",
    "companyos.commands.sign_payload",
]


def register_all(group: click.Group) -> None:
    for module_name in COMMAND_MODULES:
        group.add_command(importlib.import_module(module_name).command)
