"""`finout-telemetry check` against hostile input: values from AWS that hold escape sequences or
line breaks, servers that are not AWS, absurd flags and environment variables.

Human output escapes every character a terminal would act on, and only the renderer breaks lines;
JSON stays exact. Anything that means "nothing was checked" or "bad usage" exits 2 with one line
naming what is wrong and the fix, never 1 (CI reads 1 as drift) and never a traceback.
"""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.parsers import ResponseParserError
from check_helpers import config_raw, deploy, endpoint_raw, make_config, put_file
from check_provisioning import clients

from finout_s3_telemetry.check import (
    CheckResult,
    CheckUsageError,
    EndpointReport,
    Report,
    RetryPolicy,
    Severity,
    Status,
    render,
    run_checks,
)
from finout_s3_telemetry.check import max_age as max_age_module
from finout_s3_telemetry.check import retry as retry_module
from finout_s3_telemetry.check import runner as runner_module
from finout_s3_telemetry.check.aws import AwsReader, policy_document
from finout_s3_telemetry.check.errors import classify_first_call
from finout_s3_telemetry.check.snapshot import Read
from finout_s3_telemetry.cli import main
from finout_s3_telemetry.commands import check as check_command
from finout_s3_telemetry.local.moto_server import LocalAws
from finout_s3_telemetry.targets import Target

CHECK_IDS = {
    "FINOUT-ACCT-001",
    *(f"FINOUT-S3-{n:03d}" for n in range(1, 11)),
    *(f"FINOUT-IAM-00{n}" for n in range(1, 8)),
    "FINOUT-KMS-001",
    "FINOUT-CSV-001",
    "FINOUT-CSV-002",
}
# A terminal clears the screen on ESC[2J; CR returns to the start of the line, so what follows
# overwrites it; U+202E reverses what follows; U+2028 and NEL are line breaks to some terminals.
FORGED = "\x1b[2J\r  PASS  FINOUT-FAKE-001 critical  all good\u202e\u2028\x85"


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "FINOUT_TELEMETRY_TARGET",
        "FINOUT_TELEMETRY_ENDPOINT_URL",
        "FINOUT_TELEMETRY_CONFIG",
        "FINOUT_TELEMETRY_MAX_AGE_DAYS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FINOUT_TELEMETRY_CHECK_RETRIES", "0")


