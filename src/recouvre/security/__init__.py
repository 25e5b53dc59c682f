"""Who may do what: users and sign-in, roles and mandates as data, separation of duties.

``authorize(actor, action, on, subject)`` is the one question every API route (and later every
web page) asks before calling a service command; ``roles.yaml`` beside this file says which role
gives which action. Settings of sign-in (lock after failures, token lifetime) are in
``recouvre.security.settings``.
"""

from recouvre.security.authorization import Actor, Forbidden, MandateGrant, Subject, authorize, may
from recouvre.security.roles import RolePolicy, default_roles

__all__ = ["Actor", "Forbidden", "MandateGrant", "RolePolicy", "Subject", "authorize", "default_roles", "may"]
