from pathlib import Path

import pytest

from specrun.config import Config, find_config, read_config, resolve_settings
from specrun.errors import InputError
from specrun.providers import KEYLESS, api_key_for

LOCAL = """
provider = "local"
max_attempts = 2

[providers.local]
kind = "openai"
base_url = "http://127.0.0.1:8080/v1"
model = "llama3"
max_tokens = 8000
"""


def write(folder: Path, text: str, name: str = "specrun.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def config_error(path: Path) -> str:
    with pytest.raises(InputError) as caught:
        read_config(path)
    return str(caught.value)


def test_built_in_defaults_without_any_file(tmp_path: Path) -> None:
    config, source = find_config(None, tmp_path / "repo", tmp_path)
    settings = resolve_settings(config, source, {})
    assert source == "built-in defaults"
    assert (settings.profile_name, settings.profile.kind, settings.max_attempts) == (
        "anthropic",
        "anthropic",
        3,
    )


def test_lookup_order_explicit_then_repository_then_current_directory(tmp_path: Path) -> None:
    repo, cwd = tmp_path / "repo", tmp_path / "cwd"
    write(cwd, 'provider = "openai"\n')
    assert find_config(None, repo, cwd)[0].provider == "openai"
    write(repo, 'provider = "local"\n')
    assert find_config(None, repo, cwd)[0].provider == "local"
    explicit = write(tmp_path, 'provider = "anthropic"\n', "other.toml")
    assert find_config(explicit, repo, cwd)[0].provider == "anthropic"


def test_a_profile_swaps_the_provider(tmp_path: Path) -> None:
    settings = resolve_settings(read_config(write(tmp_path, LOCAL)), "file", {})
    assert settings.profile.base_url == "http://127.0.0.1:8080/v1"
    assert settings.profile.model == "llama3"
    assert settings.profile.max_tokens == 8000
    assert settings.max_attempts == 2


def test_environment_overrides_the_file_and_flags_override_both(tmp_path: Path) -> None:
    config = read_config(write(tmp_path, LOCAL))
    environ = {"SPECRUN_PROVIDER": "openai", "SPECRUN_MODEL": "gpt-4.1-mini"}
    from_environment = resolve_settings(config, "file", environ)
    assert (from_environment.profile_name, from_environment.profile.model) == (
        "openai",
        "gpt-4.1-mini",
    )
    from_flags = resolve_settings(config, "file", environ, "anthropic", "claude-x", 5)
    assert (from_flags.profile_name, from_flags.profile.model, from_flags.max_attempts) == (
        "anthropic",
        "claude-x",
        5,
    )


def test_provider_flag_takes_name_and_model() -> None:
    settings = resolve_settings(Config(), "defaults", {}, "openai/gpt-4.1")
    assert (settings.profile.kind, settings.profile.model) == ("openai", "gpt-4.1")


def test_unknown_provider_lists_the_profiles() -> None:
    with pytest.raises(InputError, match="unknown provider 'mistral'; known profiles: anthropic"):
        resolve_settings(Config(), "defaults", {}, "mistral")


def test_max_attempts_must_be_positive() -> None:
    with pytest.raises(InputError, match="at least 1"):
        resolve_settings(Config(), "defaults", {}, max_attempts=0)


def test_a_typo_is_an_error_naming_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, LOCAL.replace("base_url", "base_ulr"))
    assert "providers.local.base_ulr: unknown key" in config_error(path)


def test_a_wrong_value_is_an_error_naming_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, 'max_attempts = "many"\n')
    assert "max_attempts:" in config_error(path)


def test_a_key_in_the_file_is_refused_without_echoing_it(tmp_path: Path) -> None:
    value = "kv-written-into-config-0042"
    path = write(tmp_path, LOCAL + f'api_key = "{value}"\n')
    message = config_error(path)
    assert "providers.local.api_key" in message
    assert "api_key_env" in message
    assert value not in message


def test_malformed_toml_and_missing_files(tmp_path: Path) -> None:
    assert "cannot be read" in config_error(write(tmp_path, "provider = \n"))
    assert "does not exist" in config_error(tmp_path / "absent.toml")


def test_keys_come_from_the_profiles_variable(tmp_path: Path) -> None:
    settings = resolve_settings(read_config(write(tmp_path, LOCAL)), "file", {})
    assert api_key_for(settings.profile, {}) == KEYLESS
    named = settings.profile.model_copy(update={"api_key_env": "LOCAL_LLM_KEY"})
    assert api_key_for(named, {"LOCAL_LLM_KEY": "from-env"}) == "from-env"
    with pytest.raises(InputError, match="LOCAL_LLM_KEY"):
        api_key_for(named, {})


def test_hosted_providers_need_their_key() -> None:
    settings = resolve_settings(Config(), "defaults", {})
    with pytest.raises(InputError, match="ANTHROPIC_API_KEY"):
        api_key_for(settings.profile, {})


def test_every_built_in_profile_defaults_to_native_structured_output() -> None:
    config = Config()
    for name in ("anthropic", "openai", "local"):
        settings = resolve_settings(config, "built-in defaults", {}, provider=name)
        assert settings.profile.output == "native"


def test_a_profile_may_ask_for_a_strict_tool_instead(tmp_path: Path) -> None:
    path = write(tmp_path, LOCAL + 'output = "tool"\n')
    assert resolve_settings(read_config(path), "file", {}).profile.output == "tool"


def test_an_unknown_output_form_is_refused_naming_the_choices(tmp_path: Path) -> None:
    message = config_error(write(tmp_path, LOCAL + 'output = "json"\n'))
    assert "providers.local.output: Input should be 'native' or 'tool'" in message
