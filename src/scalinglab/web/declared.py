"""Pydantic request bodies built from an :class:`~scalinglab.options.Options` declaration.

Field names are the declared Python names; JSON types follow the declared kind (a number or the CLI's
text for quantities, a list where the option repeats; on a form, comma-separated text). Domains,
``requires`` and ``excludes`` are checked once, by the declaration, when the face function runs: the
message then names the field.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional

from pydantic import AliasChoices, BaseModel, BeforeValidator, Field, create_model

from ..options import Option, Options, speaking

__all__ = ["request_model", "form_model", "accepted_names"]

Text = Annotated[str, Field(min_length=1, max_length=500)]
#: A number, or text the CLI accepts for it: "70B", "5.76e23", "40%", "$2M", "0.3 to 0.5".
Quantity = float | Annotated[str, Field(min_length=1, max_length=80)]
_LEAF = {"text": Text, "int": int, "float": float, "bool": bool, "quantity": Quantity, "uncertain": Quantity}


def _comma_separated(value) -> list[str]:
    """A repeatable option on a form: "1e22, 1e23" (or the field given twice) -> ["1e22", "1e23"]."""
    items = value if isinstance(value, list) else [value]
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


#: A repeatable option on a form (one text field): comma-separated values.
CommaSeparated = Annotated[list[Text], BeforeValidator(_comma_separated), Field(max_length=200)]


def _field_type(option: Option, override: Any = None, *, form: bool = False):
    if option.many and form:
        return override or CommaSeparated
    leaf = override or (Literal[option.choices] if option.kind == "choice" else _LEAF[option.kind])
    return leaf | Annotated[list[leaf], Field(max_length=200)] if option.many else leaf


def request_model(name: str, options: Options, *, base: type[BaseModel], types: dict[str, Any] | None = None,
                  aliases: dict[str, str] | None = None, required: tuple[str, ...] = (),
                  form: bool = False) -> type[BaseModel]:
    """A request body with one field per declared option; ``types`` gives a field a richer JSON type (an
    enum of registry names), ``aliases`` an older field name that is still accepted, ``required`` the
    fields this request must name although the function has a default (or another way) for them; on a
    ``form`` a repeatable option is one field of comma-separated values."""
    types, aliases = types or {}, aliases or {}
    fields = {}
    for option in options.items:
        extra = {"validation_alias": AliasChoices(option.name, aliases[option.name])} if option.name in aliases else {}
        with speaking("web"):
            description = option.describe()
        kind = _field_type(option, types.get(option.name), form=form)
        if option.name in required:
            fields[option.name] = (kind, Field(description=description, **extra))
            continue
        fields[option.name] = (Optional[kind] if option.default is None else kind,
                               Field(option.default, description=description, **extra))
    return create_model(name, __base__=base, __doc__=f"Options of ``{name}``, from their one declaration.", **fields)


def form_model(name: str, options: Options, **keywords) -> type[BaseModel]:
    """As :func:`request_model`, for form fields sent beside an uploaded file."""
    return request_model(name, options, form=True, **keywords)


def accepted_names(model: type[BaseModel]) -> set[str]:
    """Every field name a request may use: the fields' own and their older aliases."""
    names = set(model.model_fields)
    for field in model.model_fields.values():
        if isinstance(field.validation_alias, AliasChoices):
            names.update(c for c in field.validation_alias.choices if isinstance(c, str))
    return names
