"""The one shape every benchmark script hands to `benchmarks/run.py`: figures with samples and comparators.

A script run with `--json PATH` writes `{"script": ..., "figures": [Figure...]}` there (atomically);
run.py runs each script in its own process, reads the files and builds the table and RESULTS.md.
A figure keeps its raw samples so the runner computes median and min-max the same way for all.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from companyos.support.files import atomic_write

Better = Literal["lower", "higher"]


@dataclass
class Figure:
    """One measured quantity, its samples (one per run), and what it is compared with in the same run."""

    group: str
    """Which product capability: "preview + gate", "throughput", ... (one table section each)."""
    name: str
    unit: str
    samples: list[float]
    better: Better = "lower"
    comparator: str = ""
    """What the ratio is taken against, e.g. "bare Express, same routes" (empty: no comparator)."""
    comparator_samples: list[float] = field(default_factory=list)
    goal: str = ""
    """The issue's goal in words ("<= 6 s", ">= 85% of bare req/s"); empty when the issue sets none."""
    goal_met: bool | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if not self.samples:
            raise ValueError(f"figure {self.group}/{self.name} has no samples")
        if self.comparator and not self.comparator_samples:
            raise ValueError(f"figure {self.group}/{self.name} names comparator {self.comparator!r} without samples")

    @property
    def median(self) -> float:
        return float(statistics.median(self.samples))

    @property
    def comparator_median(self) -> float | None:
        return float(statistics.median(self.comparator_samples)) if self.comparator_samples else None

    @property
    def ratio(self) -> float | None:
        """This figure's median over its comparator's median (None without a comparator or a zero one)."""
        base = self.comparator_median
        return self.median / base if base else None

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Figure:
        return Figure(**data)


def write_figures(path: Path, script: str, figures: list[Figure]) -> None:
    """Writes the script's figures to `path` through a temp file and a rename (never half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps({"script": script, "figures": [asdict(f) for f in figures]}, indent=1))


def read_figures(path: Path) -> list[Figure]:
    data = json.loads(path.read_text())
    return [Figure.from_dict(item) for item in data["figures"]]
