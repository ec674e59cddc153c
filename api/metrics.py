"""Prometheus exposition, correct across workers.

With ``PROMETHEUS_MULTIPROC_DIR`` set, every worker process writes its metric values to files in that directory and
the /metrics answer (from whichever worker serves it) sums them all; without it, the one process's default registry
is shown. `kluis serve --workers N` (N > 1) sets the directory up, empty, before the workers start.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Per route template (never per concrete path: ids would explode the labels).
HTTP_REQUESTS = Counter("kluis_http_requests", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram("kluis_http_request_seconds", "HTTP request latency", ["method", "route"])


def exposition() -> bytes:
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # prometheus_client: untyped
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def prepare_multiprocess_dir(directory: Path) -> None:
    """An empty directory for this run's worker files (files of an earlier run would be summed in), exported in
    the environment the workers inherit."""
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True, mode=0o700)
    os.environ[MULTIPROC_ENV] = str(directory)
