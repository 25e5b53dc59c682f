"""The authorised commands of the back office, one module per procedure family.

Every interface (the API, the web pages, the command line, the scenario runner) calls these,
never the service functions beneath them: each command authorises its actor (``service.door``),
acts in one transaction with its audit row, and records what the rules refuse.
"""

from recouvre.service.commands.appeals import (
    APPEAL_DECISIONS,
    ORGANISM_APPEAL,
    decide_appeal,
    file_appeal,
    withdraw_appeal,
)
from recouvre.service.commands.cycle import run_cycle
from recouvre.service.commands.decisions import (
    decide_proposal,
    propose_remission,
    propose_write_off,
    request_remission,
)
from recouvre.service.commands.delegation import place_claim, recall_placement
from recouvre.service.commands.queues import TaskChange, assign_task, close_task
from recouvre.service.commands.recovery import (
    agree_plan,
    establish_claim,
    promise_to_pay,
    record_contact,
    record_payment,
    resume_recovery,
    suspend_recovery,
)
from recouvre.service.commands.users import add_user, disable_user, grant_mandate, revoke_mandate
from recouvre.service.door import REFUSALS, guard, guard_any, guard_claim, guard_debtor, today

__all__ = [
    "APPEAL_DECISIONS",
    "ORGANISM_APPEAL",
    "REFUSALS",
    "TaskChange",
    "add_user",
    "agree_plan",
    "assign_task",
    "close_task",
    "decide_appeal",
    "decide_proposal",
    "disable_user",
    "establish_claim",
    "file_appeal",
    "grant_mandate",
    "guard",
    "guard_any",
    "guard_claim",
    "guard_debtor",
    "place_claim",
    "promise_to_pay",
    "propose_remission",
    "propose_write_off",
    "recall_placement",
    "record_contact",
    "record_payment",
    "request_remission",
    "resume_recovery",
    "revoke_mandate",
    "run_cycle",
    "suspend_recovery",
    "today",
    "withdraw_appeal",
]
