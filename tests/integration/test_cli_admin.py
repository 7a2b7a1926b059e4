"""The `shopper` commands that change the database: users, questionnaires, db."""

from __future__ import annotations

import json

import yaml
from sqlmodel import select

from shopper.models import ManagerRegion, Questionnaire, User
from tests.factories import SPEC_EXAMPLES, make_client, make_region


def test_users_create_with_a_password(runner, session):
    result = runner.invoke(args=["users", "create", "--email", "New@Example.com", "--role",
                                 "shopper", "--password", "long enough pw"])
    assert result.exit_code == 0, result.output
    assert "Created shopper new@example.com" in result.output
    user = session.exec(select(User).where(User.email == "new@example.com")).one()
    assert user.password_hash.startswith("scrypt:")


def test_users_create_prompts_for_the_password(runner, session):
    result = runner.invoke(args=["users", "create", "--email", "a@example.com", "--role",
                                 "admin"], input="secret-password\nsecret-password\n")
    assert result.exit_code == 0, result.output
    assert "secret-password" not in result.output


def test_manager_gets_regions_and_client_viewer_a_client(runner, session):
    client = make_client(session, "Acme")
    make_region(session, client, "North")
    session.commit()
    result = runner.invoke(args=["users", "create", "--email", "m@example.com", "--role",
                                 "manager", "--password", "long enough pw", "--region", "North"])
    assert result.exit_code == 0, result.output
    manager = session.exec(select(User).where(User.email == "m@example.com")).one()
    assert len(session.exec(select(ManagerRegion).where(ManagerRegion.user_id == manager.id)
                            ).all()) == 1
    result = runner.invoke(args=["users", "create", "--email", "c@example.com", "--role",
                                 "client", "--password", "long enough pw", "--client", "Acme"])
    assert result.exit_code == 0, result.output


def test_users_create_names_the_problem(runner, session):
    runner.invoke(args=["users", "create", "--email", "dup@example.com", "--role", "shopper",
                        "--password", "long enough pw"])
    cases = [
        (["--email", "dup@example.com", "--role", "shopper", "--password", "long enough pw"],
         "email: A user with this e-mail address already exists."),
        (["--email", "not-an-email", "--role", "shopper", "--password", "long enough pw"],
         "email: Enter an e-mail address"),
        (["--email", "x@example.com", "--role", "shopper", "--password", "short"],
         "password: Use at least 8 characters"),
        (["--email", "x@example.com", "--role", "client", "--password", "long enough pw"],
         "client: A client viewer needs the client"),
        (["--email", "x@example.com", "--role", "manager", "--password", "long enough pw",
          "--region", "Atlantis"], "region: there is no region 'Atlantis'"),
    ]
    for args, message in cases:
        result = runner.invoke(args=["users", "create", *args])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, result.output
        assert "Traceback" not in result.output
    assert len(session.exec(select(User)).all()) == 1


def test_questionnaire_import_export_round_trip(runner, session, tmp_path):
    result = runner.invoke(args=["questionnaire", "import", str(SPEC_EXAMPLES / "retail.yaml")])
    assert result.exit_code == 0, result.output
    assert "retail-visit version 1 (published): stored." in result.output
    again = runner.invoke(args=["questionnaire", "import", str(SPEC_EXAMPLES / "retail.yaml")])
    assert "unchanged" in again.output
    exported = runner.invoke(args=["questionnaire", "export", "retail-visit"])
    assert exported.exit_code == 0
    document = yaml.safe_load(exported.output)
    assert document["id"] == "retail-visit" and len(document["sections"]) == 4
    as_json = runner.invoke(args=["questionnaire", "export", "retail-visit", "--format", "json"])
    assert json.loads(as_json.output) == document
    # the export imports back as the same version, unchanged
    path = tmp_path / "back.yaml"
    path.write_text(exported.output)
    assert "unchanged" in runner.invoke(args=["questionnaire", "import", str(path)]).output


def test_changing_a_published_version_is_refused(runner, session, tmp_path):
    runner.invoke(args=["questionnaire", "import", str(SPEC_EXAMPLES / "retail.yaml")])
    document = yaml.safe_load((SPEC_EXAMPLES / "retail.yaml").read_text())
    document["sections"][0]["questions"][0]["weight"] = 5
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(document))
    result = runner.invoke(args=["questionnaire", "import", str(path)])
    assert result.exit_code == 2
    assert "version 1 is published and cannot change; import the changes as version 2" \
        in result.output
    document["version"] = 2
    path.write_text(yaml.safe_dump(document))
    assert runner.invoke(args=["questionnaire", "import", str(path)]).exit_code == 0
    versions = session.exec(select(Questionnaire.version).where(
        Questionnaire.key == "retail-visit")).all()
    assert sorted(versions) == [1, 2]


def test_invalid_questionnaire_import_names_the_path(runner, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\ntitle: X\nsections:\n  - id: s\n    title: S\n    questions:\n"
                    "      - {id: q, text: Q, type: yes_no, weight: -2}\n")
    result = runner.invoke(args=["questionnaire", "import", str(path)])
    assert result.exit_code == 2
    assert "sections[0].questions[0].weight: must be >= 0" in result.output


def test_export_of_an_unknown_questionnaire(runner):
    result = runner.invoke(args=["questionnaire", "export", "nope"])
    assert result.exit_code == 2 and "no questionnaire nope" in result.output


def test_db_upgrade_is_idempotent(runner):
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0 and "Database is at head." in result.output


def test_users_token_prints_a_working_token(runner, session, client):
    runner.invoke(args=["users", "create", "--email", "s@example.com", "--role", "shopper",
                        "--password", "long enough pw"])
    result = runner.invoke(args=["users", "token", "--email", "S@example.com"])
    assert result.exit_code == 0
    token = result.output.strip()
    response = client.get("/api/v1/assignments", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.get_json() == {"items": [], "next": None}
    again = runner.invoke(args=["users", "token", "--email", "s@example.com"]).output.strip()
    assert client.get("/api/v1/assignments", headers={
        "Authorization": f"Bearer {token}"}).status_code == 401
    assert again != token
    assert runner.invoke(args=["users", "token", "--email", "x@example.com"]).exit_code == 2
