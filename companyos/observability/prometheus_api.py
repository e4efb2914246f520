"""The Prometheus HTTP API calls we make (instant and range queries), with one way of reporting failures.
check-deploy and the dashboard renderer word the failures for their users; the transport is shared."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


class PrometheusError(Exception):
    """Prometheus did not answer, rejected the query (its own words), or answered without success."""

    def __init__(self, kind: str, detail: object) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind  # "rejected" | "unreachable" | "failed"
        self.detail = detail


def query(
    prometheus_url: str, path: str, params: dict[str, Any], *, timeout: float, post: bool = False
) -> dict[str, Any]:
    """`data` of a successful API answer; PrometheusError otherwise."""
    url = prometheus_url.rstrip("/") + path
    form = urllib.parse.urlencode(params)
    request = (
        urllib.request.Request(url, data=form.encode(), method="POST")
        if post
        else urllib.request.Request(f"{url}?{form}")
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = json.load(response)
    except urllib.error.HTTPError as err:
        # Prometheus answers a bad query with 400/422 and a JSON error; surface its words.
        try:
            detail = json.load(err).get("error", err.reason)
        except ValueError:
            detail = err.reason
        raise PrometheusError("rejected", detail) from err
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise PrometheusError("unreachable", getattr(err, "reason", err)) from err
    if not isinstance(body, dict) or body.get("status") != "success":
        raise PrometheusError("failed", body.get("error", body) if isinstance(body, dict) else body)
    data = body.get("data")
    return data if isinstance(data, dict) else {}
