"""The service layer: the single door used by the CLI, the API, imports and scenarios.

Each module holds the commands of one procedure family; every command runs in
one unit of work, so it is written whole or not at all.
"""

from recouvre.domain.errors import BatchRejected, NotFound, Problem, Refused
from recouvre.service.context import Services

__all__ = ["BatchRejected", "NotFound", "Problem", "Refused", "Services"]
