"""Atomic file writes: a file is either the old one or the complete new one, never half-written."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from .errors import InputError

__all__ = ["atomic_write_bytes", "atomic_write_text", "atomic_write_json", "atomic_write_csv", "spreadsheet_safe",
           "check_output_path", "check_output_dir"]


def _writable_folder(folder: Path, what: str) -> None:
    """The nearest existing ancestor of ``folder`` must be a folder we may write into."""
    probe = folder
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise InputError(f"{what}: {str(probe)!r} is a file, not a folder")
    if probe.exists() and not os.access(probe, os.W_OK | os.X_OK):
        raise InputError(f"{what}: folder {str(probe)!r} is not writable")
    if probe.is_dir():  # permissions can pass where writing cannot (root on /proc, a read-only mount)
        import tempfile

        try:
            fd, trial = tempfile.mkstemp(dir=probe, prefix=".scalinglab-write-test-")
        except OSError as error:
            raise InputError(f"{what}: cannot write in folder {str(probe)!r} ({error.strerror or error})") from None
        os.close(fd)
        os.unlink(trial)


def check_output_path(path: str | os.PathLike, *, flag: str, inputs: Iterable = (),
                      suffixes: Iterable[str] | None = None) -> Path:
    """Refuse, before any work, an output file that cannot be written or would destroy an input.

    ``flag`` is the user's option (``--save``); ``inputs`` are files the command reads (a path equal to
    one of them is refused); ``suffixes`` the file types the command can write. Returns the path.
    """
    path = Path(path)
    what = f"{flag} {str(path)!r}"
    if str(path).strip() == "" or path.name in ("", ".", ".."):
        raise InputError(f"{flag} needs a file name, got {str(path)!r}")
    if suffixes is not None and path.suffix.lower() not in tuple(suffixes):
        raise InputError(f"{what}: use one of {', '.join(suffixes)}")
    if path.is_dir():
        raise InputError(f"{what} is a folder; give a file name inside it")
    _writable_folder(path.parent, what)
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(f"{what} is not writable")
    for source in inputs:
        if source is None or not isinstance(source, (str, os.PathLike)):
            continue
        try:
            same = Path(source).exists() and path.exists() and os.path.samefile(path, source)
        except OSError:
            same = False
        if same:
            raise InputError(f"{what} is the input file; refusing to overwrite it (write somewhere else)")
    return path


def check_output_dir(path: str | os.PathLike, *, flag: str) -> Path:
    """Refuse, before any work, an output folder that is a file or cannot be created or written."""
    path = Path(path)
    what = f"{flag} {str(path)!r}"
    if path.exists() and not path.is_dir():
        raise InputError(f"{what} is a file; give a folder")
    _writable_folder(path, what)
    return path


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write to a temporary file in the same folder, fsync, then rename over ``path``.

    A file that cannot be written is an :class:`InputError` naming it, and no temporary file stays.
    """
    path = Path(path)
    try:
        return _atomic_write(path, data)
    except OSError as error:
        raise InputError(f"cannot write {str(path)!r}: {error.strerror or error}") from None


def _atomic_write(path: Path, data: bytes) -> Path:
    if path.is_dir():
        raise IsADirectoryError(21, "it is a folder", str(path))
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, data) -> Path:
    return atomic_write_text(path, json.dumps(data, indent=2, default=_json_default) + "\n")


