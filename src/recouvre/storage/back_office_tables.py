"""Tables of the back office: users and their tokens, mandates, who established a claim, files
placed with agencies, maker-checker proposals, and the audit trail. Migration 0004.

``audit_log`` is append-only (triggers refuse UPDATE and DELETE, like ``movements``) and chained:
each row stores the SHA-256 of its content and the previous row's hash (``recouvre.service.trail``).
``prev_hash`` is unique, so two writers can never fork the chain: the second one fails and
retries on the new head.

Secrets are never stored: a password is kept as its argon2 hash, an API token as the SHA-256 of
a random 256-bit value (``recouvre.security``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from recouvre.storage.tables import Base, Id


class UserRow(Base):
    """A person who signs in: roles, organism scope (``None``: all organisms), agency if external."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    organism: Mapped[str | None] = mapped_column(String(32))
    agency: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UserChangeRow(Base):
    """A proposed user creation or change of roles, awaiting approval by another person
    (financial roles, ``roles.yaml``); migration 0007_user_administration."""

    __tablename__ = "user_changes"
    __table_args__ = (Index("ix_user_changes_user", "user_id", "status"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))
    """``create`` or ``roles``."""
    roles: Mapped[list[str]] = mapped_column(JSON)
    previous_roles: Mapped[list[str] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    """``pending``, ``approved`` or ``rejected``."""
    proposed_by: Mapped[str] = mapped_column(String(64))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    why: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_why: Mapped[str | None] = mapped_column(Text)


class UserActivationRow(Base):
    """A one-time link with which a user sets his own password: the SHA-256 of its token."""

    __tablename__ = "user_activations"
    __table_args__ = (Index("ix_user_activations_user", "user_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiTokenRow(Base):
    """A bearer token, stored as the SHA-256 of its value, with its expiry."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_user", "user_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MandateRow(Base):
    """A power the director delegates to a user from one date to another (both included)."""

    __tablename__ = "mandates"
    __table_args__ = (Index("ix_mandates_user", "user_id", "power"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    power: Mapped[str] = mapped_column(String(32))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    granted_by: Mapped[str] = mapped_column(String(64))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    why: Mapped[str] = mapped_column(Text, default="")
    revoked_on: Mapped[date | None] = mapped_column(Date)
    revoked_by: Mapped[str | None] = mapped_column(String(64))


class ClaimAuthorRow(Base):
    """Who established a claim through the API (separation ordonnateur / comptable)."""

    __tablename__ = "claim_authors"
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), primary_key=True)
    established_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PlacementRow(Base):
    """A claim placed with a collection agency or bailiff from one date until its recall."""

    __tablename__ = "placements"
    __table_args__ = (
        Index("ix_placements_agency", "agency", "claim_id"),
        Index("ix_placements_claim", "claim_id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    agency: Mapped[str] = mapped_column(String(64))
    placed_from: Mapped[date] = mapped_column(Date)
    placed_until: Mapped[date | None] = mapped_column(Date)
    placed_by: Mapped[str] = mapped_column(String(64))
    recalled_by: Mapped[str | None] = mapped_column(String(64))
    why: Mapped[str] = mapped_column(Text, default="")
    recall_reason: Mapped[str | None] = mapped_column(String(32))
    """Why it ended (migration 0011_agencies): ``manual``, or the automatic recall's reason."""


class ProposalRow(Base):
    """A decision proposed by one person and taken by another (write-off, remission)."""

    __tablename__ = "proposals"
    __table_args__ = (
        Index("ix_proposals_queue", "organism_id", "status", "kind"),
        Index("ix_proposals_claim", "claim_id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    kind: Mapped[str] = mapped_column(String(16))
    proposed_on: Mapped[date] = mapped_column(Date)
    proposed_by: Mapped[str] = mapped_column(String(64))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    why: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_why: Mapped[str] = mapped_column(Text, default="")


class AuditRow(Base):
    """One act: who, when, what, on what, why, the state before and after; chained by hashes."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_actor", "actor", "recorded_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    organism: Mapped[str | None] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200), default="")
    occurred_on: Mapped[date | None] = mapped_column(Date)
    why: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict[str, object] | None] = mapped_column(JSON)
    after: Mapped[dict[str, object] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
