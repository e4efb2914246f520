"""SLOs as code: Prometheus rules, OpenSLO documents and SLO pages generated from the service catalogue."""

from companyos.observability.openslo import generate_openslo, render_openslo
from companyos.observability.slo_doc import render_slo_doc
from companyos.observability.slo_rules import (
    DEFAULT_MIN_REQUESTS,
    generate_rules,
    render_rules,
)

__all__ = [
    "DEFAULT_MIN_REQUESTS",
    "generate_openslo",
    "generate_rules",
    "render_openslo",
    "render_rules",
    "render_slo_doc",
]
