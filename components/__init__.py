"""Pulumi component resources that make up a paved-road service."""

from components.deployment import ServiceDeployment, ServiceDeploymentArgs
from components.image import ImageBuildArgs, ServiceImage, ServiceImageArgs
from components.observability import ServiceObservability, ServiceObservabilityArgs
from components.repository import ServiceRepository, ServiceRepositoryArgs
from components.service import PavedRoadService, PavedRoadServiceArgs

__all__ = [
    "ImageBuildArgs",
    "PavedRoadService",
    "PavedRoadServiceArgs",
    "ServiceDeployment",
    "ServiceDeploymentArgs",
    "ServiceImage",
    "ServiceImageArgs",
    "ServiceObservability",
    "ServiceObservabilityArgs",
    "ServiceRepository",
    "ServiceRepositoryArgs",
]
