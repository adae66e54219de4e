"""Prometheus metrics, exported at ``/metrics``."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

WEBHOOKS = Counter(
    "threatflow_webhooks_total", "Webhook calls by outcome", ["outcome"], registry=REGISTRY
)
EXECUTIONS = Counter(
    "threatflow_executions_total", "Finished executions by status", ["status"],
    registry=REGISTRY,
)
STEP_SECONDS = Histogram(
    "threatflow_step_duration_seconds", "Duration of step attempts", ["app", "status"],
    buckets=(0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120),
    registry=REGISTRY,
)
IN_FLIGHT = Gauge(
    "threatflow_executions_in_flight", "Executions being advanced by this process",
    registry=REGISTRY,
)