def config_file(tmp_path: Path, *endpoints: dict[str, Any]) -> Path:
    """The config as a user writes it (the raw mapping, not a dump of the model)."""
    path = tmp_path / "telemetry.yaml"
    path.write_text(yaml.safe_dump(config_raw(*endpoints)), encoding="utf-8")
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def invisible(text: str) -> list[str]:
    """Characters a terminal would act on or hide, line breaks included."""
    return [c for c in text if unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp", "Cs", "Co"}]


def assert_safe_table(out: str) -> list[str]:
    """The table holds nothing a terminal acts on, and every line is one the renderer wrote."""
    assert invisible(out.replace("\n", "")) == []
    lines = out.split("\n")
    for line in lines:
        if line.startswith(("  PASS  ", "  WARN  ", "  FAIL  ")):
            assert line.split()[1] in CHECK_IDS, line
    return lines


def one_line(err: str) -> str:
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert invisible(lines[0]) == []
    return lines[0]


# 1. Values from AWS in the table.


@pytest.mark.moto
def test_an_s3_key_and_csv_content_cannot_clear_the_screen_or_forge_a_line(
    local_aws: LocalAws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_config()
    deploy(local_aws, config)
    endpoint = config.endpoints[0]
    hostile = b'"date","team","bytes"\n"2024-06-07","servers","\x1b]0;owned\x07\xe2\x80\xae-1"\n'
    key = put_file(local_aws, endpoint, "bytes", f"x{FORGED}.csv", hostile)
    path = config_file(tmp_path)

    code, out, _ = run_cli(capsys, "-c", str(path), "--endpoint-url", local_aws.endpoint_url)

    assert code == 1
    lines = assert_safe_table(out)
    failure = next(i for i, line in enumerate(lines) if line.startswith("  FAIL  FINOUT-CSV-001"))
    # The key is shown, escaped, inside the renderer's own lines.
    assert "\\x1b[2J\\x0d  PASS  FINOUT-FAKE-001" in "\n".join(lines[failure : failure + 4])
    assert "\\u202e" in out and "\\x07" in out

    code, out, _ = run_cli(
        capsys, "-c", str(path), "--endpoint-url", local_aws.endpoint_url, "--format", "json"
    )
    assert code == 1
    (checked,) = json.loads(out)["endpoints"]
    detail = next(c["detail"] for c in checked["checks"] if c["id"] == "FINOUT-CSV-001")
    assert key in detail  # JSON keeps the exact key


@pytest.mark.moto
def test_line_breaks_in_policies_stay_inside_their_line_and_the_diff_keeps_its_own(
    local_aws: LocalAws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_config()
    target = deploy(local_aws, config)
    endpoint = config.endpoints[0]
    _, iam = clients(target, endpoint.region)
    forged_trust = "arn:aws:iam::999999999999:root\n  PASS  FINOUT-IAM-002 critical  trusted\x1b[8m"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "A\n  PASS  FINOUT-FAKE-002 high  ok",
                "Effect": "Allow",
                "Principal": {"AWS": forged_trust},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam.update_assume_role_policy(RoleName=endpoint.role_name, PolicyDocument=json.dumps(trust))
    resource = "arn:aws:s3:::evil\n  PASS  FINOUT-IAM-003 high  fine\x1b[2J\u202e"
    inline = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource}],
    }
    iam.put_role_policy(
        RoleName=endpoint.role_name,
        PolicyName=endpoint.policy_name,
        PolicyDocument=json.dumps(inline),
    )
    path = config_file(tmp_path)

    code, out, _ = run_cli(capsys, "-c", str(path), "--endpoint-url", local_aws.endpoint_url)

    assert code == 1
    lines = assert_safe_table(out)
    assert not any(line.startswith("  PASS  FINOUT-IAM-002") for line in lines)
    assert not any(line.startswith("  PASS  FINOUT-IAM-003") for line in lines)
    trust_row = next(line for line in lines if line.startswith("  FAIL  FINOUT-IAM-002"))
    assert "root\\x0a  PASS  FINOUT-IAM-002 critical  trusted\\x1b[8m" in trust_row
    assert "(A\\x0a  PASS  FINOUT-FAKE-002 high  ok)" in trust_row
    # The diff is multi-line by design: its lines stay lines, each escaped on its own.
    row = next(i for i, line in enumerate(lines) if line.startswith("  FAIL  FINOUT-IAM-003"))
    assert "evil\\x0a  PASS  FINOUT-IAM-003 high  fine\\x1b[2J\\u202e" in lines[row]
    assert lines[row + 1] == "        --- expected (rendered template)"
    assert lines[row + 2] == "        +++ live"
    assert any(line.strip().startswith('+        "arn:aws:s3:::evil') for line in lines[row:])

    code, out, _ = run_cli(
        capsys, "-c", str(path), "--endpoint-url", local_aws.endpoint_url, "--format", "json"
    )
    (checked,) = json.loads(out)["endpoints"]
    details = {c["id"]: c["detail"] for c in checked["checks"]}
    assert forged_trust in details["FINOUT-IAM-002"]
    assert resource in details["FINOUT-IAM-003"]
    assert "\n--- expected (rendered template)\n+++ live\n" in details["FINOUT-IAM-003"]


def hostile_report() -> Report:
    result = CheckResult(
        id="FINOUT-S3-003",
        status=Status.FAIL,
        severity=Severity.HIGH,
        resource="s3://b/\x1b[2J",
        detail="Folder a\n  PASS  FINOUT-FAKE-001 critical  ok\u2029is\x1b]0;t\x07 missing.",
        remediation="Fix\r  PASS  FINOUT-FAKE-002 it\u200f.",
    )
    diff = CheckResult(
        id="FINOUT-IAM-003",
        status=Status.FAIL,
        severity=Severity.HIGH,
        resource="arn",
        detail="It differs (\x1b[31m\n):\n--- a\n+++ b",
        remediation="",
        detail_lines=("It differs (\x1b[31m\n):", "--- a", "+++ b"),
    )
    return Report(
        endpoints=(EndpointReport("main\x1b[2J", (result, diff), api_calls=3),),
        api_calls=4,
        account="1111\n  PASS  FINOUT-FAKE-003",
        target="local AWS at http://127.0.0.1:5000/\x1b[2J",
    )


