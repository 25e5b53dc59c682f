"""The tamper-evident audit trail (``audit_log``): who did what, when, why, before and after."""

from recouvre.audit.trail import AuditView, Broken, Entry, Verification, append, record, show, verify

__all__ = ["AuditView", "Broken", "Entry", "Verification", "append", "record", "show", "verify"]
