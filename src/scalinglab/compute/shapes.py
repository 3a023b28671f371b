"""Model shapes by name or from a Hugging Face ``config.json``, and their published parameter counts.

``resolve_config("llama3-70b")`` returns a known shape (``models.yaml``, each with its source);
``resolve_config("path/to/config.json")`` reads a local Hugging Face configuration (nothing is
downloaded). Recognised: GPT-2 (``n_embd``, ``n_layer``, ...), the Llama family and its relatives
(``hidden_size``, ``num_hidden_layers``, ``num_attention_heads``, ``num_key_value_heads``,
``intermediate_size``; Llama, Mistral, Qwen2, ...), Mixtral (``num_local_experts``,
``num_experts_per_tok``) and DeepSeek-V2/V3 (``n_routed_experts``, ``n_shared_experts``,
``moe_intermediate_size``, ``first_k_dense_replace``, ``q_lora_rank``, ``kv_lora_rank``, ...).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, UnknownNameError
from ..options import spelled
from ..provenance import Source
from .flops import KNOWN_CONFIGS, TransformerConfig, model_table

__all__ = ["resolve_config", "load_hf_config", "config_from_hf", "published_counts", "PublishedCounts"]

_GPT2_TYPES = {"gpt2", "gpt_neo", "gptj"}
_GATED_ACTIVATIONS = {"silu", "swiglu", "swish", "gelu_pytorch_tanh_gated", "geglu"}


def _source(spec, sources: dict, locator: str = "") -> Source:
    if isinstance(spec, str):
        base = Source.from_dict(sources[spec])
        return Source(base.citation, locator or base.locator, base.identifier, base.notes)
    return Source.from_dict(spec | ({"locator": locator} if locator else {}))


@dataclass(frozen=True)
class PublishedCounts:
    """Parameter counts a model card or paper states, with the source of the counts and of the shape."""

    name: str
    total: float
    active: float | None
    source: Source
    shape_source: Source

    def to_dict(self) -> dict:
        return {"name": self.name, "total": self.total, "active": self.active, "source": self.source.to_dict(),
                "shape_source": self.shape_source.to_dict()}


def published_counts(name: str) -> PublishedCounts:
    """The published total (and active) parameter counts of a model in ``models.yaml``."""
    table = model_table()
    if name not in table["models"]:
        raise UnknownNameError("published model", name, list(table["models"]))
    entry, sources = table["models"][name], table["sources"]
    pub = entry["published"]
    return PublishedCounts(name, float(pub["total"]), None if pub.get("active") is None else float(pub["active"]),
                           _source(pub["source"], sources, pub.get("locator", "")),
                           _source(entry["shape_source"], sources, entry.get("shape_locator", "")))


def resolve_config(spec: str | TransformerConfig | None, *, n_ctx: int | None = None) -> TransformerConfig:
    """A known shape's name, a path to a ``config.json``, or a ``TransformerConfig``; ``n_ctx`` overrides the
    context (the sequence length FLOP and memory are counted at)."""
    if spec is None:
        raise InputError(f"give {spelled('config')}: a known model shape (e.g. llama3-70b) or a config.json path")
    if isinstance(spec, TransformerConfig):
        config = spec
    elif str(spec).lower() in KNOWN_CONFIGS:
        config = KNOWN_CONFIGS[str(spec).lower()]
    elif len(str(spec)) > _MAX_SPEC_CHARS:
        raise InputError(f"{spelled('config')} is {len(str(spec)):,} characters long; give a known model name or a "
                         "config.json path")
    elif str(spec).endswith(".json") or Path(str(spec)).is_file():
        config = load_hf_config(spec)
    else:
        raise UnknownNameError("model config (a known name or a config.json path)", str(spec), list(KNOWN_CONFIGS))
    if n_ctx is not None:
        from dataclasses import replace

        config = replace(config, n_ctx=int(n_ctx))
    return config


_MAX_SPEC_CHARS = 4096  #: longer than any path or name: a --config string this long is neither
_MAX_CONFIG_BYTES = 10**7  #: a config.json is a few kB; anything past this is not one


def load_hf_config(path: str | Path) -> TransformerConfig:
    """Read a local Hugging Face ``config.json`` into a ``TransformerConfig``; a missing or malformed field
    is one error naming the file and the field."""
    import stat

    path = Path(path)
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise InputError(f"config file {str(path)!r} is not a regular file")
        with path.open("rb") as handle:
            raw = handle.read(_MAX_CONFIG_BYTES + 1)
        if len(raw) > _MAX_CONFIG_BYTES:
            raise InputError(f"config file {str(path)!r} is larger than {_MAX_CONFIG_BYTES // 10**6} MB; "
                             "a config.json is a few kB")
        data = json.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise InputError(f"config file {str(path)!r} not found") from None
    except RecursionError:
        raise InputError(f"config file {str(path)!r} is nested too deeply to be a model configuration") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"config file {str(path)!r} is not readable JSON: {error}") from None
    return config_from_hf(data, f"config file {str(path)!r}")


def config_from_hf(data, origin: str = "model config") -> TransformerConfig:
    """A ``TransformerConfig`` from the contents of a Hugging Face ``config.json`` (a dict); errors start
    with ``origin`` (the file, or the field of a request that carried the contents)."""
    if not isinstance(data, dict):
        raise InputError(f"{origin}: expected a JSON object, got {type(data).__name__}")
    if isinstance(data.get("text_config"), dict):  # multimodal wrappers keep the language model here
        data = data["text_config"]
    kind = str(data.get("model_type", "")).lower()

    def need(*names: str):
        for name in names:
            if data.get(name) is not None:
                return data[name]
        raise InputError(f"{origin} (model_type {kind or 'unknown'!r}) is missing field "
                         f"{names[0]!r}" + (f" (or {', '.join(map(repr, names[1:]))})" if len(names) > 1 else ""))

    def get(name: str, default=None):
        value = data.get(name)
        return default if value is None else value

    def integer(name: str, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(f"{origin}: field {name!r} must be an integer, got {value!r}")
        return value

    if kind in _GPT2_TYPES or ("n_embd" in data and "hidden_size" not in data):
        d = integer("n_embd", need("n_embd", "hidden_size"))
        fields = dict(n_layers=integer("n_layer", need("n_layer", "num_hidden_layers")), d_model=d,
                      n_heads=integer("n_head", need("n_head", "num_attention_heads")),
                      vocab_size=integer("vocab_size", need("vocab_size")),
                      n_ctx=integer("n_positions", need("n_positions", "n_ctx", "max_position_embeddings")),
                      d_ff=get("n_inner") or 4 * d, positions="learned",
                      tied_embeddings=bool(get("tie_word_embeddings", True)))
        return _build(origin, fields)

    activation = str(get("hidden_act", get("activation_function", "silu"))).lower()
    fields = dict(
        n_layers=integer("num_hidden_layers", need("num_hidden_layers")),
        d_model=integer("hidden_size", need("hidden_size")),
        n_heads=integer("num_attention_heads", need("num_attention_heads")),
        vocab_size=integer("vocab_size", need("vocab_size")),
        n_ctx=integer("max_position_embeddings", need("max_position_embeddings")),
        d_ff=integer("intermediate_size", need("intermediate_size")),
        n_kv_heads=get("num_key_value_heads"),
        head_dim=get("head_dim"),
        positions="rotary",
        tied_embeddings=bool(get("tie_word_embeddings", False)),
        gated_ffn=activation in _GATED_ACTIVATIONS,
        norm="rmsnorm" if "rms_norm_eps" in data or kind.startswith(("llama", "mistral", "mixtral", "qwen", "deepseek"))
        else "layernorm",
        bias=bool(get("attention_bias", False) or get("mlp_bias", False)),
    )
    experts = get("num_local_experts", get("n_routed_experts", get("num_experts")))
    if experts:
        fields.update(n_experts=integer("num_local_experts", experts),
                      top_k=integer("num_experts_per_tok", need("num_experts_per_tok")),
                      n_shared_experts=int(get("n_shared_experts", 0)),
                      moe_d_ff=get("moe_intermediate_size"),
                      n_dense_layers=int(get("first_k_dense_replace", 0)))
    if get("kv_lora_rank") is not None:
        fields.update(kv_lora_rank=get("kv_lora_rank"), q_lora_rank=get("q_lora_rank"),
                      qk_nope_head_dim=need("qk_nope_head_dim"), qk_rope_head_dim=need("qk_rope_head_dim"),
                      v_head_dim=need("v_head_dim"), head_dim=None, n_kv_heads=None)
    return _build(origin, fields)


def _build(origin: str, fields: dict) -> TransformerConfig:
    try:
        return TransformerConfig(**fields)
    except InputError as error:
        raise InputError(f"{origin}: {error}") from None
