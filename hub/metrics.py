"""Prometheus metrics (prometheus-client), served at ``GET /metrics``.

Each Hub has its own registry (tests build several hubs in one process). Counters and
histograms are fed by the worker and the ingest API; queue depths, the oldest
waiting job and the circuit breakers are read when Prometheus scrapes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST as CONTENT_TYPE,
)
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from hub.logging import get_logger

if TYPE_CHECKING:
    from hub.service import Hub

log = get_logger("hub.metrics")

__all__ = ["CONTENT_TYPE", "HubMetrics"]

_CIRCUIT = {"closed": 0, "half_open": 1, "open": 2}


class HubMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.attempts = Counter(
            "tthc_hub_attempts",
            "Calls to ministries, by outcome (ok, transient, permanent)",
            ["connector", "outcome"],
            registry=self.registry,
        )
        self.call_seconds = Histogram(
            "tthc_hub_call_seconds",
            "Duration of calls to ministries",
            ["connector"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.events = Counter(
            "tthc_hub_events_ingested",
            "Events accepted from the province (duplicates excluded)",
            registry=self.registry,
        )
        self.worker_failures = Counter(
            "tthc_hub_worker_failures",
            "Times the worker loop stopped on an error (not a job's: those end dead)",
            registry=self.registry,
        )

        # The labelled children, kept per label values: ``.labels()`` validates and looks
        # them up under a lock at each call; the children are stable objects (nothing
        # here removes or clears a label set), so once per label set is enough.
        self._attempts: dict[tuple[str, str], Counter] = {}
        self._call_seconds: dict[str, Histogram] = {}

    def observe_attempt(self, connector: str, outcome: str, seconds: float) -> None:
        attempts = self._attempts.get((connector, outcome))
        if attempts is None:
            attempts = self._attempts[connector, outcome] = self.attempts.labels(connector, outcome)
        attempts.inc()
        call_seconds = self._call_seconds.get(connector)
        if call_seconds is None:
            call_seconds = self._call_seconds[connector] = self.call_seconds.labels(connector)
        call_seconds.observe(seconds)

    def attach(self, hub: Hub) -> None:
        """Read queue depths and breakers from ``hub`` at each scrape."""
        self.registry.register(_HubCollector(hub))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _HubCollector(Collector):
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def collect(self) -> Iterator[GaugeMetricFamily]:
        # The worker's own state first: it must be told even when the store cannot be read.
        state = self.hub.worker.state
        if state != "not_started":  # the worker runs in this process
            up = GaugeMetricFamily(
                "tthc_hub_worker_up", "1 while this process's worker is running, else 0"
            )
            up.add_metric([], 1 if state == "running" else 0)
            yield up
        circuits = GaugeMetricFamily(
            "tthc_hub_circuit_state",
            "Circuit breaker: 0 closed, 1 probing, 2 open",
            labels=["connector"],
        )
        for name, circuit in self.hub.worker.circuits.items():
            circuits.add_metric([name], _CIRCUIT[circuit.state])
        yield circuits
        try:
            counts = self.hub.store.job_counts()
            waiting = self.hub.store.oldest_waiting()
        except Exception as exc:  # the store is down: the gauges above still say so
            log.error("metrics_store_unreadable", error=type(exc).__name__)
            return
        jobs = GaugeMetricFamily(
            "tthc_hub_jobs", "Jobs in the outbox, by state", labels=["connector", "state"]
        )
        for (connector, job_state), n in counts.items():
            jobs.add_metric([connector, job_state], n)
        yield jobs
        oldest = GaugeMetricFamily(
            "tthc_hub_oldest_waiting_seconds",
            "Age of the oldest job waiting to be sent",
            labels=["connector"],
        )
        now = time.time()
        for connector, created in waiting.items():
            oldest.add_metric([connector], max(0.0, now - created.timestamp()))
        yield oldest
