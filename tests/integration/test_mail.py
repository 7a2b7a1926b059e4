"""shopper.mail against a real SMTP server on loopback (tests/smtp_server.py), no mocks."""

from __future__ import annotations

import email
import logging
import socket
from email import policy

import pytest

from shopper.mail import (
    InvalidAddress,
    MailError,
    PermanentFailure,
    TemporaryFailure,
    compose,
    deliver,
    valid_address,
)
from tests.smtp_server import SmtpServer, smtp_server  # noqa: F401

PASSWORD = "s3cret-Pa55word"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def smtp_config(server, **settings) -> dict:
    """What create_app would put in app.config, pointing at the test server."""
    config = {
        "SMTP_HOST": server.host,
        "SMTP_PORT": server.port,
        "SMTP_USER": None,
        # Set without SMTP_USER (so no login is tried) to check it never leaks.
        "SMTP_PASSWORD": PASSWORD,
        "SMTP_TLS": False,
        "SMTP_TIMEOUT": 5,
        "OUTBOX_DIR": None,
    }
    config.update(settings)
    return config


def report_message(**overrides):
    fields = {
        "sender": "Shopper <shopper@localhost>",
        "to": ["manager@example.test", "owner@example.test"],
        "subject": "Visit report: Café Central, 3 June",
        "text": "Your visit report is attached.\n",
        "html": "<p>Your visit report is <b>attached</b>.</p>\n",
        "attachments": [("visit-report.pdf", PDF, "application/pdf")],
    }
    fields.update(overrides)
    return compose(**fields)


def assert_one_clean_line(error: MailError) -> None:
    text = str(error)
    assert text
    assert "\n" not in text and "\r" not in text
    assert "Traceback" not in text
    assert PASSWORD not in text


def pdf_attachments(message):
    return [
        part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"
    ]


def test_message_with_html_and_pdf_arrives_whole(smtp_server):  # noqa: F811
    message = report_message()

    where = deliver(message, smtp_config(smtp_server))

    assert where == f"smtp://{smtp_server.host}:{smtp_server.port}"
    assert smtp_server.envelopes == [["manager@example.test", "owner@example.test"]]
    [received] = smtp_server.messages
    assert received["Subject"] == "Visit report: Café Central, 3 June"
    assert received["From"].addresses[0].addr_spec == "shopper@localhost"
    assert received["Message-ID"] == message["Message-ID"]
    assert received["Message-ID"].endswith("@localhost>")
    assert received["Date"].datetime is not None
    assert received.get_body(("plain",)).get_content() == "Your visit report is attached.\n"
    assert "<b>attached</b>" in received.get_body(("html",)).get_content()
    [attachment] = pdf_attachments(received)
    assert attachment.get_filename() == "visit-report.pdf"
    assert attachment.get_content() == PDF


def test_given_message_id_is_kept(smtp_server):  # noqa: F811
    message = report_message(message_id="<visit-42.report@shopper.test>")

    deliver(message, smtp_config(smtp_server))

    assert smtp_server.messages[0]["Message-ID"] == "<visit-42.report@shopper.test>"


def test_without_smtp_host_writes_an_eml_file_that_parses_back(tmp_path):
    outbox = tmp_path / "outbox"  # missing: deliver creates it
    message = report_message()
    config = {"SMTP_HOST": None, "OUTBOX_DIR": str(outbox)}

    first = deliver(message, config)
    second = deliver(message, config)

    assert first != second
    assert sorted(path.name for path in outbox.iterdir()) == sorted(
        [first.rsplit("/", 1)[1], second.rsplit("/", 1)[1]]
    )
    assert first.endswith(".eml") and first.startswith(str(outbox))
    with open(first, "rb") as file:
        parsed = email.message_from_binary_file(file, policy=policy.default)
    assert parsed["Message-ID"] == message["Message-ID"]
    assert parsed["To"] == "manager@example.test, owner@example.test"
    assert parsed["Subject"] == message["Subject"]
    assert parsed.get_body(("plain",)).get_content() == "Your visit report is attached.\n"
    assert "<b>attached</b>" in parsed.get_body(("html",)).get_content()
    assert pdf_attachments(parsed)[0].get_content() == PDF


@pytest.mark.parametrize(
    "to",
    [
        ["a@b.test\r\nBcc: evil@x.test"],
        ["a@b.test\nBcc: evil@x.test"],
        ["a@b.test\r\n"],
        ["good@b.test", "Evil <evil@x.test>"],
        ["a@b.test, evil@x.test"],
    ],
)
def test_bad_recipient_is_refused_and_nothing_is_sent(smtp_server, to):  # noqa: F811
    with pytest.raises(InvalidAddress, match=r"evil|a@b\.test"):
        deliver(report_message(to=to), smtp_config(smtp_server))

    assert smtp_server.messages == []


@pytest.mark.parametrize(
    "overrides",
    [
        {"subject": "Report\r\nBcc: evil@x.test"},
        {"subject": "Report\u2028Bcc: evil@x.test"},
        {"sender": "Shopper <shopper@localhost>\r\nBcc: evil@x.test"},
        {"attachments": [("report.pdf\r\nBcc: evil@x.test", PDF, "application/pdf")]},
        {"attachments": [("report.pdf", PDF, "application/pdf\r\nBcc: evil@x.test")]},
        {"message_id": "<1@localhost>\r\nBcc: evil@x.test"},
    ],
)
def test_line_break_in_a_header_is_refused_and_nothing_is_sent(smtp_server, overrides):  # noqa: F811
    with pytest.raises(MailError, match="line break"):
        deliver(report_message(**overrides), smtp_config(smtp_server))

    assert smtp_server.messages == []


