"""Scaling-law families (pure, vectorised) and the registry of published laws.

The names below are imported from their modules on first use, so that a command that only declares its
options (``scalinglab.laws.options``) imports no numpy.
"""

from .._lazy import lazy_package

#: Public name -> the module of this package that defines it.
_HOME = {
    "AllocationRule": "allocation",
    **dict.fromkeys(("Law", "NDLaw", "ParamSpec"), "base"),
    "ChinchillaLaw": "chinchilla",
    **dict.fromkeys(("DataConstrainedLaw", "effective_data", "effective_params"), "data_constrained"),
    **dict.fromkeys(("PF_DAY", "KaplanComputeLaw", "KaplanLaw"), "kaplan"),
    **dict.fromkeys(("BrokenPowerLaw", "PowerLaw", "SaturatingPowerLaw"), "power"),
    **dict.fromkeys(("DEFAULT_LAW", "FAMILIES", "PublishedLaw", "get_law", "law_from_dict", "list_laws",
                     "resolve_law"), "registry"),
    "SigmoidAccuracy": "sigmoid",
}

__all__ = [
    "AllocationRule", "DEFAULT_LAW", "BrokenPowerLaw", "ChinchillaLaw", "DataConstrainedLaw", "FAMILIES", "KaplanComputeLaw",
    "KaplanLaw", "Law", "NDLaw", "PF_DAY", "ParamSpec", "PowerLaw", "PublishedLaw", "SaturatingPowerLaw",
    "SigmoidAccuracy", "effective_data", "effective_params", "get_law", "law_from_dict", "list_laws", "resolve_law",
]

lazy_package(__name__, _HOME)
