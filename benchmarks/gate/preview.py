"""Part 2 of the gate benchmark: `run_preview` (program + gate) in a fresh interpreter, its wall time and the
peak RSS of the gate process plus the pack process."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.gate.inputs import baseline_exceptions, with_trusted_key
from benchmarks.synthetic_catalog import write_synthetic_catalog

ROOT = Path(__file__).resolve().parents[2]

# Peak RSS is read as VmHWM from /proc: getrusage's ru_maxrss survives exec on Linux, so a child of this (large)
# bench process would report the bench's own peak. The pack is a child of the child: a thread samples its VmHWM.
CHILD = """
import json, os, sys, threading, time
started = time.perf_counter()
from pathlib import Path
from companyos.policy_gate.preview import PreviewOptions, run_preview

def hwm_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            return next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration, ValueError):
        return 0.0

children_peak = {}
def sample_children(stop):
    me = str(os.getpid())
    while not stop.wait(0.05):
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    ppid = stat.read().rsplit(")", 1)[1].split()[1]
            except (OSError, IndexError):
                continue
            if ppid == me:
                children_peak[pid] = max(children_peak.get(pid, 0.0), hwm_mb(pid))

stop = threading.Event()
threading.Thread(target=sample_children, args=(stop,), daemon=True).start()
root, catalog, releases, pack, config, exceptions = sys.argv[1:7]
result = run_preview(PreviewOptions(project_dir=Path(root), catalog=Path(catalog), releases_dir=Path(releases),
                                    pack_dir=Path(pack), policy_config=Path(config) if config else None,
                                    exceptions=Path(exceptions) if exceptions else None,
                                    stack="bench", timeout_s=600))
wall = time.perf_counter() - started
stop.set()
print(json.dumps({"wall_s": wall, "verdict": result.verdict, "error": result.error,
                  "resources": result.resource_count, "durations_ms": result.durations_ms,
                  "self_rss_mb": hwm_mb("self"), "pack_rss_mb": max(children_peak.values(), default=0.0)}))
"""


def whole_preview(size: int, pack: Path, overrides: dict[str, Any], *, real: bool = False) -> dict[str, Any]:
    """`real`: the pack is the paved-road pack (at another revision): give it the same config as the current one."""
    with tempfile.TemporaryDirectory() as temp:
        catalog, releases, public_pem = write_synthetic_catalog(Path(temp), size)
        config = Path(temp) / "policy-config.json"
        settings = with_trusted_key(overrides, pack, public_pem, pack if real else None)
        config.write_text(json.dumps(settings))
        exceptions = baseline_exceptions(Path(temp) / "exceptions.yaml", settings, size) if real else ""
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                CHILD,
                str(ROOT),
                str(catalog),
                str(releases),
                str(pack),
                str(config),
                str(exceptions),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=3600,
            check=False,
        )
    if done.returncode != 0:
        raise SystemExit(f"size {size} failed: {done.stderr[-2000:]}")
    sample = json.loads(done.stdout.strip().splitlines()[-1])
    if sample["error"]:
        raise SystemExit(f"size {size}: the gate could not run: {sample['error']}")
    return {"stanzas": size, **sample, "rss_mb": sample["self_rss_mb"] + sample["pack_rss_mb"]}
