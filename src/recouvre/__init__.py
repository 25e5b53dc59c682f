"""Recouvre: recovery of overpaid benefits and unpaid contributions.

Layers (see docs/architecture.md): ``domain`` (pure rules, no I/O, no clock),
``policy`` (dated parameters), ``service`` (the single door), ``storage`` and
``adapters`` (database, files), ``cli`` and ``scenario`` (entry points).
"""

__version__ = "0.1.0"
