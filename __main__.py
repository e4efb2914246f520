"""Paved Road: one stack per service and environment (e.g. `hello-prod-dev`); see docs/architecture.md.

Reads the service catalogue and instantiates one PavedRoadService per selected stanza."""

from pathlib import Path

import pulumi

from companyos.catalog import load_catalog
from companyos.contracts.errors import UserError
from components import PavedRoadService
from program.plan import config_secret, plan_service, selected_services
from program.settings import read_stack_settings

PROJECT_DIR = Path(__file__).resolve().parent

try:
    settings = read_stack_settings(PROJECT_DIR)
    catalog = load_catalog(settings.catalog_path)
    services = {
        spec.name: PavedRoadService(spec.name, plan_service(spec, catalog, settings, config_secret))
        for spec in selected_services(catalog, settings)
    }
except UserError as error:
    # RunError ends the program with the message alone: no Python traceback for a catalogue mistake.
    raise pulumi.RunError(str(error)) from None

if settings.service is not None:
    for key, value in services[settings.service].outputs.items():
        pulumi.export(key, value)
else:
    pulumi.export("services", {name: service.outputs for name, service in services.items()})