def test_the_table_escapes_every_value_and_breaks_only_its_own_lines() -> None:
    out = render(hostile_report(), "table")
    lines = assert_safe_table(out)
    assert lines[0].startswith("main\\x1b[2J: FAILED")
    assert lines[1].startswith("  FAIL  FINOUT-S3-003")
    assert "a\\x0a  PASS  FINOUT-FAKE-001 critical  ok\\u2029is\\x1b]0;t\\x07 missing." in lines[1]
    assert lines[2] == "        fix: Fix\\x0d  PASS  FINOUT-FAKE-002 it\\u200f."
    # A line break inside a line of a multi-line detail is a value's, not the renderer's.
    assert lines[3].endswith("It differs (\\x1b[31m\\x0a):")
    assert lines[4:6] == ["        --- a", "        +++ b"]
    assert "account 1111\\x0a  PASS  FINOUT-FAKE-003 on local AWS at" in lines[-1]


def test_json_stays_exact() -> None:
    document = json.loads(render(hostile_report(), "json"))
    (endpoint,) = document["endpoints"]
    assert endpoint["name"] == "main\x1b[2J"
    first, second = endpoint["checks"]
    assert first["detail"].startswith("Folder a\n  PASS  FINOUT-FAKE-001")
    assert first["remediation"] == "Fix\r  PASS  FINOUT-FAKE-002 it\u200f."
    assert second["detail"] == "It differs (\x1b[31m\n):\n--- a\n+++ b"


def test_detail_lines_must_be_the_lines_of_the_detail() -> None:
    with pytest.raises(ValueError, match="detail_lines"):
        CheckResult("X", Status.FAIL, Severity.LOW, "r", "a\nb", "", detail_lines=("a", "c"))


# 2. A server that is not AWS.


