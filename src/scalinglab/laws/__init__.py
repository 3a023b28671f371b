"""Scaling-law families (pure, vectorised) and the registry of published laws."""

from .allocation import AllocationRule
from .base import Law, NDLaw, ParamSpec
from .chinchilla import ChinchillaLaw
from .data_constrained import DataConstrainedLaw, effective_data, effective_params
from .kaplan import PF_DAY, KaplanComputeLaw, KaplanLaw
from .power import BrokenPowerLaw, PowerLaw, SaturatingPowerLaw
from .registry import DEFAULT_LAW, FAMILIES, PublishedLaw, get_law, law_from_dict, list_laws, resolve_law
from .sigmoid import SigmoidAccuracy

__all__ = [
    "AllocationRule", "DEFAULT_LAW", "BrokenPowerLaw", "ChinchillaLaw", "DataConstrainedLaw", "FAMILIES", "KaplanComputeLaw",
    "KaplanLaw", "Law", "NDLaw", "PF_DAY", "ParamSpec", "PowerLaw", "PublishedLaw", "SaturatingPowerLaw",
    "SigmoidAccuracy", "effective_data", "effective_params", "get_law", "law_from_dict", "list_laws", "resolve_law",
]
