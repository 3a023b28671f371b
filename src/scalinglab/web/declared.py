"""Pydantic request bodies built from an :class:`~scalinglab.options.Options` declaration.

Field names are the declared Python names; JSON types follow the declared kind (a number or the CLI's
text for quantities, a list where the option repeats). Domains, ``requires`` and ``excludes`` are checked
once, by the declaration, when the face function runs: the message then names the field.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional

from pydantic import AliasChoices, BaseModel, Field, create_model

from ..options import Option, Options, speaking

__all__ = ["request_model"]

Text = Annotated[str, Field(min_length=1, max_length=500)]
#: A number, or text the CLI accepts for it: "70B", "5.76e23", "40%", "$2M", "0.3 to 0.5".
Quantity = float | Annotated[str, Field(min_length=1, max_length=80)]
_LEAF = {"text": Text, "int": int, "float": float, "bool": bool, "quantity": Quantity, "uncertain": Quantity}


def _field_type(option: Option, override: Any = None):
    leaf = override or (Literal[option.choices] if option.kind == "choice" else _LEAF[option.kind])
    kind = leaf | Annotated[list[leaf], Field(max_length=200)] if option.many else leaf
    return Optional[kind] if option.default is None else kind


def request_model(name: str, options: Options, *, base: type[BaseModel], types: dict[str, Any] | None = None,
                  aliases: dict[str, str] | None = None) -> type[BaseModel]:
    """A request body with one field per declared option; ``types`` gives a field a richer JSON type (an
    enum of registry names), ``aliases`` an older field name that is still accepted."""
    types, aliases = types or {}, aliases or {}
    fields = {}
    for option in options.items:
        extra = {"validation_alias": AliasChoices(option.name, aliases[option.name])} if option.name in aliases else {}
        with speaking("web"):
            description = option.describe()
        fields[option.name] = (_field_type(option, types.get(option.name)),
                               Field(option.default, description=description, **extra))
    return create_model(name, __base__=base, __doc__=f"Options of ``{name}``, from their one declaration.", **fields)
