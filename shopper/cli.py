"""The `shopper` command: a Flask CLI group bound to the app factory.

Commands are thin: they read files, call the engine or a service, commit once, and
print. Problems with the input end in one line on stderr and exit status 2 (or 1 where
the command says so), never a traceback.
"""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Iterator
from datetime import date

import click
import orjson
from flask import current_app
from flask.cli import AppGroup, FlaskGroup, NoAppException, with_appcontext
from sqlmodel import Session

from .exceptions import InvalidInput, NotFound
from .files import DocumentError, read_document
from .scoring import QuestionnaireError, parse_questionnaire
from .scoring.batch import score_batch


def _fail(message: str, status: int = 2) -> None:
    """One line on stderr, then exit."""
    click.echo(f"error: {message}", err=True)
    sys.exit(status)


@contextlib.contextmanager
def _session() -> Iterator[Session]:
    """A writing session for one command, committed once at the end."""
    from . import db

    with db.writing(), Session(db.engine(), expire_on_commit=False) as session:
        yield session
        session.commit()


# --- shopper score ----------------------------------------------------------------------


def _load_visits(path: str) -> list[dict]:
    visits = read_document(path)
    if not isinstance(visits, list):
        raise DocumentError(f"{path}: must be a JSON list of visits")
    for i, visit in enumerate(visits):
        if not isinstance(visit, dict):
            raise DocumentError(f"{path}: visit [{i}] must be an object")
        for key in ("id", "location"):
            if not isinstance(visit.get(key), str | int) or isinstance(visit.get(key), bool):
                raise DocumentError(f"{path}: visit [{i}] needs an \"{key}\" (text)")
        unknown = set(visit) - {"id", "location", "channel", "answers"}
        if unknown:
            raise DocumentError(
                f"{path}: visit [{i}] has unknown key(s) {', '.join(sorted(unknown))}"
            )
    return visits


@click.command("score")
@click.option("--questionnaire", "questionnaire_path", required=True, metavar="Q",
              help="Questionnaire document (YAML or JSON).")
@click.option("--visits", "visits_path", required=True, metavar="VISITS",
              help="JSON list of {id, location, channel?, answers}.")
@click.option("--pretty", is_flag=True, help="Indent the JSON output.")
def score_command(questionnaire_path: str, visits_path: str, pretty: bool) -> None:
    """Score a file of visits (spec/scoring.md section 6).

    Prints one JSON document. Exit status 0 when every visit is valid, 1 when some
    are not, 2 when the questionnaire is invalid or a file cannot be read.
    """
    # A batch makes no reference cycles; the cyclic collector would only rescan the
    # growing heap of visits and results, again and again (half the run time at 100,000).
    gc.disable()
    try:
        questionnaire = parse_questionnaire(read_document(questionnaire_path))
        visits = _load_visits(visits_path)
    except DocumentError as error:
        _fail(str(error))
    except QuestionnaireError as error:
        _fail(f"{questionnaire_path}: invalid questionnaire: {error}")
    document, all_valid = score_batch(questionnaire, visits)
    options = orjson.OPT_APPEND_NEWLINE | (orjson.OPT_INDENT_2 if pretty else 0)
    sys.stdout.buffer.write(orjson.dumps(document, option=options))
    sys.stdout.flush()
    sys.exit(0 if all_valid else 1)


# --- shopper db -------------------------------------------------------------------------

