"""Paved Road: catalogue, CLI and supply-chain tooling behind the Pulumi program."""

__version__ = "0.1.0"
