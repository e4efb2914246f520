"""The service catalogue (`services.yaml`): one stanza per paved-road service."""

from companyos.catalog.issues import CatalogError, Issue
from companyos.catalog.loader import load_catalog, load_catalog_text
from companyos.catalog.model import (
    DATA_CLASSIFICATIONS,
    RISKS,
    TEMPLATE_LATENCY_BUCKETS_MS,
    Catalog,
    LatencySlo,
    ResourceList,
    Resources,
    ServiceSpec,
    Slo,
)

__all__ = [
    "Catalog",
    "CatalogError",
    "DATA_CLASSIFICATIONS",
    "Issue",
    "LatencySlo",
    "RISKS",
    "ResourceList",
    "Resources",
    "ServiceSpec",
    "Slo",
    "TEMPLATE_LATENCY_BUCKETS_MS",
    "load_catalog",
    "load_catalog_text",
]