db_group = AppGroup("db", help="The database: migrations.")


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations (to the latest by default)."""
    from . import db, migrate
    from .scorecards.storage import rebuild_score_days, score_days_missing

    migrate.upgrade(db.engine(), revision)
    click.echo(f"Database is at {revision}.")
    if revision == "head":
        with _session() as session:
            if score_days_missing(session):
                written = rebuild_score_days(session=session)
                click.echo(f"Scorecard sums rebuilt: {written} rows.")


@db_group.command("revision")
@click.option("-m", "--message", required=True, help="What the migration changes.")
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from . import db, migrate

    migrate.revision(db.engine(), message)


# --- shopper users ----------------------------------------------------------------------

users_group = AppGroup("users", help="User accounts.")


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "manager", "shopper",
                                                          "client"]))
@click.option("--password", help="Asked for when not given (better: not in shell history).")
@click.option("--name", default="")
@click.option("--client", "client_name", help="Client of a client viewer (name or id).")
@click.option("--region", "region_names", multiple=True,
              help="Region of a manager (name or id); repeat for several.")
def users_create(email: str, role: str, password: str | None, name: str,
                 client_name: str | None, region_names: tuple[str, ...]) -> None:
    """Create a user."""
    from .admin.lookup import find_client, find_region
    from .auth.services import create_user

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _session() as session:
        try:
            client = find_client(session=session, key=client_name) if client_name else None
            regions = [find_region(session=session, key=key, client=client)
                       for key in region_names]
            user = create_user(session=session, email=email, role=role, password=password,
                               name=name, client_id=client.id if client else None,
                               region_ids=[r.id for r in regions])
        except (InvalidInput, NotFound) as error:
            _fail(str(error))
        click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@users_group.command("unlock")
@click.option("--email", default=None, help="The account to unlock.")
@click.option("--address", default=None, help="The client address to unlock.")
def users_unlock(email: str | None, address: str | None) -> None:
    """Lift the log-in lock of an account or an address (too many failed attempts)."""
    from .auth import throttle

    if not email and not address:
        _fail("give --email or --address")
    with _session() as session:
        forgotten = throttle.clear(session, account=email, address=address)
    click.echo(f"Unlocked: {forgotten} failed attempts forgotten.")


@users_group.command("token")
@click.option("--email", required=True)
def users_token(email: str) -> None:
    """Issue a new API token for a user (the old one stops working). Printed once."""
    from sqlmodel import select

    from .auth.services import issue_api_token, normalise_email
    from .models import User

    with _session() as session:
        user = session.exec(select(User).where(User.email == normalise_email(email))).first()
        if user is None:
            _fail(f"email: there is no user {email}")
        token = issue_api_token(session=session, user=user)
    click.echo(token)


# --- shopper demo -----------------------------------------------------------------------


@click.command("demo")
@with_appcontext
@click.option("--visits", "synthetic", type=click.IntRange(0, 1_000_000), default=0,
              help="Also keep this many approved visits of synthetic history (last 12 "
                   "months), for load tests and benchmarks.")
def demo_command(synthetic: int) -> None:
    """Load the demo data set; running it twice changes nothing."""
    from .demo import load_demo
    from .models import utcnow

    if not current_app.config["DEVELOPMENT"]:
        click.echo("warning: loading demo accounts with published passwords into a "
                   "production database.", err=True)
    with _session() as session:
        added = load_demo(session=session, now=utcnow(), synthetic_visits=synthetic,
                          settings=current_app.config)
    if not any(added.values()):
        click.echo("Demo data already loaded; nothing changed.")
    else:
        click.echo("Demo data loaded: " + ", ".join(f"{n} {k.replace('_', ' ')}"
                                                  for k, n in added.items() if n) + ".")


# --- shopper questionnaire --------------------------------------------------------------

questionnaire_group = AppGroup("questionnaire", help="Questionnaires (YAML or JSON).")


@questionnaire_group.command("import")
@click.argument("path")
@click.option("--draft", is_flag=True, help="Keep it as a draft instead of publishing it.")
def questionnaire_import(path: str, draft: bool) -> None:
    """Validate and store a questionnaire document as the version it names."""
    from .questionnaires import import_questionnaire

    try:
        document = read_document(path)
    except DocumentError as error:
        _fail(str(error))
    with _session() as session:
        try:
            row, changed = import_questionnaire(session=session, document=document,
                                                publish=not draft)
        except InvalidInput as error:
            _fail(f"{path}: {error.message}" if error.field == "document" else str(error))
        state = "stored" if changed else "unchanged"
        click.echo(f"{row.key} version {row.version} ({row.status}): {state}.")


@questionnaire_group.command("export")
@click.argument("key")
@click.option("--version", type=int, help="Default: the latest published version.")
@click.option("--format", "output", type=click.Choice(["yaml", "json"]), default="yaml")
def questionnaire_export(key: str, version: int | None, output: str) -> None:
    """Print a stored questionnaire document."""
    from .questionnaires import export_questionnaire

    with _session() as session:
        try:
            text = export_questionnaire(session=session, key=key, version=version,
                                        output=output)
        except NotFound:
            _fail(f"no questionnaire {key}" + (f" version {version}" if version else ""))
    sys.stdout.buffer.write(text)


# --- shopper scorecards -------------------------------------------------------------

scorecards_group = AppGroup("scorecards", help="Scorecards: the sums they read.")


@scorecards_group.command("rebuild")
def scorecards_rebuild() -> None:
    """Rewrite the scorecard sums (score_day) from the approved visits: after loading
    visits in bulk outside the app, or to repair."""
    from .scorecards.storage import rebuild_score_days

    with _session() as session:
        written = rebuild_score_days(session=session)
    click.echo(f"Scorecard sums rebuilt: {written} rows.")


# --- shopper reports, shopper worker ----------------------------------------------------

reports_group = AppGroup("reports", help="PDF reports: render and e-mail them.")


def _client(session: Session, key: str):
    from sqlmodel import select

    from .models import Client

    if key.isdigit():
        found = session.get(Client, int(key))
        if found is not None:
            return found
    found = session.exec(select(Client).where(Client.name == key)).first()
    if found is None:
        _fail(f"no client {key!r} (give its name or id)")
    return found


@reports_group.command("send")
@click.option("--client", "client_key", required=True, help="The client's name or id.")
@click.option("--period", "period_key", required=True,
              help="2026-10 (monthly schedules) or 2026-Q3 (quarterly ones).")
def reports_send(client_key: str, period_key: str) -> None:
    """Render and e-mail now every schedule of the client whose cadence matches the
    period (also when it was sent before: logged as sent again). Exit 0 when every
    message was accepted by the SMTP server or written to the outbox."""
    from sqlmodel import select

    from . import db
    from .models import ReportSchedule
    from .reports import delivery
    from .scorecards.periods import parse_period

    try:
        period = parse_period(period_key, today=date.today())
    except InvalidInput as error:
        _fail(f"--period: {error.message}")
    if period.kind not in ("month", "quarter"):
        _fail("--period: give a month (2026-10) or a quarter (2026-Q3)")
    with _session() as session:
        client = _client(session, client_key)
        schedules = [s for s in session.exec(
            select(ReportSchedule).where(ReportSchedule.client_id == client.id)
            .order_by(ReportSchedule.id)) if delivery.matches(s, period)]
        if not schedules:
            cadence = "monthly" if period.kind == "month" else "quarterly"
            _fail(f"{client.name} has no {cadence} report schedule", status=1)
        ids = [delivery.request_sending(session, s, period, None).id for s in schedules]
        name = client.name
    session = db.get_session()
    failures = []
    for delivery_id in ids:
        outcome = delivery.send(session, delivery_id)
        if outcome.status != "sent":
            failures.append(outcome.error or outcome.status)
    if failures:
        _fail(f"{len(failures)} of {len(ids)} reports of {name} for {period.key} not sent: "
              f"{failures[0]}", status=1)
    click.echo(f"Sent {len(ids)} report{'s' if len(ids) != 1 else ''} of {name} for "
               f"{period.key}.")


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Jobs run at once.")
@with_appcontext
def worker_command(workers: int) -> None:
    """The background job consumer: report sending (and its retries), roll-ups,
    alerts, the periodic sweep."""
    import logging

    from . import jobs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # a line per layout step
    if jobs.huey.immediate:
        _fail("JOBS_IMMEDIATE is set: jobs run in the caller, there is nothing to consume")
    where = current_app.config.get("REDIS_URL") or current_app.config["JOBS_FILE"]
    click.echo(f"Shopper worker: {workers} threads, jobs in {where}")
    removed = jobs.sweep_orphans.call_local()
    click.echo(f"Orphan sweep: {removed} photo files without a row removed.")
    consumer = jobs.huey.create_consumer(workers=workers, worker_type="thread",
                                         periodic=True, check_worker_health=True)
    consumer.run()


# --- shopper backup, shopper restore ---------------------------------------------------


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(target: str) -> None:
    """Write a consistent copy of the database (while the app runs) and the uploads to
    TARGET (.tar.gz). SQLite only: for PostgreSQL use pg_dump (README)."""
    from . import backup

    try:
        written = backup.backup(current_app.config["DATABASE_URL"],
                                current_app.config["UPLOAD_DIR"], target)
    except backup.BackupError as error:
        _fail(str(error), status=1)
    click.echo(f"Backup written to {target}: the database and {written['uploads']} uploads "
               f"({written['bytes']:,} bytes).")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace a database that holds data.")
@with_appcontext
def restore_command(source: str, force: bool) -> None:
    """Put a backup back; refuses a database that holds data without --force."""
    from . import backup, db

    try:
        restored = backup.restore(current_app.config["DATABASE_URL"],
                                  current_app.config["UPLOAD_DIR"], source,
                                  engine=db.engine(), force=force)
    except (backup.BackupError, OSError, EOFError) as error:
        _fail(str(error), status=1)
    click.echo(f"Restored {source}: the database and {restored['uploads']} uploads.")


APP_COMMANDS = (db_group, users_group, demo_command, questionnaire_group, scorecards_group,
                reports_group, worker_command, backup_command, restore_command)


def init_app(app) -> None:
    """Register the commands on the app, so `flask --app shopper` has them too."""
    app.cli.add_command(score_command)
    for command in APP_COMMANDS:
        app.cli.add_command(command)


def _create_app():
    from . import create_app
    from .config import ConfigError

    try:
        return create_app()
    except ConfigError as error:
        # A setting to fix, not a bug: Flask prints this message (no traceback), and
        # `shopper --help` still lists the commands that need no app.
        raise NoAppException(str(error)) from None


main = FlaskGroup(create_app=_create_app, help="Shopper: mystery-shopping programmes.")
# `score` needs no app (nor its settings): it is on the group itself.
main.add_command(score_command)
