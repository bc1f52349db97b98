import json
import os
import re
import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support import EXAMPLE, FIXTURES, ROOT, Invoke

from specrun.context.prompt_pack import load_prompt_pack, split_front_matter
from specrun.document.model import THEMES
from specrun.errors import InputError

BUNDLED = ROOT / "prompts" / "tenantpilot.spec-candidates.md"


def pack_error(prompt: str, repo: Path) -> str:
    with pytest.raises(InputError) as caught:
        load_prompt_pack(prompt, repo)
    return str(caught.value)


def test_bundled_prompt_loads_with_description_and_rules(tmp_path: Path) -> None:
    pack = load_prompt_pack("tenantpilot.spec-candidates", tmp_path)
    assert pack.source.resolve() == BUNDLED.resolve()
    assert pack.description is not None
    assert pack.description.startswith("Turn TenantPilot architecture audit findings")
    assert pack.body.startswith("You are a Senior Staff Engineer")
    assert len(pack.rules.candidates) == 4


def test_bundled_prompt_keeps_every_instruction_of_the_seed() -> None:
    body = BUNDLED.read_text(encoding="utf-8")
    for instruction in (
        "Do not invent or reserve fixed spec numbers unless the current repository state "
        "proves they are available.",
        "Explicitly say when Livewire public state must be treated as untrusted input.",
        "Explicitly say when negative-path regression tests are required.",
        "Make clear how this extends but does not duplicate Spec 111.",
        "Make clear how this complements but does not duplicate Spec 138.",
        "Do not collapse all four themes into one umbrella spec.",
    ):
        assert instruction in body


def test_rules_name_the_same_binding_files_as_the_prompt(tmp_path: Path) -> None:
    pack = load_prompt_pack("tenantpilot.spec-candidates", tmp_path)
    listed = re.findall(r"^- `([^`]+)`$", pack.body, flags=re.MULTILINE)
    assert listed == pack.rules.binding_files


def test_rules_themes_are_the_schemas_themes(tmp_path: Path) -> None:
    rules = load_prompt_pack("tenantpilot.spec-candidates", tmp_path).rules
    assert tuple(candidate.theme for candidate in rules.candidates) == THEMES


def test_front_matter_is_parsed_as_codex_does() -> None:
    header, body = split_front_matter(
        "---\ndescription: Do a thing\nargument-hint: FILE=<path>\n---\nBody text\n"
    )
    assert header == {"description": "Do a thing", "argument-hint": "FILE=<path>"}
    assert body == "Body text\n"


def test_missing_closing_marker_means_no_front_matter() -> None:
    text = "---\ndescription: never closed\nBody text\n"
    assert split_front_matter(text) == ({}, text)


def test_repository_prompt_wins_over_bundled_and_uses_bundled_rules(tmp_path: Path) -> None:
    prompts = tmp_path / ".codex" / "prompts"
    prompts.mkdir(parents=True)
    (prompts / "tenantpilot.spec-candidates.md").write_text(
        "---\ndescription: local copy\n---\nLocal body\n"
    )
    pack = load_prompt_pack("tenantpilot.spec-candidates", tmp_path)
    assert pack.description == "local copy"
    assert pack.body == "Local body\n"
    assert pack.rules.binding_files[0].endswith("audit-constitution.md")


def test_prompt_path_with_rules_beside_it(tmp_path: Path) -> None:
    shutil.copy(BUNDLED, tmp_path / "mine.md")
    shutil.copy(
        BUNDLED.with_name("tenantpilot.spec-candidates.rules.toml"), tmp_path / "mine.rules.toml"
    )
    assert load_prompt_pack(str(tmp_path / "mine.md"), tmp_path).name == "mine"


def test_prompt_path_without_rules_is_refused(tmp_path: Path) -> None:
    (tmp_path / "mine.md").write_text("Body\n")
    assert "has no rules data" in pack_error(str(tmp_path / "mine.md"), tmp_path)


def test_unknown_prompt_name_lists_the_bundled_ones(tmp_path: Path) -> None:
    message = pack_error("no-such-prompt", tmp_path)
    assert "unknown prompt 'no-such-prompt'" in message
    assert "tenantpilot.spec-candidates" in message


