"""Reading documents: clear errors for what a person gets wrong in a file."""

from __future__ import annotations

import re

import pytest

from shopper.files import DocumentError, parse_document, read_document


def test_yaml_and_json_read_the_same(tmp_path):
    (tmp_path / "a.yaml").write_text("id: x\nlist: [1, 2]\n")
    (tmp_path / "a.json").write_text('{"id": "x", "list": [1, 2]}')
    assert read_document(tmp_path / "a.yaml") == read_document(tmp_path / "a.json")


@pytest.mark.parametrize(("text", "message"), [
    ("a: 1\na: 2\n", "doc: not valid YAML: duplicate key 'a' (line 2, column 1)"),
    ("sections:\n  - id: x\n    id: y\n", "duplicate key 'id' (line 3, column 5)"),
    ("a: [1,\n", "doc: not valid YAML"),
    ("!!python/object:os.system x", "doc: not valid YAML"),
])
def test_bad_yaml_is_named(text, message):
    with pytest.raises(DocumentError, match=re.escape(message)):
        parse_document(text, "doc")


def test_bad_json_gives_line_and_column():
    with pytest.raises(DocumentError, match=r"doc: not valid JSON: .* \(line 2, column"):
        parse_document(b'{"a": 1,\n  oops}', "doc", json_only=True)


def test_unreadable_files_are_named(tmp_path):
    with pytest.raises(DocumentError, match="no such file"):
        read_document(tmp_path / "missing.yaml")
    (tmp_path / "latin1.yaml").write_bytes("title: caf\xe9".encode("latin-1"))
    with pytest.raises(DocumentError, match="not UTF-8 text"):
        read_document(tmp_path / "latin1.yaml")
