# Generated from companyos/catalog/model.py by `python -m companyos.policy_gate.pack_contracts`. Do not edit.
"""Typed view of a validated catalogue stanza, with the defaults that keep a stanza ~5 lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

RISKS = ("low", "medium", "high")
DATA_CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")

# Histogram buckets (milliseconds) each template's http_request_duration_seconds uses. A latency SLO
# is only measurable at a bucket boundary, so the catalogue refuses thresholds not listed here.
TEMPLATE_LATENCY_BUCKETS_MS: dict[str, tuple[int, ...]] = {
    "node-express": (5, 10, 25, 50, 100, 200, 250, 300, 400, 500, 750, 1000, 2500, 5000, 10000),
}

DEFAULT_IMAGE_REGISTRY = "ghcr.io/paved-road"


@dataclass(frozen=True)
class ResourceList:
    cpu: str
    memory: str


@dataclass(frozen=True)
class Resources:
    requests: ResourceList = field(default_factory=lambda: ResourceList(cpu="100m", memory="128Mi"))
    limits: ResourceList = field(default_factory=lambda: ResourceList(cpu="500m", memory="256Mi"))


@dataclass(frozen=True)
class LatencySlo:
    threshold_ms: int = 300
    objective: float = 99.0


@dataclass(frozen=True)
class Slo:
    availability: float = 99.9
    latency: LatencySlo = field(default_factory=LatencySlo)
    window_days: int = 30

    @property
    def error_budget_minutes(self) -> float:
        """Minutes of full unavailability the availability objective allows over the window."""
        return (100.0 - self.availability) / 100.0 * self.window_days * 24 * 60


@dataclass(frozen=True)
class ServiceSpec:
    """One stanza, defaults applied."""

    name: str
    owner: str
    risk: str
    data_classification: str
    description: str = ""
    template: str = "node-express"
    port: int = 8080
    replicas: int = 2
    resources: Resources = field(default_factory=Resources)
    slo: Slo = field(default_factory=Slo)
    env: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    calls: tuple[str, ...] = ()
    """Other stanzas this service calls (its only egress besides DNS and the OTLP collector)."""
    line: int = 0

    @property
    def labels(self) -> dict[str, str]:
        """The governance labels every object of the service carries (the policy pack checks them)."""
        return {
            "app.kubernetes.io/name": self.name,
            "app.kubernetes.io/part-of": "paved-road",
            "app.kubernetes.io/managed-by": "pulumi",
            "owner": self.owner,
            "risk": self.risk,
            "data-classification": self.data_classification,
        }


@dataclass(frozen=True)
class Catalog:
    path: Path
    services: tuple[ServiceSpec, ...]
    image_registry: str = DEFAULT_IMAGE_REGISTRY
    github_visibility: str = "private"

    def service(self, name: str) -> ServiceSpec:
        for spec in self.services:
            if spec.name == name:
                return spec
        known = ", ".join(s.name for s in self.services)
        raise KeyError(f"service '{name}' is not in {self.path} (known: {known})")

    def names(self) -> list[str]:
        return [s.name for s in self.services]
