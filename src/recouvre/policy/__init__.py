"""Policy: dated legal and local parameters, national defaults and organism overrides.

Usage::

    from recouvre.policy import national, for_organism

    policy = for_organism("FR", "CAF-44", Path("policies"))
    scale = policy.withholding_scale(on)           # WithholdingScale
    threshold = policy.get("remission.threshold", on)  # Cents
    policy.version("remission.threshold", on)      # value, date, reference, origin

The parameter files live in ``recouvre/policy/parameters/<common|FR|MA>/<key>.yaml``
(see ``core`` for their shape). No legal number is written in Python code.
"""

from recouvre.policy.core import (
    ALWAYS,
    NATIONAL,
    OrganismOverride,
    ParameterDefinition,
    ParameterVersion,
    Policy,
    PolicyError,
    for_organism,
    national,
    organism_file,
    read_override,
    show_rows,
)
from recouvre.policy.values import (
    BandExplanation,
    DefaultStep,
    RemissionScale,
    ScaleKind,
    Unit,
    WithholdingBand,
    WithholdingScale,
    format_value,
)

__all__ = [
    "ALWAYS",
    "NATIONAL",
    "BandExplanation",
    "DefaultStep",
    "OrganismOverride",
    "ParameterDefinition",
    "ParameterVersion",
    "Policy",
    "PolicyError",
    "RemissionScale",
    "ScaleKind",
    "Unit",
    "WithholdingBand",
    "WithholdingScale",
    "for_organism",
    "format_value",
    "national",
    "organism_file",
    "read_override",
    "show_rows",
]
