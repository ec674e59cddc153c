"""What the core counts, for Prometheus: decisions by outcome, refused tokens, how long a request waits for its audit
event to be durable, how many events a commit carries, and how far the witness is behind the head.

Module-level metrics in prometheus_client's default registry, so that several workers can be aggregated: with
``PROMETHEUS_MULTIPROC_DIR`` set (``kluis serve --workers N`` sets it), each process writes its values to files
there and the /metrics endpoint sums them (api/metrics.py). Labels are codes from the vocabulary, never identifiers.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

DECISIONS = Counter(
    "kluis_decisions", "Access decisions whose audit event committed, by outcome", ["event_type", "outcome"]
)
REFUSED_TOKENS = Counter("kluis_refused_tokens", "Bearer tokens refused, by reason code", ["reason"])
AUDIT_WAIT = Histogram(
    "kluis_audit_append_seconds",
    "From a unit of work's end until its audit events are committed (group commit or its own transaction)",
    ["path"],
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
AUDIT_EVENTS_PER_COMMIT = Histogram(
    "kluis_audit_events_per_commit",
    "Events appended by one group commit",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024),
)
AUDIT_HEAD = Gauge(
    "kluis_audit_head_seq", "Newest audit sequence number this process committed", multiprocess_mode="max"
)
WITNESSED = Gauge("kluis_audit_witnessed_seq", "Newest signed head given to the witness", multiprocess_mode="max")
WITNESS_FAILURES = Counter("kluis_audit_witness_failures", "Signed heads the witness did not take")
BREACHES_OVERDUE = Gauge(
    "kluis_breach_notifications_overdue",
    "Notifiable breaches past their 72-hour deadline without a notification to the authority (R46), as last listed",
)
