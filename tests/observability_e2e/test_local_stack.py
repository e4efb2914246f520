"""`companyos obs up|down|status`: configs, clear errors, idempotent start, stop by PID."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from companyos.catalog import load_catalog
from companyos.observability import stack_configs, stack_processes, stack_state
from companyos.observability.local_stack import StackOptions

from .conftest import CATALOG, SERVICE, free_port, processes_alive, run_cli, stop_stack_pids


def options(work_dir: Path, **overrides: object) -> StackOptions:
    ports = {"prometheus_port": free_port(), "alertmanager_port": free_port(), "otlp_port": free_port()}
    return StackOptions(
        **{
            "service": SERVICE,
            "target": "127.0.0.1:8080",
            "work_dir": work_dir,
            **ports,
            "scrape_interval": "1s",
            "evaluation_interval": "1s",
            **overrides,
        }
    )


def up_args(opts: StackOptions) -> list[str]:
    return [
        "obs",
        "up",
        "--service",
        opts.service,
        "--catalog",
        str(CATALOG),
        "--target",
        opts.target,
        "--prometheus-port",
        str(opts.prometheus_port),
        "--alertmanager-port",
        str(opts.alertmanager_port),
        "--otlp-port",
        str(opts.otlp_port),
        "--scrape-interval",
        opts.scrape_interval,
        "--evaluation-interval",
        opts.evaluation_interval,
        "--work-dir",
        str(opts.work_dir),
    ]


def test_prometheus_scrapes_the_service_as_its_catalogue_job_and_loads_its_slo_rules(tmp_path: Path) -> None:
    opts = options(tmp_path, target="127.0.0.1:18080")
    paths = stack_configs.write_configs(opts, load_catalog(CATALOG).service(SERVICE))
    config = yaml.safe_load(paths["prometheus"].read_text())
    assert config["scrape_configs"] == [{"job_name": SERVICE, "static_configs": [{"targets": ["127.0.0.1:18080"]}]}]
    assert config["global"] == {"scrape_interval": "1s", "evaluation_interval": "1s"}
    assert config["rule_files"] == [str(paths["rules"].resolve())]
    assert f'job="{SERVICE}"' in paths["rules"].read_text()
    alertmanager = yaml.safe_load(paths["alertmanager"].read_text())
    assert alertmanager["receivers"][0]["webhook_configs"][0]["url"] == f"http://127.0.0.1:{opts.otlp_port}/v1/alerts"


def test_every_component_listens_on_loopback_only(tmp_path: Path) -> None:
    opts = options(tmp_path)
    argvs = stack_configs.component_argvs(
        opts,
        stack_configs.write_configs(opts, load_catalog(CATALOG).service(SERVICE)),
        {"prometheus": "prometheus", "alertmanager": "alertmanager"},
    )
    assert f"--web.listen-address=127.0.0.1:{opts.prometheus_port}" in argvs["prometheus"]
    assert f"--web.listen-address=127.0.0.1:{opts.alertmanager_port}" in argvs["alertmanager"]
    assert "--cluster.listen-address=" in argvs["alertmanager"]  # no gossip port on 0.0.0.0
    assert argvs["otlp-receiver"][argvs["otlp-receiver"].index("--host") + 1] == "127.0.0.1"


def test_a_missing_binary_is_named_with_the_command_that_installs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    result = run_cli(*up_args(options(tmp_path / "obs")))
    assert result.exit_code == 2
    assert "no prometheus on PATH" in result.output and "apt-get install -y prometheus" in result.output
    assert not (tmp_path / "obs" / "state.json").exists()


def test_a_missing_alertmanager_is_named_with_its_debian_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    only_prometheus = tmp_path / "bin"
    only_prometheus.mkdir()
    (only_prometheus / "prometheus").symlink_to(stack_configs.find_binary("prometheus"))
    monkeypatch.setenv("PATH", str(only_prometheus))
    result = run_cli(*up_args(options(tmp_path / "obs")))
    assert result.exit_code == 2 and "apt-get install -y prometheus-alertmanager" in result.output


def test_a_taken_port_is_named_by_its_flag_and_nothing_starts(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        opts = options(tmp_path, prometheus_port=squatter.getsockname()[1])
        result = run_cli(*up_args(opts))
    assert result.exit_code == 2
    assert f"--prometheus-port {opts.prometheus_port}: already in use on 127.0.0.1" in result.output
    assert not (tmp_path / "state.json").exists()


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--target", "localhost", "not HOST:PORT"),
        ("--scrape-interval", "fast", "not a Prometheus duration"),
        ("--otlp-port", "70000", "not a TCP port"),
    ],
)
def test_bad_options_are_refused_naming_the_flag(tmp_path: Path, flag: str, value: str, message: str) -> None:
    args = up_args(options(tmp_path))
    args[args.index(flag) + 1] = value
    result = run_cli(*args)
    assert result.exit_code == 2 and f"{flag} " in result.output and message in result.output


class _Metrics(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'http_requests_total{route="/hello",method="GET",status_code="200"} 1\n'
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def metrics_target() -> Iterator[str]:
    """A stand-in /metrics endpoint, so the stack's lifecycle is tested without building the template."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Metrics)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.slow
def test_up_twice_is_a_no_op_a_different_up_is_refused_and_down_stops_every_pid(
    tmp_path: Path, metrics_target: str
) -> None:
    opts = options(tmp_path / "obs", target=metrics_target)
    try:
        first = run_cli(*up_args(opts))
        assert first.exit_code == 0 and "started in" in first.output, first.output
        pids = processes_alive(opts.work_dir)
        assert len(pids) == 3

        again = run_cli(*up_args(opts))
        assert again.exit_code == 0 and "already running" in again.output
        assert processes_alive(opts.work_dir) == pids

        other = up_args(opts)
        other[other.index("--scrape-interval") + 1] = "2s"
        refused = run_cli(*other)
        assert refused.exit_code == 2 and "already running with other options" in refused.output
        assert "companyos obs down" in refused.output

        status = run_cli("obs", "status", "--work-dir", str(opts.work_dir))
        assert status.exit_code == 0, status.output

        started = stack_state.load_state(opts.work_dir).components
        down = run_cli("obs", "down", "--work-dir", str(opts.work_dir))
        assert down.exit_code == 0 and down.output.count(": stopped") == 3, down.output
        assert [c.name for c in started if stack_processes.is_running(c)] == []
        assert not stack_state.state_path(opts.work_dir).exists()
        after = run_cli("obs", "status", "--work-dir", str(opts.work_dir))
        assert after.exit_code == 1 and "not running" in after.output
    finally:
        stop_stack_pids(opts.work_dir)