def test_temporary_refusal_then_success_arrives_once(smtp_server):  # noqa: F811
    config = smtp_config(smtp_server)
    message = report_message()
    smtp_server.refuse_next(1, 451, "try later")

    with pytest.raises(TemporaryFailure) as refused:
        deliver(message, config)

    assert str(refused.value) == (
        f"SMTP server {smtp_server.host}:{smtp_server.port} refused: 451 try later"
    )
    assert smtp_server.messages == []
    deliver(message, config)
    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0]["Message-ID"] == message["Message-ID"]


def test_permanent_refusal(smtp_server):  # noqa: F811
    smtp_server.refuse_next(1, 550, "mailbox unavailable")

    with pytest.raises(PermanentFailure, match="550 mailbox unavailable") as refused:
        deliver(report_message(), smtp_config(smtp_server))

    assert_one_clean_line(refused.value)
    assert smtp_server.messages == []


@pytest.mark.parametrize(("code", "failure"), [(451, TemporaryFailure), (550, PermanentFailure)])
def test_every_recipient_refused(smtp_server, code, failure):  # noqa: F811
    smtp_server.refuse_next(2, code, "no such user here", command="RCPT")

    with pytest.raises(failure, match="refused every recipient") as refused:
        deliver(report_message(), smtp_config(smtp_server))

    assert "manager@example.test" in str(refused.value)
    assert_one_clean_line(refused.value)
    assert smtp_server.messages == []


def test_some_recipients_refused_is_success_for_the_others(smtp_server, caplog):  # noqa: F811
    smtp_server.refuse_next(1, 550, "no such user here", command="RCPT")

    with caplog.at_level(logging.WARNING, logger="shopper.mail"):
        deliver(report_message(), smtp_config(smtp_server))

    assert smtp_server.envelopes == [["owner@example.test"]]
    assert "manager@example.test 550 no such user here" in caplog.text


def test_dropped_connection_is_temporary(smtp_server):  # noqa: F811
    config = smtp_config(smtp_server)
    smtp_server.drop_next(1)

    with pytest.raises(TemporaryFailure, match="closed the connection") as dropped:
        deliver(report_message(), config)

    assert_one_clean_line(dropped.value)
    assert smtp_server.messages == []
    deliver(report_message(), config)
    assert len(smtp_server.messages) == 1


def test_nothing_listening_is_temporary():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": port,
        "SMTP_TIMEOUT": 5,
        "SMTP_USER": "shopper",
        "SMTP_PASSWORD": PASSWORD,
    }

    with pytest.raises(TemporaryFailure) as unreachable:
        deliver(report_message(), config)

    assert str(unreachable.value).startswith(f"SMTP server 127.0.0.1:{port} unreachable: ")
    assert_one_clean_line(unreachable.value)


def test_login_with_the_right_password_sends():
    with SmtpServer(credentials=("shopper", PASSWORD)) as server:
        deliver(report_message(), smtp_config(server, SMTP_USER="shopper"))

        assert len(server.messages) == 1


def test_wrong_password_is_permanent_and_not_in_the_message():
    wrong = "wrong-" + PASSWORD
    with SmtpServer(credentials=("shopper", PASSWORD)) as server:
        config = smtp_config(server, SMTP_USER="shopper", SMTP_PASSWORD=wrong)

        with pytest.raises(PermanentFailure, match="refused the login: 535") as refused:
            deliver(report_message(), config)

        assert wrong not in str(refused.value)
        assert_one_clean_line(refused.value)
        assert server.messages == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  manager@example.test ", "manager@example.test"),
        ("shopper@localhost", "shopper@localhost"),
        ("first.last+visits@mail.example.co.uk", "first.last+visits@mail.example.co.uk"),
    ],
)
def test_valid_address_accepts_plain_addresses(value, expected):
    assert valid_address(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "manager",
        "manager@",
        "@example.test",
        "manager@example",
        "Manager <manager@example.test>",
        "a b@example.test",
        "manager@example.test\n",
        "manager@exa\x00mple.test",
        "a..b@example.test",
        "manager@-example.test",
        "x" * 250 + "@example.test",
    ],
)
def test_valid_address_refuses_the_rest(value):
    with pytest.raises(InvalidAddress):
        valid_address(value)


def test_compose_needs_a_recipient_list():
    with pytest.raises(MailError, match="recipient"):
        report_message(to=[])
    with pytest.raises(TypeError):
        report_message(to="manager@example.test")


def test_non_ascii_password_is_permanent_and_not_in_the_message():
    password = "pässword-" + PASSWORD
    with SmtpServer(credentials=("shopper", PASSWORD)) as server:
        config = smtp_config(server, SMTP_USER="shopper", SMTP_PASSWORD=password)

        with pytest.raises(PermanentFailure, match="not ASCII") as refused:
            deliver(report_message(), config)

        assert password not in str(refused.value)
        assert_one_clean_line(refused.value)
