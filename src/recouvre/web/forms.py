"""Reading the pages' forms (``application/x-www-form-urlencoded``, what browsers and HTMX send):
a bounded body, the CSRF check, and typed fields whose errors name the field in French."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qs

from starlette.requests import Request

from recouvre.domain.days import RANGE_REASON, supported
from recouvre.domain.money import AmountError, Cents, parse_amount

MAX_BODY = 64 * 1024
MAX_FIELD = 2000


class FormError(ValueError):
    """A field the user filled wrongly: ``label`` names it as the page does."""

    def __init__(self, label: str, reason: str) -> None:
        self.label = label
        self.reason = reason
        super().__init__(f"{label} : {reason}")


class BodyTooLarge(ValueError):
    pass


@dataclass(frozen=True)
class Form:
    fields: dict[str, str]

    def text(self, name: str, label: str, *, required: bool = False, max_length: int = MAX_FIELD) -> str:
        value = self.fields.get(name, "").strip()
        if required and not value:
            raise FormError(label, "à renseigner")
        if len(value) > max_length:
            raise FormError(label, f"{max_length} caractères au plus")
        return value

    def choice(self, name: str, label: str, allowed: tuple[str, ...] | list[str], default: str = "") -> str:
        value = self.fields.get(name, default).strip() or default
        if value not in allowed:
            raise FormError(label, "choix inconnu")
        return value

    def day(self, name: str, label: str, default: date | None = None) -> date:
        value = self.fields.get(name, "").strip()
        if not value:
            if default is not None:
                return default
            raise FormError(label, "date à renseigner")
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise FormError(label, "date attendue au format AAAA-MM-JJ") from None
        if not supported(day):
            raise FormError(label, RANGE_REASON)
        return day

    def amount(self, name: str, label: str) -> Cents:
        value = self.fields.get(name, "").strip()
        if not value:
            raise FormError(label, "montant à renseigner")
        try:
            cents = parse_amount(value, field=name)
        except AmountError as error:
            reason = "montant trop grand" if str(error).endswith("hors limites") else "montant attendu"
            raise FormError(label, f"{reason}, par exemple 120,50 ou 1 204,50") from None
        if cents <= 0:
            raise FormError(label, "le montant doit être positif")
        return cents


async def read_form(request: Request) -> Form:
    """The first value of each field of a urlencoded body of at most ``MAX_BODY`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        raise BodyTooLarge(declared)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise BodyTooLarge(str(len(body)))
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if body and content_type != "application/x-www-form-urlencoded":
        return Form({})
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True, max_num_fields=200)
    return Form({name: values[0] for name, values in parsed.items() if values})
