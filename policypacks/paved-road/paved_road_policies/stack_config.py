"""The stack's config as the engine hands a policy pack its stack config (the PULUMI_CONFIG environment variable)."""

from __future__ import annotations

import json
import os
from typing import Any


def stack_config() -> dict[str, Any]:
    """The stack's config, as the engine hands a pack its stack config (PULUMI_CONFIG)."""
    try:
        config = json.loads(os.environ.get("PULUMI_CONFIG") or "{}")
    except ValueError:
        return {}
    return config if isinstance(config, dict) else {}
