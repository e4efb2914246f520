"""A pack whose import fails before PolicyPack(...) is constructed."""

import paved_road_module_that_does_not_exist  # noqa: F401