def test_missing_prompt_path(tmp_path: Path) -> None:
    assert "does not exist" in pack_error(str(tmp_path / "absent.md"), tmp_path)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"---\ndescription: [unclosed\n---\nBody\n", "malformed front matter"),
        (b"---\n- a list\n---\nBody\n", "malformed front matter"),
        (b"---\ndescription: only a header\n---\n\n", "no prompt text"),
        (b"\xff\xfe not utf-8", "not UTF-8"),
    ],
    ids=["bad-yaml", "not-a-mapping", "empty-body", "not-utf8"],
)
def test_malformed_prompt_file_is_an_input_error(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    prompts = tmp_path / ".codex" / "prompts"
    prompts.mkdir(parents=True)
    (prompts / "tenantpilot.spec-candidates.md").write_bytes(content)
    assert expected in pack_error("tenantpilot.spec-candidates", tmp_path)


def test_malformed_rules_data_is_an_input_error(tmp_path: Path) -> None:
    shutil.copy(BUNDLED, tmp_path / "mine.md")
    (tmp_path / "mine.rules.toml").write_text('binding_files = ["a.md"]\nbinding_fils = []\n')
    assert "rules data" in pack_error(str(tmp_path / "mine.md"), tmp_path)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda text: text + '\n[rubrics.SC999]\nrule = "r"\nquestion = "q"\n',
            "malformed: rubrics: unknown rule code SC999; fix the file",
        ),
        (
            lambda text: text.replace("[rubrics.SC602]", "[rubrics_unused.SC602]"),
            "malformed: rubrics: no rubric for SC602",
        ),
        (
            lambda text: text.replace(
                'question = "Is the text written in English', 'question = ""\nq = "'
            ),
            "malformed: rubrics.SC601",
        ),
    ],
    ids=["unknown-code", "missing-rubric", "empty-question"],
)
def test_rubrics_are_checked_when_the_pack_loads(
    invoke: Invoke, tmp_path: Path, change: Callable[[str], str], expected: str
) -> None:
    shutil.copy(BUNDLED, tmp_path / "mine.md")
    rules = BUNDLED.with_name("tenantpilot.spec-candidates.rules.toml").read_text()
    (tmp_path / "mine.rules.toml").write_text(change(rules))
    result = invoke(
        "check", FIXTURES / "valid-result.json", "--repo", EXAMPLE, "--prompt", tmp_path / "mine.md"
    )
    assert result.exit_code == 2
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


RULES = BUNDLED.with_name("tenantpilot.spec-candidates.rules.toml")


