"""The one table of periodic jobs, run by `zhengwu scheduler`.

Each job names a django-tasks task by dotted path (so the kernel imports no domain) and an
interval. The scheduler only enqueues; workers run the jobs. Every periodic task must be
idempotent, so a second scheduler instance (or an overlap after a restart) does no harm.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: str  # dotted path of a django-tasks Task
    every: timedelta
    description: str


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob(
        name="outbox.deliver_due",
        task="zhengwu.kernel.tasks.deliver_due_outbox",
        every=timedelta(seconds=30),
        description="deliver outbox messages whose next attempt is due (retries with back-off)",
    ),
    PeriodicJob(
        name="catalog.publish_due",
        task="zhengwu.catalog.tasks.publish_due_versions",
        every=timedelta(seconds=60),
        description="publish approved catalogue versions whose effective date has come",
    ),
    PeriodicJob(
        name="cases.auto_accept",
        task="zhengwu.cases.tasks.auto_accept_due",
        every=timedelta(hours=1),
        description="accept cases left without a decision for 5 working days (行政许可法 art. 32)",
    ),
    PeriodicJob(
        name="cases.warnings",
        task="zhengwu.cases.tasks.recompute_warnings",
        every=timedelta(minutes=15),
        description="recompute case and task warning levels; record e-supervision of overdue ones",
    ),
    PeriodicJob(
        name="cases.deficiency_expiry",
        task="zhengwu.cases.tasks.expire_deficiencies",
        every=timedelta(hours=1),
        description="end cases whose owed (容缺) materials were not supplied by the deadline",
    ),
    PeriodicJob(
        name="hotline.supervise",
        task="zhengwu.hotline.tasks.supervise_orders",
        every=timedelta(minutes=5),
        description="督办: due-soon, overdue and unsigned hotline orders; escalate to the head",
    ),
    PeriodicJob(
        name="hotline.retrain",
        task="zhengwu.hotline.tasks.retrain_routing",
        every=timedelta(days=1),
        description="retrain the hotline routing classifier on closed tickets",
    ),
    PeriodicJob(
        name="hotline.daily_stats",
        task="zhengwu.hotline.tasks.refresh_daily_stats",
        every=timedelta(minutes=10),
        description="bring the hotline's daily statistics up to date",
    ),
    PeriodicJob(
        name="ratings.escalate",
        task="zhengwu.ratings.tasks.escalate_overdue",
        every=timedelta(minutes=15),
        description="好差评: escalate overdue verification, rectification and revisit steps",
    ),
    PeriodicJob(
        name="licences.expire",
        task="zhengwu.licences.tasks.expire_due_licences",
        every=timedelta(hours=1),
        description="电子证照: licences past their end date become 失效 (expired)",
    ),
    PeriodicJob(
        name="licences.purge_token_uses",
        task="zhengwu.licences.tasks.purge_token_uses",
        every=timedelta(days=1),
        description="电子证照: forget used one-time codes a day after they expired",
    ),
    PeriodicJob(
        name="dossiers.archive_check",
        task="zhengwu.dossiers.tasks.check_archives",
        every=timedelta(days=1),
        description="electronic archives: four-properties check of the archive packages",
    ),
    PeriodicJob(
        name="metrics.aggregate",
        task="zhengwu.metrics.tasks.refresh_aggregates",
        every=timedelta(minutes=10),
        description="bring the indicators' daily aggregates up to date (days with changes)",
    ),
)
