"""`synth`, `terraform-env` and the target flags as a hostile or careless user drives them: one
line and exit 2 for a bad folder or contradictory settings, and nothing removed that this tool
did not write."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from finout_s3_telemetry.cli import main
from finout_s3_telemetry.local.moto_server import LocalAws
from finout_s3_telemetry.targets import Target, TargetError, resolve_target

CONFIG: dict[str, Any] = {
    "finout": {"principal": "123456789012"},
    "endpoints": [
        {
            "name": name,
            "region": "us-east-1",
            "bucket": f"acme-{name}",
            "external_id": "finout-ab12cd3",
            "role_name": f"Finout-{name}",
            "telemetries": ["bytes"],
        }
        for name in ("alpha", "beta")
    ],
}


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "telemetry.yaml"
    path.write_text(yaml.safe_dump(CONFIG))
    return path


def only_alpha(config_file: Path) -> None:
    data = copy.deepcopy(CONFIG)
    data["endpoints"] = data["endpoints"][:1]
    config_file.write_text(yaml.safe_dump(data))


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_an_outdir_that_is_a_file_is_one_line_and_untouched(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "cdktf.out"
    target.write_text("keep me")
    assert main(["synth", "-c", str(config_file), "--outdir", str(target)]) == 2
    assert one_error_line(capsys) == (
        f"finout-telemetry: error: --outdir '{target}' is a file, not a folder; name a folder"
    )
    assert target.read_text() == "keep me"


@pytest.mark.parametrize("below", ["afile/sub", "afile/sub/deeper"])
def test_an_outdir_below_a_file_is_one_line(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], below: str
) -> None:
    (tmp_path / "afile").write_text("")
    outdir = tmp_path / below
    assert main(["synth", "-c", str(config_file), "--outdir", str(outdir)]) == 2
    assert one_error_line(capsys).endswith(
        "cannot be written (Not a directory); name a folder you can write to"
    )


def test_an_unwritable_outdir_is_one_line(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # /proc refuses new folders even to root, whose writes permission bits do not stop.
    assert main(["synth", "-c", str(config_file), "--outdir", "/proc/finout-out"]) == 2
    assert "name a folder you can write to" in one_error_line(capsys)


def test_cdktf_outdir_from_the_environment_is_checked_and_named(
    config_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "afile").write_text("")
    monkeypatch.setenv("CDKTF_OUTDIR", str(tmp_path / "afile"))
    assert main(["synth", "-c", str(config_file)]) == 2
    assert one_error_line(capsys).startswith("finout-telemetry: error: $CDKTF_OUTDIR ")


def test_an_empty_outdir_is_refused(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", "-c", str(config_file), "--outdir", ""]) == 2
    assert "--outdir is empty" in one_error_line(capsys)


def test_synth_removes_only_the_stacks_it_wrote_before(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outdir = tmp_path / "shared-folder"
    foreign = outdir / "stacks" / "not-ours"
    foreign.mkdir(parents=True)
    (foreign / "notes.txt").write_text("someone else's")
    assert main(["synth", "-q", "-c", str(config_file), "--outdir", str(outdir)]) == 0
    assert (outdir / "stacks" / "beta" / "cdk.tf.json").is_file()

    only_alpha(config_file)
    assert main(["synth", "-q", "-c", str(config_file), "--outdir", str(outdir)]) == 0
    assert not (outdir / "stacks" / "beta").exists(), "a stack this tool wrote is stale"
    assert (outdir / "stacks" / "alpha" / "cdk.tf.json").is_file()
    assert (foreign / "notes.txt").read_text() == "someone else's"


def test_a_hand_edited_manifest_cannot_steer_a_removal(config_file: Path, tmp_path: Path) -> None:
    outdir = tmp_path / "out"
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "data").write_text("precious")
    lookalike = outdir / "stacks" / "gamma"
    lookalike.mkdir(parents=True)
    (outdir / "manifest.json").write_text(
        json.dumps(
            {
                "stacks": {
                    "../../victim": {"workingDirectory": "stacks/../../victim"},
                    "gamma": {"workingDirectory": "../victim"},
                }
            }
        )
    )
    assert main(["synth", "-q", "-c", str(config_file), "--outdir", str(outdir)]) == 0
    assert (victim / "data").read_text() == "precious"
    assert lookalike.is_dir()


@pytest.mark.parametrize("manifest", ["{not json", "[]", '{"stacks": 5}', "[" * 100_000])
def test_an_unreadable_manifest_removes_nothing(
    config_file: Path, tmp_path: Path, manifest: str
) -> None:
    outdir = tmp_path / "out"
    (outdir / "stacks" / "old").mkdir(parents=True)
    (outdir / "manifest.json").write_text(manifest)
    assert main(["synth", "-q", "-c", str(config_file), "--outdir", str(outdir)]) == 0
    assert (outdir / "stacks" / "old").is_dir()


def test_terraform_env_workdir_that_is_a_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workdir = tmp_path / "afile"
    workdir.write_text("")
    assert main(["terraform-env", "--workdir", str(workdir)]) == 2
    assert one_error_line(capsys) == (
        f"finout-telemetry: error: --workdir '{workdir}' is a file, not a folder; name a folder"
    )


URL = "http://127.0.0.1:4566"


@pytest.mark.parametrize(
    ("environment", "flags", "expected"),
    [
        # A flag always wins over the environment.
        ({"FINOUT_TELEMETRY_TARGET": "aws"}, (None, URL), Target("local", URL)),
        ({"FINOUT_TELEMETRY_ENDPOINT_URL": URL}, ("aws", None), Target("aws")),
        (
            {"FINOUT_TELEMETRY_ENDPOINT_URL": "http://10.9.9.9:1"},
            (None, URL),
            Target("local", URL),
        ),
        ({"FINOUT_TELEMETRY_TARGET": "local"}, (None, URL), Target("local", URL)),
        # The environment fills in what no flag said.
        ({"FINOUT_TELEMETRY_ENDPOINT_URL": URL}, ("local", None), Target("local", URL)),
        ({"FINOUT_TELEMETRY_ENDPOINT_URL": URL}, (None, None), Target("local", URL)),
        ({}, (None, None), Target("aws")),
    ],
)
def test_flags_win_over_the_environment(
    monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, str],
    flags: tuple[str | None, str | None],
    expected: Target,
) -> None:
    monkeypatch.delenv("FINOUT_TELEMETRY_TARGET", raising=False)
    monkeypatch.delenv("FINOUT_TELEMETRY_ENDPOINT_URL", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert resolve_target(*flags) == expected


@pytest.mark.parametrize(
    ("environment", "flags", "message"),
    [
        ({}, ("aws", URL), "--target aws and --endpoint-url contradict each other"),
        (
            {"FINOUT_TELEMETRY_TARGET": "aws", "FINOUT_TELEMETRY_ENDPOINT_URL": URL},
            (None, None),
            "$FINOUT_TELEMETRY_TARGET=aws and $FINOUT_TELEMETRY_ENDPOINT_URL contradict",
        ),
        ({"FINOUT_TELEMETRY_TARGET": "prod"}, (None, None), "$FINOUT_TELEMETRY_TARGET is 'prod'"),
        ({}, (None, ""), "--endpoint-url '' is not an http(s) URL"),
        ({}, (None, "http://127.0.0.1:4566\n"), "is not an http(s) URL"),
        ({}, (None, "ftp://127.0.0.1"), "is not an http(s) URL"),
        ({}, (None, "http://127.0.0.1:99999"), "has no valid port"),
    ],
)
def test_contradictions_and_bad_urls_are_usage_errors(
    monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, str],
    flags: tuple[str | None, str | None],
    message: str,
) -> None:
    monkeypatch.delenv("FINOUT_TELEMETRY_TARGET", raising=False)
    monkeypatch.delenv("FINOUT_TELEMETRY_ENDPOINT_URL", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(TargetError) as caught:
        resolve_target(*flags)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_contradictory_target_flags_exit_2_before_writing(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outdir = tmp_path / "out"
    argv = ["synth", "-c", str(config_file), "--outdir", str(outdir)]
    assert main([*argv, "--target", "aws", "--endpoint-url", URL]) == 2
    assert "contradict each other" in one_error_line(capsys)
    assert not outdir.exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--format", "\x1b[2J" * 5000],
        ["plan", "--jobs", "\x1b]0;owned\x07" + "9" * 5000],
        ["plan", "--jobs", "0"],
    ],
)
def test_usage_errors_are_short_and_escaped(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err
    assert len(err.splitlines()[-1]) < 600


@pytest.mark.moto
def test_the_demo_reports_a_failed_sample_upload(
    config_file: Path, tmp_path: Path, local_aws: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo's sample upload returns upload's exit code, and `_demo` stops on it; here the
    emulator is empty, so the bucket the upload needs does not exist."""
    from finout_s3_telemetry.commands.demo import _upload_sample_file
    from finout_s3_telemetry.config import load_config

    target = Target("local", local_aws.endpoint_url)
    code = _upload_sample_file(load_config(config_file), config_file, target, tmp_path)
    assert code == 2
    err = capsys.readouterr().err
    assert "NoSuchBucket" in err or "does not exist" in err, err