def edited_pack(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the bundled pack with one edit to its rules data (every occurrence)."""
    text = RULES.read_text(encoding="utf-8")
    assert old in text
    shutil.copy(BUNDLED, tmp_path / "mine.md")
    (tmp_path / "mine.rules.toml").write_text(text.replace(old, new), encoding="utf-8")
    return tmp_path / "mine.md"


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        (
            "[statements.livewire_public_state_untrusted",
            "[statements.livewire_public_state_untrustd",
            "statements.livewire_public_state_untrustd is not an explicit statement",
        ),
        ('required_for = ["A", "D"]', 'required_for = ["A", "d"]', "required_for[1]"),
        ('required_for = ["A", "D"]', 'required_for = ["A", "E"]', "names unknown ['E']"),
        ('letter = "B"', 'letter = "b"', "candidates[1].letter"),
        ('letter = "B"', 'letter = "C"', "candidates[1].letter is 'C', expected 'B'"),
        (
            'theme = "tenant-owned-query-canon"',
            'theme = "tenant-owned-query-canons"',
            "candidates[1].theme is 'tenant-owned-query-canons'",
        ),
        ('candidate = "C"', 'candidate = "c"', "required_boundaries[0].candidate"),
        ('hedges = ["maybe",', 'hedges = ["", "maybe",', "hedges[0]: a term must not be empty"),
        ('asserts = ["untrusted",', 'asserts = [" - ",', "asserts[0]: a term must not be empty"),
        ("prose_min_words = 3", "prose_min_word = 3", "prose_min_word: unknown key"),
        ('code = "SC301"', 'code = "sc301"', "statements.ui_only_authorization_insufficient.code"),
        (
            'code = "SC301"',
            'code = "SC399"',
            "statements.ui_only_authorization_insufficient.code is 'SC399', expected 'SC301'",
        ),
        (
            'code = "SC301"',
            'code = "SC302"',
            "statements.ui_only_authorization_insufficient.code is 'SC302', expected 'SC301'",
        ),
        ('hedges = ["maybe",', 'hedges = [] # "maybe",', "hedges"),
        ("non_duplication = [", "non_duplication = [] # [", "non_duplication"),
        (
            'dismissals = ["not applicable", "n/a", "does not apply", "not relevant", '
            '"irrelevant", "no livewire"',
            'dismissals = [] # ["not applicable", "n/a", "does not apply", '
            '"not relevant", "irrelevant", "no livewire"',
            "dismissals",
        ),
        ('optional_keywords = ["MAY",', 'optional_keywords = ["may",', "optional_keywords[0]"),
        ('informal = ["honestly",', 'informal = ["", "honestly",', "informal[0]"),
        ("epistemic = [", "epistemics = [", "epistemics: unknown key"),
    ],
    ids=[
        "statement-key-typo",
        "lower-case-letter",
        "unknown-letter",
        "lower-case-candidate-letter",
        "letters-out-of-order",
        "theme-typo",
        "lower-case-boundary-letter",
        "empty-hedge",
        "blank-assertion",
        "unknown-key",
        "malformed-code",
        "unknown-statement-code",
        "another-statement's-code",
        "no-hedges",
        "no-non-duplication",
        "no-dismissals",
        "lower-case-keyword",
        "empty-informal-marker",
        "epistemic-typo",
    ],
)
def test_rules_data_that_would_drift_is_refused_naming_the_key(
    tmp_path: Path, old: str, new: str, named: str
) -> None:
    message = pack_error(str(edited_pack(tmp_path, old, new)), tmp_path)
    assert named in message
    assert len(message.splitlines()) == 1
    assert message.endswith("fix the file")


def test_check_with_broken_rules_data_exits_2_with_one_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    prompt = edited_pack(tmp_path, 'hedges = ["maybe",', 'hedges = ["", "maybe",')
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "specrun",
            "check",
            str(ROOT / "tests" / "fixtures" / "valid-result.json"),
            "--repo",
            str(ROOT / "examples" / "tenantatlas"),
            "--prompt",
            str(prompt),
        ],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 2
    assert completed.stdout == ""
    [line] = completed.stderr.strip().splitlines()
    assert "hedges[0]: a term must not be empty" in line
    assert "Traceback" not in completed.stderr


def repo_prompt(repo: Path, name: str = "mine") -> Path:
    prompts = repo / ".codex" / "prompts"
    prompts.mkdir(parents=True, exist_ok=True)
    return prompts / f"{name}.md"


def test_a_repository_prompt_symlinked_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("Secrets of the machine\n")
    repo = tmp_path / "repo"
    link = repo_prompt(repo)
    link.symlink_to(outside)
    shutil.copy(
        BUNDLED.with_name("tenantpilot.spec-candidates.rules.toml"),
        link.with_name("mine.rules.toml"),
    )
    assert pack_error("mine", repo) == (
        f"prompt file {link} lies outside the repository once symlinks are resolved; "
        "a repository's prompt must be a file inside it"
    )


def test_repository_rules_symlinked_out_of_the_repository_are_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.rules.toml"
    shutil.copy(BUNDLED.with_name("tenantpilot.spec-candidates.rules.toml"), outside)
    repo = tmp_path / "repo"
    prompt = repo_prompt(repo)
    shutil.copy(BUNDLED, prompt)
    rules = prompt.with_name("mine.rules.toml")
    rules.symlink_to(outside)
    assert pack_error("mine", repo) == (
        f"rules data {rules} lies outside the repository once symlinks are resolved; "
        "a repository's prompt must be a file inside it"
    )


def test_a_symlink_inside_the_repository_is_followed(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copy(BUNDLED, repo_prompt(repo, "real"))
    repo_prompt(repo, "tenantpilot.spec-candidates").symlink_to(repo_prompt(repo, "real"))
    assert load_prompt_pack("tenantpilot.spec-candidates", repo).body.startswith(
        "You are a Senior Staff Engineer"
    )


def test_a_prompt_that_is_not_a_regular_file_is_refused_without_opening_it(
    tmp_path: Path,
) -> None:
    fifo = tmp_path / "fifo.md"
    os.mkfifo(fifo)
    assert pack_error(str(fifo), tmp_path) == (
        f"prompt file {fifo} is not a regular file; pass a text file"
    )
    repo = tmp_path / "repo"
    repo_prompt(repo).mkdir()
    assert "is not a regular file" in pack_error("mine", repo)


def test_an_oversized_prompt_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    big.write_text("word " * 300_000)
    assert pack_error(str(big), tmp_path) == (f"prompt file {big} is larger than 1,000,000 bytes")


def test_a_prompt_swapped_for_a_fifo_after_the_check_is_refused_unread(tmp_path: Path) -> None:
    prompt = tmp_path / "mine.md"
    prompt.write_text("Body\n")
    shutil.copy(
        ROOT / "prompts" / "tenantpilot.spec-candidates.rules.toml", tmp_path / "mine.rules.toml"
    )
    real_fstat = os.fstat

    def as_a_fifo(descriptor: int) -> os.stat_result:
        found = real_fstat(descriptor)
        if Path(f"/proc/self/fd/{descriptor}").readlink() == prompt:
            return os.stat_result((0o010644, *tuple(found)[1:]))
        return found

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "fstat", as_a_fifo)
        assert pack_error(str(prompt), tmp_path) == (
            f"prompt file {prompt} is not a regular file; pass a text file"
        )


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_prompt_is_an_input_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked.md"
    locked.write_text("Body\n")
    locked.chmod(0)
    assert pack_error(str(locked), tmp_path) == (
        f"prompt file {locked} cannot be read: Permission denied"
    )


def test_a_front_matter_alias_bomb_is_refused_before_expansion() -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 12)]
    text = "---\n" + "\n".join(lines) + "\n---\nBody\n"
    with pytest.raises(ValueError, match=r"uses a YAML alias \(\*name\)"):
        split_front_matter(text)


def test_an_oversized_front_matter_is_refused() -> None:
    text = "---\ndescription: " + "x" * 70_000 + "\n---\nBody\n"
    with pytest.raises(ValueError, match="front matter is longer than 64,000 characters"):
        split_front_matter(text)


def test_a_front_matter_alias_bomb_in_a_repository_prompt_is_an_input_error(
    tmp_path: Path,
) -> None:
    prompt = repo_prompt(tmp_path, "tenantpilot.spec-candidates")
    prompt.write_text("---\na: &a [1, 2]\nb: [*a, *a]\n---\nBody\n")
    assert pack_error("tenantpilot.spec-candidates", tmp_path) == (
        f"prompt file {prompt} has malformed front matter (front matter uses a YAML alias "
        "(*name), which specrun does not expand); fix the block between the --- lines"
    )


def hostile_pack(repo: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """A repository prompt whose rules data is the bundled one, changed."""
    rules = tomllib.loads(RULES.read_text(encoding="utf-8"))
    change(rules)
    prompts = repo / ".codex" / "prompts"
    prompts.mkdir(parents=True)
    shutil.copy(BUNDLED, prompts / "mine.md")
    (prompts / "mine.rules.toml").write_text(toml_text(rules), encoding="utf-8")


def toml_text(table: dict[str, Any], prefix: str = "") -> str:
    """Just enough TOML writing for rules data: scalars, lists, tables, arrays of tables."""
    plain, tables = [], []
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            tables.append(f"\n[{name}]\n" + toml_text(value, name))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            tables += [f"\n[[{name}]]\n" + toml_text(item, name) for item in value]
        else:
            plain.append(f"{key} = {json.dumps(value)}\n")
    return "".join(plain + tables)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (
            lambda rules: rules["hedges"].extend(f"hedge{i}" for i in range(15_000)),
            "hedges: holds 15,0",
        ),
        (
            lambda rules: rules["statements"]["livewire_public_state_untrusted"]["concept"][
                "dismissals"
            ].extend(["waved away"] * 501),
            "statements.livewire_public_state_untrusted.concept.dismissals: holds 5",
        ),
        (
            lambda rules: rules["candidates"][1]["signatures"].append("query " * 30),
            "candidates[1].signatures[",
        ),
        (
            lambda rules: rules["candidates"][0]["directions"].extend(
                [{"name": "more", "all_of": [["more"]]}] * 101
            ),
            "candidates[0].directions: holds 1",
        ),
    ],
    ids=["terms-in-a-list", "terms-in-a-concept", "term-length", "concepts-in-a-list"],
)
def test_a_repository_rules_file_is_bounded(
    invoke: Invoke, example_repo: Path, change: Callable[[dict[str, Any]], None], named: str
) -> None:
    hostile_pack(example_repo, change)
    result = invoke(
        "check", FIXTURES / "valid-result.json", "--repo", example_repo, "--prompt", "mine"
    )
    assert result.exit_code == 2
    assert f"rules data {example_repo}/.codex/prompts/mine.rules.toml is malformed" in result.stderr
    assert named in result.stderr
    assert "at most" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_rules_at_the_bounds_load_and_judge_as_before(invoke: Invoke, example_repo: Path) -> None:
    def fill(rules: dict[str, Any]) -> None:
        rules["hedges"] += [f"zq{'x' * 100}{i}" for i in range(500 - len(rules["hedges"]))]

    hostile_pack(example_repo, fill)
    mid = FIXTURES / "answers" / "mid-2.json"
    bounded = invoke("check", mid, "--repo", example_repo, "--prompt", "mine", "--json")
    bundled = invoke("check", mid, "--repo", example_repo, "--json")
    assert bounded.exit_code == bundled.exit_code == 1
    assert json.loads(bounded.stdout) == json.loads(bundled.stdout)
