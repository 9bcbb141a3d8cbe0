"""One zero-byte folder object per telemetry: `<prefix>/<telemetry>/`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from finout_s3_telemetry.constructs.cdktf_core import (
    Construct,
    TerraformProvider,
    aws_resource,
    batched_attributes,
)
from finout_s3_telemetry.constructs.props_validation import check_props

from finout_s3_telemetry.naming import (
    folder_key,
    prefix_problem,
    telemetry_key_problem,
    telemetry_problem,
)
from finout_s3_telemetry.terminal_text import quoted

FOLDER_CONTENT_TYPE = "application/x-directory"


@dataclass(frozen=True, kw_only=True)
class TelemetryFoldersProps:
    bucket_name: str
    """The bucket, as a name or a Terraform expression. Required."""
    telemetries: Sequence[str]
    """One folder each. Required, at least one."""
    provider: TerraformProvider
    """The AWS provider. Required."""
    prefix: str = ""
    """Default empty. The S3 path prefix, without leading or trailing slash."""
    depends_on: Sequence[str] = ()
    """Default none. Resources (`type.name`) to create first, e.g. the bucket's versioning, so
    that folder markers are versioned objects from the start."""


class TelemetryFolders(Construct):
    """The telemetry folders, as one `aws_s3_object` with `for_each` keyed by telemetry name.

    Keyed by name, so adding a telemetry plans exactly one new object and removing one deletes
    exactly its (empty) folder marker: files under the folder are never touched.
    """

    @batched_attributes
    def __init__(self, scope: Construct, id: str, props: TelemetryFoldersProps) -> None:
        check_props("TelemetryFolders", _problems(props))
        super().__init__(scope, id)
        self.keys = {t: folder_key(props.prefix, t) for t in props.telemetries}
        self.objects = aws_resource(
            self,
            "objects",
            "aws_s3_object",
            props.provider,
            {
                "for_each": self.keys,
                "bucket": props.bucket_name,
                "key": "${each.value}",
                "content": "",
                "content_type": FOLDER_CONTENT_TYPE,
                **({"depends_on": list(props.depends_on)} if props.depends_on else {}),
            },
            logical_id=id,
        )


def _problems(props: TelemetryFoldersProps) -> list[tuple[str, str | None]]:
    problems: list[tuple[str, str | None]] = [("prefix", prefix_problem(props.prefix))]
    if not props.telemetries:
        problems.append(("telemetries", "is empty; give at least one telemetry"))
    seen: set[str] = set()
    for index, telemetry in enumerate(props.telemetries):
        where = f"telemetries[{index}]"
        if problem := telemetry_problem(telemetry):
            problems.append((where, problem))
            continue
        if telemetry in seen:
            problems.append((where, f"{quoted(telemetry)} is listed twice; list it once"))
        seen.add(telemetry)
        if prefix_problem(props.prefix) is None:
            problems.append((where, telemetry_key_problem(folder_key(props.prefix, telemetry))))
    return problems
