"""The figures an operator's Prometheus scrapes from ``/metrics``.

* request latency, by method, route template (never the concrete path: ids are personal
  data and would make one series per debtor) and status class — observed by the server;
* the queues' depth (open tasks per organism and queue) and the progress of the monthly cycles
  under way (finished and total shards), and on PostgreSQL the job queue's depth (jobs queued,
  running, failed) and its live workers — read from the database at each scrape, so they hold
  whichever process or machine does the work.

One registry per process, not the client library's global one: tests and several applications
in one process do not mix their series.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from recouvre.service import job_queue
from recouvre.service.context import Services
from recouvre.storage import operations

REGISTRY = CollectorRegistry(auto_describe=True)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
REQUEST_SECONDS = Histogram(
    "recouvre_http_request_duration_seconds",
    "Durée des requêtes HTTP, par méthode, route et classe de statut",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)


class DatabaseFigures(Collector):
    """Queue depth and cycle progress, read when scraped."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily(
            "recouvre_queue_open_tasks",
            "Tâches ouvertes par organisme et corbeille",
            labels=["organism", "queue"],
        )
        for organism, queue, count in operations.open_tasks(self.services.db):
            depth.add_metric([organism, queue], count)
        done = GaugeMetricFamily(
            "recouvre_cycle_shards_done",
            "Lots terminés du cycle mensuel en cours",
            labels=["organism", "month"],
        )
        total = GaugeMetricFamily(
            "recouvre_cycle_shards", "Lots du cycle mensuel en cours", labels=["organism", "month"]
        )
        for cycle in operations.running_cycles(self.services.db):
            done.add_metric([cycle.organism, cycle.month], cycle.shards_done)
            total.add_metric([cycle.organism, cycle.month], cycle.shards)
        yield depth
        yield done
        yield total
        if job_queue.supported(self.services):
            jobs = GaugeMetricFamily(
                "recouvre_job_queue_jobs",
                "Tâches de la file (PostgreSQL) en attente, en cours ou en échec",
                labels=["queue", "task", "status"],
            )
            for queue, task, status, count in job_queue.queue_figures(self.services):
                jobs.add_metric([queue, task, status], count)
            workers = GaugeMetricFamily("recouvre_job_queue_workers", "Workers de la file en vie")
            workers.add_metric([], job_queue.live_workers(self.services))
            yield jobs
            yield workers


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    REQUEST_SECONDS.labels(method, route, f"{status // 100}xx").observe(seconds)


def exposition(services: Services) -> bytes:
    """The text a Prometheus scrape reads: the process's series plus the database's figures."""
    registry = CollectorRegistry()
    registry.register(DatabaseFigures(services))
    return generate_latest(REGISTRY) + generate_latest(registry)
