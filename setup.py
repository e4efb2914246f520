"""The wheel carries the service template, the policy pack, the dashboards and the evidence page template.

They stay where the repository keeps them (one copy each); building the wheel copies them into
companyos/_assets/ (companyos/support/assets.py lists them and finds them at run time). An editable
install copies nothing: it reads the checkout. Everything else is configured in pyproject.toml.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def _assets_module() -> ModuleType:
    # By path: importing the companyos package would need its dependencies in the build environment.
    spec = importlib.util.spec_from_file_location("_companyos_assets", ROOT / "companyos" / "support" / "assets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


class BuildPyWithAssets(build_py):
    def run(self) -> None:
        super().run()
        if not self.editable_mode:
            self._assets = _assets_module().package_assets(ROOT, Path(self.build_lib) / "companyos")

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        return [*super().get_outputs(include_bytecode), *map(str, getattr(self, "_assets", []))]


setup(cmdclass={"build_py": BuildPyWithAssets})
