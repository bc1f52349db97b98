import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from specrun.context.assembly import assemble_context, context_window_warning
from specrun.context.prompt_pack import PromptPack, load_prompt_pack
from specrun.errors import InputError
from specrun.gates.limits import Limits

CONSTITUTION = "docs/audits/tenantpilot-architecture-audit-constitution.md"
SPEC_111 = "specs/111-findings-workflow-sla/spec.md"


@pytest.fixture
def pack(example_repo: Path) -> PromptPack:
    return load_prompt_pack("tenantpilot.spec-candidates", example_repo)


def assemble_error(repo: Path, pack: PromptPack) -> str:
    with pytest.raises(InputError) as caught:
        assemble_context(repo, pack)
    return str(caught.value)


def test_assembles_the_six_files_in_order_with_their_digests(
    example_repo: Path, pack: PromptPack
) -> None:
    context = assemble_context(example_repo, pack)
    assert [file.path for file in context.files] == pack.rules.binding_files
    digest = hashlib.sha256((example_repo / SPEC_111).read_bytes()).hexdigest()
    assert context.files[3].sha256 == digest
    assert f'<binding-file path="{SPEC_111}" sha256="{digest}">' in context.system_prompt


def test_system_prompt_is_body_then_files_then_numbering(
    example_repo: Path, pack: PromptPack
) -> None:
    prompt = assemble_context(example_repo, pack).system_prompt
    assert prompt.startswith("You are a Senior Staff Engineer")
    assert "description:" not in prompt
    assert prompt.index("</binding-file>") < prompt.index("# Spec-numbering evidence")
    assert "Status: uncertain" in prompt


def test_same_inputs_give_a_byte_identical_system_prompt(
    example_repo: Path, pack: PromptPack, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere" / "copy"
    shutil.copytree(example_repo, elsewhere)
    first = assemble_context(example_repo, pack).system_prompt
    assert assemble_context(example_repo, pack).system_prompt == first
    assert assemble_context(elsewhere, pack).system_prompt == first


def test_bom_dropped_and_line_endings_normalised_but_digest_is_of_bytes_on_disk(
    example_repo: Path, pack: PromptPack
) -> None:
    raw = "\ufeff# Constitution\r\nArticle 1\rArticle 2\r\n".encode()
    (example_repo / CONSTITUTION).write_bytes(raw)
    file = assemble_context(example_repo, pack).files[0]
    assert file.text == "# Constitution\nArticle 1\nArticle 2\n"
    assert file.sha256 == hashlib.sha256(raw).hexdigest()


def test_token_estimate_tracks_prompt_size(example_repo: Path, pack: PromptPack) -> None:
    context = assemble_context(example_repo, pack)
    assert context.token_estimate == -(-len(context.system_prompt) // 4)


def test_two_missing_files_are_both_named(example_repo: Path, pack: PromptPack) -> None:
    (example_repo / CONSTITUTION).unlink()
    shutil.rmtree(example_repo / "specs/111-findings-workflow-sla")
    message = assemble_error(example_repo, pack)
    assert f"{CONSTITUTION} (missing)" in message
    assert f"{SPEC_111} (missing)" in message


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda path: path.write_bytes(b""), "empty"),
        (lambda path: path.write_text(" \n\t\n"), "empty"),
        (lambda path: path.write_bytes(b"caf\xe9 \xff"), "not UTF-8"),
        (lambda path: (path.unlink(), path.mkdir()), "not a regular file"),
        (lambda path: (path.unlink(), path.symlink_to(path.parent / "gone.md")), "broken symlink"),
    ],
    ids=["empty", "whitespace", "not-utf8", "directory", "broken-symlink"],
)
def test_unusable_binding_file_is_named_with_its_reason(
    example_repo: Path, pack: PromptPack, damage: Callable[[Path], object], reason: str
) -> None:
    damage(example_repo / SPEC_111)
    message = assemble_error(example_repo, pack)
    assert SPEC_111 in message
    assert reason in message


def test_symlink_leaving_the_repository_is_refused(
    example_repo: Path, pack: PromptPack, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("# Looks fine\n")
    target = example_repo / SPEC_111
    target.unlink()
    target.symlink_to(outside)
    assert "outside the repository" in assemble_error(example_repo, pack)


def test_symlink_that_stays_inside_is_fine(example_repo: Path, pack: PromptPack) -> None:
    target = example_repo / SPEC_111
    shutil.move(target, example_repo / "shared-111.md")
    target.symlink_to(Path(os.path.relpath(example_repo / "shared-111.md", target.parent)))
    context = assemble_context(example_repo, pack)
    assert context.files[3].text.startswith("# Feature Specification: Findings Workflow")


def test_missing_repository_is_an_input_error(tmp_path: Path, pack: PromptPack) -> None:
    assert "does not exist" in assemble_error(tmp_path / "nope", pack)


def test_repository_that_is_a_file_is_an_input_error(tmp_path: Path, pack: PromptPack) -> None:
    (tmp_path / "file").write_text("x")
    assert "not a directory" in assemble_error(tmp_path / "file", pack)


def test_an_oversized_binding_file_is_named_without_reading_it_whole(
    example_repo: Path, pack: PromptPack
) -> None:
    (example_repo / SPEC_111).write_bytes(b"x" * 3_000_001)
    message = assemble_error(example_repo, pack)
    assert f"{SPEC_111} (larger than 2 MB; SPECRUN_MAX_BINDING_BYTES raises the limit)" in message


def test_a_fifo_binding_file_is_refused_without_blocking(
    example_repo: Path, pack: PromptPack
) -> None:
    (example_repo / SPEC_111).unlink()
    os.mkfifo(example_repo / SPEC_111)
    assert f"{SPEC_111} (not a regular file)" in assemble_error(example_repo, pack)


def test_an_unreadable_binding_file_is_named(
    example_repo: Path, pack: PromptPack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulated: root reads files whatever their mode."""
    real_open = os.open

    def denying(path: Any, flags: int, *args: Any) -> int:
        if str(path).endswith(SPEC_111):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", denying)
    assert f"{SPEC_111} (unreadable: Permission denied)" in assemble_error(example_repo, pack)


def test_the_system_prompt_has_a_size_cap(example_repo: Path, pack: PromptPack) -> None:
    with pytest.raises(InputError, match="raise SPECRUN_MAX_PROMPT_BYTES") as caught:
        assemble_context(example_repo, pack, Limits(prompt_bytes=10_000))
    assert "over the limit of 10,000 bytes" in str(caught.value)


def test_a_prompt_larger_than_the_context_window_is_warned_about(
    example_repo: Path, pack: PromptPack
) -> None:
    context = assemble_context(example_repo, pack)
    assert context_window_warning(context, "claude-sonnet-5-5") is None
    (example_repo / SPEC_111).write_text("word " * 300_000)
    large = assemble_context(example_repo, pack, Limits(binding_bytes=10**7, prompt_bytes=10**7))
    warning = context_window_warning(large, "qwen2.5:32b")
    assert warning is not None
    assert "more than qwen2.5:32b's context window of 32,768 tokens" in warning
