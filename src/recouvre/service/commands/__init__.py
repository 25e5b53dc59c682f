"""The authorised commands of the back office, one module per procedure family.

Every interface (the API, the web pages, the command line, the scenario runner) calls these,
never the service functions beneath them: each command authorises its actor (``service.door``),
acts in one transaction with its audit row, and records what the rules refuse.
"""

from recouvre.service.commands import over_indebtedness
from recouvre.service.commands.appeals import (
    APPEAL_DECISIONS,
    ORGANISM_APPEAL,
    decide_appeal,
    file_appeal,
    sweep_implicit_rejections,
    withdraw_appeal,
)
from recouvre.service.commands.batches import add_organism, import_claims, import_debtors, run_batch
from recouvre.service.commands.cycle import run_cycle
from recouvre.service.commands.decisions import (
    REMISSION_DECISIONS,
    decide_proposal,
    decide_remission,
    pending_write_off,
    propose_remission,
    propose_write_off,
    record_debtor_fact,
    request_remission,
    revive_write_off,
)
from recouvre.service.commands.delegation import place_claim, recall_placement
from recouvre.service.commands.letters import mark_letter
from recouvre.service.commands.queues import TaskChange, assign_task, close_task
from recouvre.service.commands.recovery import (
    agree_plan,
    establish_claim,
    promise_to_pay,
    record_acknowledgment,
    record_contact,
    record_contribution_due,
    record_payment,
    record_registered_letter,
    resume_recovery,
    suspend_recovery,
)
from recouvre.service.commands.reviews import decide_review
from recouvre.service.commands.users import (
    activate_user,
    add_user,
    change_roles,
    decide_user,
    disable_user,
    grant_mandate,
    reissue_activation,
    revoke_mandate,
)
from recouvre.service.door import REFUSALS, guard, guard_any, guard_claim, guard_debtor, today

__all__ = [
    "APPEAL_DECISIONS",
    "ORGANISM_APPEAL",
    "REFUSALS",
    "REMISSION_DECISIONS",
    "TaskChange",
    "activate_user",
    "add_organism",
    "add_user",
    "agree_plan",
    "assign_task",
    "change_roles",
    "close_task",
    "decide_appeal",
    "decide_proposal",
    "decide_remission",
    "decide_review",
    "decide_user",
    "disable_user",
    "establish_claim",
    "file_appeal",
    "grant_mandate",
    "guard",
    "guard_any",
    "guard_claim",
    "guard_debtor",
    "import_claims",
    "import_debtors",
    "mark_letter",
    "over_indebtedness",
    "pending_write_off",
    "place_claim",
    "promise_to_pay",
    "propose_remission",
    "propose_write_off",
    "recall_placement",
    "record_acknowledgment",
    "record_contact",
    "record_contribution_due",
    "record_debtor_fact",
    "record_payment",
    "record_registered_letter",
    "reissue_activation",
    "request_remission",
    "resume_recovery",
    "revive_write_off",
    "revoke_mandate",
    "run_batch",
    "run_cycle",
    "suspend_recovery",
    "sweep_implicit_rejections",
    "today",
    "withdraw_appeal",
]