def test_a_new_telemetry_is_a_reminder_to_tell_finout_support(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outdir = tmp_path / "out"
    assert main(["synth", "-c", str(config_file), "--outdir", str(outdir)]) == 0
    assert "Finout support" not in capsys.readouterr().err  # a first synth: new endpoints only
    data = yaml.safe_load(config_file.read_text())
    data["endpoints"][0]["telemetries"].append("gpu_hours")
    config_file.write_text(yaml.safe_dump(data))
    assert main(["synth", "-c", str(config_file), "--outdir", str(outdir)]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if "Finout support" in line]
    assert notes == [
        "finout-telemetry: note: alpha: new telemetry folder gpu_hours/ in bucket acme-alpha: "
        "after deploying, send Finout support this prefix (s3://acme-alpha/gpu_hours/) so that "
        "Finout reads it for endpoint alpha"
    ]
    # The cdktf CLI prints the same note from the manifest at `cdktf synth` and `deploy`.
    manifest = json.loads((outdir / "manifest.json").read_text())
    assert [a["level"] for a in manifest["stacks"]["alpha"]["annotations"]] == ["@cdktf/info"]


def test_an_endpoint_whose_state_holds_resources_is_not_dropped(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    """Removing `beta` from the config while its local state holds a resource: synth refuses,
    names it and the way out, and keeps its stack so `cdktf destroy beta --skip-synth` works."""
    monkeypatch.setenv("FINOUT_TELEMETRY_STATE_DIR", str(tmp_path))
    outdir = tmp_path / "out"
    assert main(["synth", "-q", "-c", str(config_file), "--outdir", str(outdir)]) == 0
    (tmp_path / "terraform.beta.tfstate").write_text(
        json.dumps(
            {
                "version": 4,
                "resources": [
                    {"mode": "managed", "type": "aws_iam_role", "instances": [{"attributes": {}}]},
                    {"mode": "data", "type": "aws_s3_bucket", "instances": [{}]},
                ],
            }
        )
    )
    data = yaml.safe_load(config_file.read_text())
    data["endpoints"][1]["name"] = "beta-renamed"  # same role name: a rename
    config_file.write_text(yaml.safe_dump(data))
    assert main(["synth", "-q", "-c", str(config_file), "--outdir", str(outdir)]) == 2
    err = capsys.readouterr().err
    assert (
        "endpoint 'beta' is no longer in the config, but its state (terraform.beta.tfstate) "
        "still holds 1 resource(s); it looks renamed to 'beta-renamed'"
    ) in err
    assert "`npx cdktf destroy beta --skip-synth`" in err
    assert (outdir / "stacks" / "beta" / "cdk.tf.json").is_file()
    assert not (outdir / "stacks" / "beta-renamed").exists()
    # Destroyed (an empty state): the removal goes through.
    (tmp_path / "terraform.beta.tfstate").write_text(json.dumps({"version": 4, "resources": []}))
    assert main(["synth", "-q", "-c", str(config_file), "--outdir", str(outdir)]) == 0
    assert not (outdir / "stacks" / "beta").exists()


@pytest.mark.moto
def test_an_endpoint_whose_s3_state_holds_resources_or_cannot_be_read_is_not_dropped(
    local_aws: LocalAws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same guard with the S3 backend: the state is read where the old stack's backend block
    says; an unreadable state is refused too, as synth cannot tell."""
    data = copy.deepcopy(CONFIG)
    data["state"] = {"backend": "s3", "bucket": "acme-terraform-state", "key": "finout"}
    config_file = tmp_path / "telemetry.yaml"
    config_file.write_text(yaml.safe_dump(data))
    outdir = tmp_path / "out"
    flags = ["-q", "-c", str(config_file), "--outdir", str(outdir)]
    flags += ["--endpoint-url", local_aws.endpoint_url]
    assert main(["synth", *flags]) == 0
    data["endpoints"] = data["endpoints"][:1]
    config_file.write_text(yaml.safe_dump(data))

    # No state bucket at all: whether beta holds resources cannot be read, so it is kept.
    assert main(["synth", *flags]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert (
        "endpoint 'beta' is no longer in the config, and whether its state "
        "(s3://acme-terraform-state/finout/beta.tfstate) still holds resources could not be "
        "read (NoSuchBucket"
    ) in err
    assert (outdir / "stacks" / "beta" / "cdk.tf.json").is_file()

    s3 = Target("local", local_aws.endpoint_url).client("s3", "us-east-1")
    s3.create_bucket(Bucket="acme-terraform-state")
    deployed = {
        "version": 4,
        "resources": [
            {"mode": "managed", "type": "aws_iam_role", "instances": [{"attributes": {}}]},
        ],
    }
    s3.put_object(
        Bucket="acme-terraform-state", Key="finout/beta.tfstate", Body=json.dumps(deployed)
    )
    assert main(["synth", *flags]) == 2
    err = capsys.readouterr().err
    assert (
        "endpoint 'beta' is no longer in the config, but its state "
        "(s3://acme-terraform-state/finout/beta.tfstate) still holds 1 resource(s)"
    ) in err
    assert (outdir / "stacks" / "beta" / "cdk.tf.json").is_file()

    # Destroyed: an empty state, and the removal goes through.
    s3.put_object(
        Bucket="acme-terraform-state",
        Key="finout/beta.tfstate",
        Body=json.dumps({"version": 4, "resources": []}),
    )
    assert main(["synth", *flags]) == 0
    assert not (outdir / "stacks" / "beta").exists()


@pytest.mark.moto
def test_a_removed_endpoints_s3_state_that_is_no_state_or_no_bucket_name_is_one_escaped_line(
    local_aws: LocalAws,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the state object holds, and what a hand-edited stack names as its backend, come from
    outside: an object that is not JSON, one over the read bound, a bucket name with control
    characters. Each refuses the removal in one escaped line; nothing is dropped."""
    from finout_s3_telemetry.stacks import removed_endpoints

    data = copy.deepcopy(CONFIG)
    data["state"] = {"backend": "s3", "bucket": "acme-terraform-state", "key": "finout"}
    config_file = tmp_path / "telemetry.yaml"
    config_file.write_text(yaml.safe_dump(data))
    outdir = tmp_path / "out"
    flags = ["-q", "-c", str(config_file), "--outdir", str(outdir)]
    flags += ["--endpoint-url", local_aws.endpoint_url]
    assert main(["synth", *flags]) == 0
    data["endpoints"] = data["endpoints"][:1]
    config_file.write_text(yaml.safe_dump(data))
    s3 = Target("local", local_aws.endpoint_url).client("s3", "us-east-1")
    s3.create_bucket(Bucket="acme-terraform-state")

    def refused(expected: str) -> None:
        assert main(["synth", *flags]) == 2
        err = capsys.readouterr().err
        assert "Traceback" not in err and expected in err, err
        line = next(line for line in err.splitlines() if "'beta'" in line)
        assert not [c for c in line if ord(c) < 32], line
        assert (outdir / "stacks" / "beta" / "cdk.tf.json").is_file()

    s3.put_object(Bucket="acme-terraform-state", Key="finout/beta.tfstate", Body=b"\x1b[2J{")
    refused("could not be read (it is not a Terraform state (not JSON))")

    monkeypatch.setattr(removed_endpoints, "STATE_READ_MAX_BYTES", 10)
    s3.put_object(Bucket="acme-terraform-state", Key="finout/beta.tfstate", Body=b"{}" * 20)
    refused("it is over 0 MiB, not a stack's state")
    monkeypatch.undo()

    stack_file = outdir / "stacks" / "beta" / "cdk.tf.json"
    stack = json.loads(stack_file.read_text())
    stack["terraform"]["backend"]["s3"]["bucket"] = "evil\x1b[2J\nbucket"
    stack_file.write_text(json.dumps(stack))
    refused("s3://evil\\x1b[2J\\x0abucket/finout/beta.tfstate")