class _Answer(http.server.BaseHTTPRequestHandler):
    status = 200
    content_type = "text/html"
    body = b"<html><body>hello</body></html>"

    def _answer(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    do_GET = do_POST = do_PUT = do_HEAD = _answer

    def log_message(self, *_: Any) -> None:
        pass


def _handler(status: int, content_type: str, body: bytes) -> type[_Answer]:
    class Handler(_Answer):
        pass

    Handler.status, Handler.content_type, Handler.body = status, content_type, body
    return Handler


def _quiet_files(directory: Path) -> type[http.server.SimpleHTTPRequestHandler]:
    """`python -m http.server`'s handler, serving `directory`, without its request log."""

    class Files(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(directory), **kwargs)

        def log_message(self, *_: Any) -> None:
            pass

    return Files


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(handler: type[http.server.BaseHTTPRequestHandler]) -> str:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


NOT_AWS = {
    "a file server (501 to POST, an HTML page)": None,
    "200 with an HTML page": _handler(200, "text/html", b"<html><body>hi</body></html>"),
    "404 for everything": _handler(404, "text/html", b"<html><body>Not Found</body></html>"),
    "404 with no body": _handler(404, "text/plain", b""),
    "200 with JSON": _handler(200, "application/json", b'{"Account": "111122223333"}'),
    "200 with an empty body": _handler(200, "text/plain", b""),
    "403 with plain text": _handler(403, "text/plain", b"forbidden"),
    "502 with no body": _handler(502, "text/plain", b""),
    "200 with XML that is not STS's": _handler(200, "text/xml", b"<a><b>1</b></a>"),
    "an escape sequence in the answer": _handler(
        400, "text/html\x1b[2J", b"<html>\x1b[2J\r  PASS  FINOUT-FAKE</html>"
    ),
}


@pytest.mark.parametrize("server", list(NOT_AWS))
def test_a_server_that_is_not_aws_exits_2_and_says_so(
    server: str,
    serve: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    handler = NOT_AWS[server] or _quiet_files(tmp_path)
    url = serve(handler)
    path = config_file(tmp_path)

    code, out, err = run_cli(capsys, "-c", str(path), "--target", "local", "--endpoint-url", url)

    assert code == 2
    assert out == ""
    line = one_line(err)
    assert line.startswith(f"finout-telemetry: error: nothing was checked: {url} is not an AWS ")
    assert "sts:GetCallerIdentity" in line
    assert "--endpoint-url" in line  # the fix
    assert "credentials" not in line


@pytest.mark.parametrize(
    "server",
    [
        "404 for everything",
        "200 with JSON",
        "200 with XML that is not STS's",
        "403 with plain text",
    ],
)
def test_a_server_that_is_not_aws_answering_assume_role_exits_2_and_says_so(
    server: str, serve: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With `accounts:`, the run's first calls are the roles' sts:AssumeRole."""
    url = serve(NOT_AWS[server])
    raw = config_raw(endpoint_raw(account="prod", account_id=None))
    raw["accounts"] = {
        "prod": {
            "account_id": "111122223333",
            "deploy_role_arn": "arn:aws:iam::111122223333:role/deploy",
        }
    }
    path = tmp_path / "telemetry.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")

    code, out, err = run_cli(capsys, "-c", str(path), "--target", "local", "--endpoint-url", url)

    assert (code, out) == (2, "")
    line = one_line(err)
    assert line.startswith(f"finout-telemetry: error: nothing was checked: {url} is not an AWS ")
    assert "sts:AssumeRole" in line and "--endpoint-url" in line


def test_the_first_answer_is_classified_without_a_server() -> None:
    for error in (ResponseParserError("invalid XML"), KeyError("GetCallerIdentityResult")):
        found = classify_first_call(error, "AWS", "https://sts.amazonaws.com", local=False)
        assert found.kind == "not-aws"
        assert "https://sts.amazonaws.com is not an AWS endpoint" in str(found)
        assert "AWS_ENDPOINT_URL" in str(found)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_a_plain_http_server_process_exits_2_through_the_installed_cli(tmp_path: Path) -> None:
    """`python -m http.server` and the CLI, each in its own process, as a user would run them."""
    port = _free_port()
    web = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):  # wait until it listens
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        path = config_file(tmp_path)
        env = {k: v for k, v in os.environ.items() if not k.startswith("FINOUT_TELEMETRY_")}
        env["FINOUT_TELEMETRY_CHECK_RETRIES"] = "0"
        url = f"http://127.0.0.1:{port}"
        argv = ["check", "-c", str(path), "--target", "local", "--endpoint-url", url]
        done = subprocess.run(
            [sys.executable, "-m", "finout_s3_telemetry.cli", *argv],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )
    finally:
        web.terminate()
        web.wait()
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    line = one_line(done.stderr)
    assert f"nothing was checked: {url} is not an AWS endpoint" in line


class _Raising:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def __call__(self, **_: Any) -> dict[str, Any]:
        raise self.error


def test_an_odd_answer_after_the_first_call_is_an_unreadable_value() -> None:
    reader = AwsReader(Target("local", "http://127.0.0.1:9"), RetryPolicy(retries=0))
    for error in (
        ResponseParserError("Unable to parse response\n\x1b[2J" + "x" * 10_000),
        KeyError("ListBucketResult"),
        RecursionError("maximum recursion depth exceeded"),
    ):
        read = reader.read(_Raising(error))
        assert read.state == "unreadable"
        assert read.code == "UnexpectedResponse"
        assert "\x1b" not in read.why() and "\n" not in read.why()
        assert len(read.why()) < 600


def test_a_policy_nested_absurdly_deep_is_an_unreadable_value() -> None:
    deep: Any = {}
    for _ in range(40):
        deep = [deep]
    with pytest.raises(ValueError, match="nested deeper"):
        policy_document({"Statement": deep})
    for document in ({"Statement": deep}, "[" * 100_000 + "]" * 100_000):
        read = AwsReader._map(Read.found(document), policy_document)
        assert read.state == "unreadable" and read.code == "UnexpectedResponse"
    assert policy_document('{"Version": "2012-10-17", "Statement": []}')["Statement"] == []


# 3. Retries and the maximum age: bounded, one line naming the flag or variable and the fix.


@pytest.mark.parametrize(
    ("flag", "value", "expected"),
    [
        ("--retries", "100000000", "must be at most 10"),
        ("--retries", "11", "must be at most 10"),
        ("--retries", "9" * 5000, "is not a whole number"),
        ("--max-age-days", str(10**9), "must be at most 366"),
        ("--max-age-days", "9" * 400, "must be at most 366"),
        ("--max-age-days", "9" * 5000, "is not a whole number"),
        ("--jobs", "0", "must be at least 1"),
        ("--jobs", "65", "must be at most 64"),
        ("--jobs", "eight", "is not a whole number"),
    ],
    ids=[
        "1e8 retries",
        "11 retries",
        "5000-digit retries",
        "1e9 days",
        "400-digit days",
        "5000-digit days",
        "0 jobs",
        "65 jobs",
        "jobs in words",
    ],
)
def test_absurd_retries_and_ages_are_refused(
    flag: str, value: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_file(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "-c", str(path), "--endpoint-url", "http://127.0.0.1:9", flag, value])
    assert exit_info.value.code == 2
    message = one_line(capsys.readouterr().err)
    assert message.startswith(f"finout-telemetry check: error: argument {flag}: ")
    assert expected in message and "pass " in message
    assert len(message) < 300  # the value is shortened, not echoed whole


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("FINOUT_TELEMETRY_CHECK_RETRIES", "100000000", "must be at most 10"),
        ("FINOUT_TELEMETRY_CHECK_RETRIES", "9" * 5000, "must be a whole number from 0 to 10"),
        ("FINOUT_TELEMETRY_MAX_AGE_DAYS", str(10**9), "must be at most 366"),
        ("FINOUT_TELEMETRY_MAX_AGE_DAYS", "\x1b[2J", "must be a whole number of days"),
    ],
    ids=["1e8 retries", "5000-digit retries", "1e9 days", "escape sequence days"],
)
def test_absurd_environment_values_are_refused_in_one_line(
    variable: str,
    value: str,
    expected: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(variable, value)
    path = config_file(tmp_path)
    code, out, err = run_cli(capsys, "-c", str(path), "--endpoint-url", "http://127.0.0.1:9")
    assert code == 2 and out == ""
    line = one_line(err)
    assert f"${variable} {expected}" in line and "pass a number" in line
    assert len(line) < 300


def test_run_checks_refuses_unbounded_retries_and_ages() -> None:
    config = make_config()
    target = Target("local", "http://127.0.0.1:9")
    with pytest.raises(CheckUsageError, match="at most 10"):
        run_checks(config, target, retry=RetryPolicy(retries=100_000_000))
    with pytest.raises(CheckUsageError, match="at most 366"):
        run_checks(config, target, max_age_days=10**400)
    with pytest.raises(CheckUsageError, match="jobs must be at most 64"):
        run_checks(config, target, jobs=65)
    with pytest.raises(CheckUsageError, match="jobs must be at least 1"):
        run_checks(config, target, jobs=0)


def test_the_cli_repeats_the_bounds_of_the_check_package() -> None:
    assert check_command.MAX_RETRIES == retry_module.MAX_RETRIES
    assert check_command.DEFAULT_RETRIES == retry_module.DEFAULT_RETRIES
    assert check_command.RETRIES_ENV == retry_module.RETRIES_ENV
    assert check_command.MAX_MAX_AGE_DAYS == max_age_module.MAX_MAX_AGE_DAYS
    assert check_command.DEFAULT_MAX_AGE_DAYS == max_age_module.DEFAULT_MAX_AGE_DAYS
    assert check_command.MAX_AGE_ENV == max_age_module.MAX_AGE_ENV
    assert check_command.MAX_JOBS == runner_module.MAX_JOBS
    assert check_command.DEFAULT_JOBS == runner_module.DEFAULT_JOBS


# 5. Endpoint names and URLs from the command line.


@pytest.mark.parametrize(
    "names",
    [
        ["\x1b[2J\n  PASS  FINOUT-FAKE"],
        ["x" * 1_000_000],
        [f"nope-{n}" for n in range(1000)],
        [""],
    ],
    ids=["escape sequences", "a megabyte", "a thousand names", "empty"],
)
def test_unknown_endpoint_names_are_escaped_shortened_and_counted(
    names: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_file(
        tmp_path,
        endpoint_raw(),
        endpoint_raw(name="other", bucket="acme-other", role_name="OtherRole"),
    )
    argv = ["-c", str(path), "--endpoint-url", "http://127.0.0.1:9"]
    for name in names:
        argv += ["--endpoint", name]
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and out == ""
    line = one_line(err)
    assert "no endpoint named " in line and "the config has: main, other" in line
    assert "--endpoint" in line  # the fix
    assert len(line) < 1200


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/\x1b[2J",
        "http://127.0.0.1:9/\u202e",
        "http://" + "a" * 100_000 + ":9",
        "http://[::1",
        "http://127.0.0.1:99999",
        "http://exa mple.com",
    ],
    ids=["escape", "bidi", "huge", "bad IPv6", "bad port", "space"],
)
def test_an_unusable_endpoint_url_is_one_line(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_file(tmp_path)
    code, out, err = run_cli(capsys, "-c", str(path), "--endpoint-url", url)
    assert code == 2 and out == ""
    line = one_line(err)
    assert "--endpoint-url" in line and "http://127.0.0.1:5000" in line
    assert len(line) < 600
