"""The chores an installation runs every day with nobody at the keyboard, as the system account,
each an audited batch act like the same command typed by an operator:

* for every organism, the e-mails and M+1 SMS reminders of the day's letters are queued
  (``outbox queue``: letters as PDF where the debtor consented);
* the prescriptions of the next 90 days are watched, a review task queued per claim
  (``prescription watch``);
* the messages due are sent, retries included (``outbox send``).

Each step is idempotent (a letter already queued, a review task already open, a message already
sent is left as it is), so running the chores twice the same day changes nothing the second
time. ``recouvre chores --date D`` runs them (from cron on SQLite); on PostgreSQL a worker
started with ``--chores`` runs them daily and sends the outbox every few minutes
(``service.job_queue``). Closing the audit trail's day stays the operator's act
(``recouvre audit close-day``): its head goes to a file outside the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial

from recouvre.security.authorization import Actor
from recouvre.service import outbox, prescription
from recouvre.service.commands.batches import run_batch
from recouvre.service.commands.outbox import queue_messages, send_outbox
from recouvre.service.context import Services, organism_codes

WATCH_HORIZON_DAYS = 90
"""The prescription watch's horizon, as ``recouvre prescription watch``'s default."""
SEND_LIMIT = 500


@dataclass(frozen=True)
class OrganismChores:
    organism: str
    queued: outbox.Queued
    watched: int
    review_tasks: int


@dataclass(frozen=True)
class ChoresReport:
    on: date
    organisms: tuple[OrganismChores, ...]
    sent: outbox.SendReport

    def lines(self) -> list[str]:
        """The report in French, a line per organism and one for the messages sent."""
        found = [
            f"{item.organism} : {item.queued.emails} courriel(s) et {item.queued.sms} SMS mis en "
            f"file ({item.queued.already} déjà en file) ; {item.watched} créance(s) prescrite(s) "
            f"dans les {WATCH_HORIZON_DAYS} jours, {item.review_tasks} tâche(s) de revue créée(s)"
            for item in self.organisms
        ]
        sent = self.sent
        found.append(
            f"messages : {sent.sent} envoyé(s), {sent.retried} à réessayer, {sent.failed} en "
            f"échec, {sent.waiting} en attente d'un canal configuré"
        )
        return found


def send_due(services: Services, actor: Actor, limit: int = SEND_LIMIT) -> outbox.SendReport:
    """Send the messages due of every organism (``outbox send``)."""
    return send_outbox(services, actor, None, limit)


def daily_chores(services: Services, actor: Actor, on: date) -> ChoresReport:
    """Run the day's chores for every organism of the installation, then send the outbox."""
    done: list[OrganismChores] = []
    for code in organism_codes(services):
        queued = queue_messages(services, actor, code, on)
        watched = run_batch(
            services,
            actor,
            "prescription.watch",
            organism=code,
            subject=f"prescriptions à {WATCH_HORIZON_DAYS} jours",
            on=on,
            run=partial(prescription.watch, services, code, on, WATCH_HORIZON_DAYS),
            describe=lambda found: {
                "claims": len(found),
                "tasks_queued": sum(1 for item in found if item.task_queued),
            },
        )
        done.append(
            OrganismChores(code, queued, len(watched), sum(1 for item in watched if item.task_queued))
        )
    return ChoresReport(on, tuple(done), send_due(services, actor))
