"""Identifier validation (RULES.md R-ID) delegated to python-stdnum.

Each function returns the compact form or raises ``DomainError`` naming the
field and the reason. The value itself is never echoed for NIR and IBAN, which
are personal data (only its length is).
"""

from __future__ import annotations

from collections.abc import Callable

from stdnum import iban as std_iban
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError
from stdnum.fr import nir as std_nir
from stdnum.fr import siren as std_siren
from stdnum.fr import siret as std_siret
from stdnum.ma import ice as std_ice

from recouvre.domain.model import DomainError

PERSONAL = frozenset({"nir", "iban"})


def mask(field: str, value: str) -> str:
    """What may be shown of an identifier in a message, list or log."""
    if field in PERSONAL:
        compact = value.replace(" ", "")
        return f"{compact[:2]}…{compact[-2:]}" if len(compact) > 6 else "…"
    return value


def _why(error: ValidationError) -> str:
    """python-stdnum's English message, as a user reads it in French."""
    if isinstance(error, InvalidChecksum):
        return "la clé de contrôle ne correspond pas"
    if isinstance(error, InvalidLength):
        return "longueur incorrecte"
    if isinstance(error, InvalidFormat):
        return "format incorrect"
    if isinstance(error, InvalidComponent):
        return "une partie du numéro est incorrecte"
    return "numéro incorrect"


def _validate(field: str, value: str, validate: Callable[[str], str]) -> str:
    try:
        return str(validate(value))
    except ValidationError as error:
        raise DomainError(field, mask(field, value), f"{field.upper()} invalide : {_why(error)}") from None


def nir(value: str) -> str:
    return _validate("nir", value, std_nir.validate)


def siren(value: str) -> str:
    return _validate("siren", value, std_siren.validate)


def siret(value: str) -> str:
    return _validate("siret", value, std_siret.validate)


def iban(value: str) -> str:
    return _validate("iban", value, std_iban.validate)


def ice(value: str) -> str:
    return _validate("ice", value, std_ice.validate)


VALIDATORS: dict[str, Callable[[str], str]] = {
    "nir": nir,
    "siren": siren,
    "siret": siret,
    "iban": iban,
    "ice": ice,
}
