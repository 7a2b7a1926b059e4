"""Reading YAML and JSON documents from files, with errors a person can act on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import yaml

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DocumentError(ValueError):
    """A file could not be read or parsed; the message names the file and the problem."""


class _StrictLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe YAML that refuses duplicate keys: a repeated key must not silently win."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict:
    loader.flatten_mapping(node)
    mapping: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


def parse_document(text: str | bytes, name: str = "document", *, json_only: bool = False) -> Any:
    """Parse YAML (or JSON, which YAML also reads) text; DocumentError when malformed."""
    try:
        if json_only:
            return orjson.loads(text)
        # _StrictLoader is a SafeLoader (CSafeLoader) that also refuses duplicate keys.
        return yaml.load(text, Loader=_StrictLoader)  # nosec B506
    except orjson.JSONDecodeError as error:
        raise DocumentError(
            f"{name}: not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise DocumentError(f"{name}: not valid YAML: {problem}{where}") from None


def read_document(path: str | Path) -> Any:
    """Read a `.json` file as JSON and anything else as YAML."""
    path = Path(path)
    json_only = path.suffix.lower() == ".json"
    try:
        data = path.read_bytes()
        text = data if json_only else data.decode("utf-8")
    except FileNotFoundError:
        raise DocumentError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DocumentError(f"{path}: is a directory, not a file") from None
    except PermissionError:
        raise DocumentError(f"{path}: permission denied") from None
    except UnicodeDecodeError:
        raise DocumentError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise DocumentError(f"{path}: cannot be read ({error.strerror})") from None
    return parse_document(text, str(path), json_only=json_only)
