"""The markdown summary stays under GitHub's 65,536-character comment limit and says what it left
out; essentials (warnings, headlines, external ID changes) are the last to go."""

from __future__ import annotations

import json
import re

import pytest
from plan_json import folder, resource, role_update, stack_plan, trust_document

from finout_s3_telemetry.plan_summary import renderer, summarize
from finout_s3_telemetry.plan_summary.budget import GITHUB_COMMENT_LIMIT, Block, fit
from finout_s3_telemetry.plan_summary.plan_model import StackPlan
from finout_s3_telemetry.plan_summary.render_markdown import MARKER

FINOUT = "arn:aws:iam::123456789012:root"


def huge_trust_policy(external_id: str, statements: int) -> str:
    document = json.loads(trust_document(FINOUT, external_id))
    filler = {"Effect": "Deny", "Action": "sts:AssumeRole", "Principal": {"AWS": FINOUT}}
    document["Statement"] += [dict(filler, Sid=f"Filler{i:05d}") for i in range(statements)]
    return json.dumps(document)


def huge_stack(name: str, folders: int = 1500, statements: int = 400) -> StackPlan:
    bucket = resource(
        "aws_s3_bucket.telemetry_bucket",
        "delete",
        {"bucket": f"{name}-bucket", "force_destroy": True},
    )
    role = role_update(
        huge_trust_policy("finout-aaa", statements), huge_trust_policy("finout-bbb", statements)
    )
    return stack_plan(name, [bucket, role, *(folder(f"telemetry_{i:05d}") for i in range(folders))])


def balanced(markdown: str) -> None:
    assert markdown.count("<details>") == markdown.count("</details>")
    fences = [line for line in markdown.splitlines() if re.fullmatch(r"`{3,}(diff)?", line)]
    assert len(fences) % 2 == 0


def test_a_small_summary_is_not_shortened() -> None:
    rendered = renderer("markdown").render(summarize([stack_plan("main", [folder("bytes")])]))
    assert "Left out" not in rendered


def test_a_huge_plan_is_cut_to_the_limit_with_a_note() -> None:
    plans = [huge_stack("main"), huge_stack("data-platform")]
    summary = summarize(plans)
    full = renderer("text").render(summary)
    assert len(full) > 4 * GITHUB_COMMENT_LIMIT  # the test really is about a huge plan

    rendered = renderer("markdown").render(summary)

    assert len(rendered) <= GITHUB_COMMENT_LIMIT
    assert rendered.startswith(MARKER + "\n")
    note = next(line for line in rendered.splitlines() if line.startswith("> Left out"))
    assert "Left out to stay under GitHub's 65,536-character comment limit:" in note
    assert "resource change lists: 2 (main, data-platform)" in note
    assert "policy diffs: 2 (main, data-platform)" in note
    assert "finout-telemetry plan-summary --format text" in note
    # What a reviewer must see survives.
    for stack in ("main", "data-platform"):
        assert (
            f"The bucket `{stack}-bucket` (`aws_s3_bucket.telemetry_bucket`) will be DELETED"
            in rendered
        )
        assert f"`{stack}`: 1500 to create, 1 to update, 0 to replace, 1 to delete" in rendered
    assert rendered.count("External ID changes from finout-aaa to finout-bbb.") == 2
    balanced(rendered)


def test_a_dropped_folder_list_leaves_its_count() -> None:
    rendered = renderer("markdown").render(summarize([huge_stack("main", folders=4000)]))
    assert len(rendered) <= GITHUB_COMMENT_LIMIT
    assert "new folder lists: 1 (main)" in rendered
    assert (
        "New telemetry folders: 4000 (the list was left out; after the deploy it is the "
        in rendered
    )


def test_thousands_of_stacks_fit_and_the_note_names_a_few() -> None:
    plans = [stack_plan(f"stack-{i:04d}", [folder("bytes")]) for i in range(3000)]
    plans += [stack_plan(f"quiet-{i:04d}", []) for i in range(3000)]
    rendered = renderer("markdown").render(summarize(plans))
    assert len(rendered) <= GITHUB_COMMENT_LIMIT
    assert "6000 stacks: 3000 with changes, 3000 unchanged." in rendered
    assert "**Unchanged stacks:** 3000.\n" in rendered
    note = next(line for line in rendered.splitlines() if line.startswith("> Left out"))
    assert re.search(r"stack sections: \d+ \(stack-\d{4}(, stack-\d{4}){7}, \d+ more\)", note)
    balanced(rendered)


@pytest.mark.parametrize("limit", [400, 2_000, 20_000])
def test_any_limit_is_kept(limit: int) -> None:
    rendered = renderer("markdown", limit=limit).render(summarize([huge_stack("main")]))
    assert len(rendered) <= limit
    assert rendered.startswith(MARKER)


def test_fit_drops_the_least_important_last_block_first_and_keeps_fallbacks() -> None:
    blocks = [
        Block(text="title\n", keep=True),
        Block(text="a" * 50 + "\n", priority=2, category="lists", stack="one"),
        Block(text="b" * 50 + "\n", priority=2, category="lists", stack="two", fallback="b?\n"),
        Block(text="c" * 50 + "\n", priority=1, category="calls", stack="two"),
    ]
    text = fit(blocks, 150, lambda items: f"[{items}]\n")
    assert text == "title\n[[('lists', 1, ['two'])]]\n" + "a" * 50 + "\nb?\n" + "c" * 50 + "\n"