#: What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection"): these first characters.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def spreadsheet_safe(value):
    """A text cell that a spreadsheet would run as a formula (``=HYPERLINK(...)``, ``@SUM(...)``, ``-2+3``)
    with a single quote in front, which spreadsheets show as text; numbers, and text that is a plain
    number such as ``-1.5``, are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def atomic_write_csv(path: str | os.PathLike, frame) -> Path:
    """``frame`` as CSV (no index), text cells and headers made :func:`spreadsheet_safe`, written atomically.

    Lines end in CRLF (RFC 4180): then a carriage return inside a cell is quoted like a newline, and cannot
    start a new row (with LF endings the csv module leaves a lone CR unquoted)."""
    safe = frame.rename(columns=lambda column: spreadsheet_safe(str(column)))
    for column in safe.columns:
        if not (safe[column].dtype.kind in "biufcmM"):
            safe[column] = safe[column].map(spreadsheet_safe)
    return atomic_write_text(path, safe.to_csv(index=False, lineterminator="\r\n"))


def _json_default(value):
    try:
        import numpy as np

        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return value.tolist()
    except ImportError:  # pragma: no cover
        pass
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def read_text_file(path: str | os.PathLike, *, what: str) -> str:
    """A user's text file as UTF-8; a folder, a missing file or other bytes are one-line errors."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{what} {str(path)!r} is a folder, not a file")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read {what} {str(path)!r}: {error.strerror or error}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(f"{what} {str(path)!r} is not UTF-8 text (byte 0x{data[error.start]:02x} on line {line}); "
                         "save it as UTF-8") from None


def load_bundled_yaml(text: str):
    """Parse one of the package's own YAML files: libyaml's parser with the safe constructor when PyYAML
    has it (the same objects as ``yaml.safe_load``, about 0.015 s less start-up for the law registry)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader


def read_bundled_yaml(path: Path):
    """One of the package's own YAML files, parsed (:func:`load_bundled_yaml`) and kept as JSON in the
    ``__pycache__`` folder beside it, as Python keeps bytecode: later runs read the JSON and import no YAML
    parser (about 0.01 s of start-up). The JSON holds the YAML text it was made from and is used only
    while that text is unchanged, so it cannot go stale; it is written only when JSON holds the objects
    exactly, and not at all under ``PYTHONDONTWRITEBYTECODE`` or where the package is read-only."""
    text = path.read_text(encoding="utf-8")
    kept = path.parent / "__pycache__" / f"{path.name}.json"
    try:
        cached = json.loads(kept.read_text(encoding="utf-8"))
        if cached["yaml"] == text:
            return cached["data"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    data = load_bundled_yaml(text)
    if not sys.dont_write_bytecode and _json_exact(data):
        try:
            _atomic_write(kept, json.dumps({"yaml": text, "data": data}).encode("utf-8"))
        except OSError:  # a read-only installation: parse the YAML every time
            pass
    return data


def _json_exact(value) -> bool:
    """True when ``json.loads(json.dumps(value))`` gives back an equal object of the same types."""
    if isinstance(value, dict):
        return all(type(key) is str and _json_exact(item) for key, item in value.items())
    if type(value) is list:
        return all(_json_exact(item) for item in value)
    return value is None or type(value) in (str, int, float, bool)


def load_yaml(text: str, *, origin: str):
    """Parse YAML safely for a user's file: a repeated key is an error (not the last one silently
    winning), and so is nesting too deep to be a real configuration."""
    import yaml

    class _StrictLoader(yaml.SafeLoader):
        pass

    def construct_mapping(loader, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in seen:
                raise InputError(f"{origin}: line {key_node.start_mark.line + 1}: key {key!r} appears twice "
                                 f"(first on line {seen[key]})")
            seen[key] = key_node.start_mark.line + 1
        return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)

    _StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    depth = _max_depth(text)
    if depth > _MAX_YAML_DEPTH:
        raise InputError(f"{origin}: nested {depth} levels deep; at most {_MAX_YAML_DEPTH} are allowed")
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise InputError(f"{origin}: {where}not valid YAML ({problem})") from None
    except RecursionError:
        raise InputError(f"{origin}: nested too deeply to be a configuration file") from None


_MAX_YAML_DEPTH = 64


def _max_depth(text: str) -> int:
    """Deepest nesting of flow brackets, or of indentation levels (a cheap bound before parsing)."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
    indents = {len(line) - len(line.lstrip(" ")) for line in text.splitlines() if line.strip()}
    return max(deepest, len(indents))
