"""`shopper score`, run as the real console script (spec/scoring.md section 6)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import SPEC_EXAMPLES, questionnaire_doc, yes_no

SHOPPER = str(Path(sys.executable).parent / "shopper")
FLASK = str(Path(sys.executable).parent / "flask")


def run(*args: str | Path, command: str = SHOPPER, **env: str) -> subprocess.CompletedProcess:
    # Production settings and no SECRET_KEY: scoring a file needs neither app nor secrets.
    environ = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    return subprocess.run([command, *map(str, args)], capture_output=True, text=True,
                          timeout=60, env=environ | {"SHOPPER_ENV": "production"} | env)


def run_score(questionnaire, visits, *extra):
    return run("score", "--questionnaire", questionnaire, "--visits", visits, *extra)


def assert_close(actual, expected, path="$"):
    """Numbers to 1e-6 (ci95 to 1e-3); key order and error-message order ignored."""
    if isinstance(expected, dict):
        assert set(actual) == set(expected), path
        for key in expected:
            assert_close(actual[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list) and path.endswith(".messages"):
        assert sorted(actual) == sorted(expected), path
    elif isinstance(expected, list):
        assert len(actual) == len(expected), path
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_close(a, e, f"{path}[{i}]")
    elif isinstance(expected, float) and not isinstance(expected, bool):
        tolerance = 1e-3 if ".ci95" in path else 1e-6
        assert actual == pytest.approx(expected, abs=tolerance), path
    else:
        assert actual == expected, path


def test_worked_example_is_reproduced_exactly():
    result = run_score(SPEC_EXAMPLES / "retail.yaml", SPEC_EXAMPLES / "retail-visits.json")
    assert result.returncode == 1, result.stderr  # v5 is invalid
    assert result.stderr == ""
    expected = json.loads((SPEC_EXAMPLES / "retail-expected.json").read_text())
    assert_close(json.loads(result.stdout), expected)


def test_pretty_output_is_the_same_document():
    plain = run_score(SPEC_EXAMPLES / "retail.yaml", SPEC_EXAMPLES / "retail-visits.json")
    pretty = run_score(SPEC_EXAMPLES / "retail.yaml", SPEC_EXAMPLES / "retail-visits.json",
                       "--pretty")
    assert pretty.stdout.count("\n") > 100
    assert json.loads(pretty.stdout) == json.loads(plain.stdout)


def test_all_valid_visits_exit_0_and_keep_input_order(tmp_path):
    visits = json.loads((SPEC_EXAMPLES / "retail-visits.json").read_text())[:4]
    visits.reverse()
    path = tmp_path / "visits.json"
    path.write_text(json.dumps(visits))
    result = run_score(SPEC_EXAMPLES / "retail.yaml", path)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert [v["id"] for v in document["visits"]] == ["v4", "v3", "v2", "v1"]
    assert [loc["location"] for loc in document["locations"]] == ["store-01", "web-shop"]
    assert document["errors"] == []


def test_questionnaire_as_json_works_too(tmp_path):
    questionnaire = tmp_path / "q.json"
    questionnaire.write_text(json.dumps(questionnaire_doc(yes_no("q1"))))
    visits = tmp_path / "v.json"
    visits.write_text(json.dumps([{"id": "a", "location": "x", "answers": {"q1": "yes"}}]))
    result = run_score(questionnaire, visits)
    assert result.returncode == 0
    assert json.loads(result.stdout)["overall"]["cx"] == 100.0


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content)
    return path


def visits_file(tmp_path):
    return write(tmp_path, "visits.json", "[]")


FAILURES = [
    ("invalid questionnaire",
     lambda t: (write(t, "q.yaml", "id: Bad Id\ntitle: x\nsections: []\n"), visits_file(t)),
     ["q.yaml: invalid questionnaire: id: must be a slug", "sections: must be a non-empty"]),
    ("questionnaire missing", lambda t: (t / "none.yaml", visits_file(t)),
     ["none.yaml: no such file"]),
    ("questionnaire not YAML", lambda t: (write(t, "q.yaml", "id: [unclosed\n"), visits_file(t)),
     ["q.yaml: not valid YAML"]),
    ("questionnaire with a repeated key",
     lambda t: (write(t, "q.yaml", "id: a\nid: b\n"), visits_file(t)),
     ["q.yaml: not valid YAML: duplicate key 'id' (line 2, column 1)"]),
    ("visits missing", lambda t: (SPEC_EXAMPLES / "retail.yaml", t / "none.json"),
     ["none.json: no such file"]),
    ("visits a directory", lambda t: (SPEC_EXAMPLES / "retail.yaml", t),
     ["is a directory"]),
    ("visits not JSON", lambda t: (SPEC_EXAMPLES / "retail.yaml",
                                   write(t, "v.json", '[{"id": "a",')),
     ["v.json: not valid JSON"]),
    ("visits not a list", lambda t: (SPEC_EXAMPLES / "retail.yaml",
                                     write(t, "v.json", '{"id": "a"}')),
     ["v.json: must be a JSON list of visits"]),
    ("visit without an id", lambda t: (SPEC_EXAMPLES / "retail.yaml",
                                       write(t, "v.json", '[{"location": "x", "answers": {}}]')),
     ['v.json: visit [0] needs an "id"']),
    ("visit with an unknown key", lambda t: (SPEC_EXAMPLES / "retail.yaml", write(
        t, "v.json", '[{"id": "a", "location": "x", "answers": {}, "date": 1}]')),
     ["v.json: visit [0] has unknown key(s) date"]),
]


@pytest.mark.parametrize(("make_files", "expected"), [f[1:] for f in FAILURES],
                         ids=[f[0] for f in FAILURES])
def test_bad_inputs_exit_2_with_one_line_and_nothing_on_stdout(tmp_path, make_files, expected):
    questionnaire, visits = make_files(tmp_path)
    result = run_score(questionnaire, visits)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in expected:
        assert fragment in result.stderr


def test_invalid_visits_are_errors_and_left_out_of_aggregates(tmp_path):
    visits = write(tmp_path, "v.json", json.dumps([
        {"id": "ok", "location": "x", "channel": "online", "answers": {
            "found_product": "yes", "site_speed": "fast", "asked_needs": "yes", "pushy": "no",
            "had_problem": "no", "checkout_ease": 10}},
        {"id": "bad", "location": "x", "channel": "phone", "answers": {}},
    ]))
    result = run_score(SPEC_EXAMPLES / "retail.yaml", visits)
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["errors"] == [{"id": "bad",
                                   "messages": ["channel: must be one of in_store, online"]}]
    assert document["locations"][0]["visits"] == 1
    assert document["overall"] == {"locations": 1, "visits": 1, "cx": 100.0, "service": 100.0,
                                   "experience": 100.0}


def test_shopper_help_lists_the_commands():
    result = run("--help")
    assert result.returncode == 0
    assert "score" in result.stdout and "run" in result.stdout


def test_flask_app_shopper_has_the_same_command():
    # `flask --app` builds the app first, so it needs the production settings.
    result = run("--app", "shopper", "score", "--questionnaire", SPEC_EXAMPLES / "retail.yaml",
                 "--visits", SPEC_EXAMPLES / "retail-visits.json", command=FLASK,
                 SECRET_KEY="a-real-secret-for-this-test-only")
    assert result.returncode == 1, result.stderr
    assert len(json.loads(result.stdout)["visits"]) == 4


def test_commands_that_need_the_app_name_a_missing_secret_key():
    result = run("db", "upgrade")
    assert result.returncode == 2
    assert "SECRET_KEY must be set" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
