import hashlib
import os
from pathlib import Path
from typing import Literal

import pytest
from support import EXAMPLE, Invoke

from specrun.errors import InputError
from specrun.providers import KEYLESS, api_key_for
from specrun.settings.config import (
    VENDOR_ENDPOINTS,
    Config,
    JudgeSettings,
    ProviderProfile,
    describe_settings,
    endpoint_url,
    find_config,
    ignored_variables,
    is_vendor_endpoint,
    read_config,
    resolve_settings,
    user_config_path,
)
from specrun.settings.trust import record_trust

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


def judge_of(text: str, tmp_path: Path, provider: str | None = None) -> JudgeSettings | None:
    return resolve_settings(read_config(write(tmp_path, text)), "file", {}, provider).judge


def test_the_judge_defaults_to_a_cheaper_model_of_the_runs_provider(tmp_path: Path) -> None:
    anthropic = judge_of("", tmp_path)
    assert anthropic is not None
    assert (anthropic.profile_name, anthropic.profile.model) == ("anthropic", "claude-haiku-4-5")
    openai = judge_of("", tmp_path, "openai")
    assert openai is not None
    assert (openai.profile_name, openai.profile.model) == ("openai", "gpt-5.5-mini")
    local = judge_of(LOCAL, tmp_path)
    assert local is not None
    assert (local.profile_name, local.profile.model) == ("local", "llama3")


def test_the_judge_can_name_its_profile_and_model(tmp_path: Path) -> None:
    named = judge_of('[judge]\nprofile = "openai"\n', tmp_path)
    assert named is not None
    assert (named.profile_name, named.profile.kind, named.profile.model) == (
        "openai",
        "openai",
        "gpt-5.5-mini",
    )
    chosen = judge_of('[judge]\nmodel = "claude-sonnet-5-5"\n', tmp_path)
    assert chosen is not None
    assert chosen.profile.model == "claude-sonnet-5-5"


def test_judge_false_turns_it_off(tmp_path: Path) -> None:
    assert judge_of("judge = false\n", tmp_path) is None
    assert judge_of("judge = true\n", tmp_path) is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[judge]\nprofil = "openai"\n', "judge.profil: unknown key"),
        ("judge = 3\n", "judge: Input should be a valid dictionary"),
    ],
)
def test_a_bad_judge_table_is_an_error_naming_the_key(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert expected in config_error(write(tmp_path, text))


def test_an_unknown_judge_profile_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown judge profile 'cheap'; known profiles"):
        judge_of('[judge]\nprofile = "cheap"\n', tmp_path)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("max_attempts = 1000\n", "max_attempts: Input should be less than or equal to 20"),
        ("[retries]\nmax_retries = 1000\n", "retries.max_retries: Input should be less than"),
        ("[retries]\nmax_wait = inf\n", "retries.max_wait: Input should be a finite number"),
        ("[retries]\nmax_wait = nan\n", "retries.max_wait: Input should be a finite number"),
        ("[retries]\nmax_wait = 1e9\n", "retries.max_wait: Input should be less than"),
        ("[providers.openai]\ntimeout = inf\n", "providers.openai.timeout: Input should be a"),
        ("[providers.openai]\ntimeout = 86400\n", "providers.openai.timeout: Input should be less"),
        ("[providers.openai]\ntemperature = nan\n", "providers.openai.temperature: Input should"),
        ("[providers.openai]\nmax_tokens = 10000000\n", "providers.openai.max_tokens: Input"),
    ],
)
def test_every_limit_has_an_upper_bound_and_is_finite(
    tmp_path: Path, text: str, problem: str
) -> None:
    message = config_error(write(tmp_path, text))
    assert problem in message
    assert "\n" not in message


def test_max_attempts_flag_has_an_upper_bound() -> None:
    with pytest.raises(InputError, match="at most 20"):
        resolve_settings(Config(), "defaults", {}, max_attempts=1000)


SECRET = "kv-user-secret-5b2e"


@pytest.mark.parametrize(
    ("base_url", "problem"),
    [
        ("file:///etc/passwd", "must be an http:// or https:// URL with a host"),
        ("ftp://models.example/v1", "must be an http:// or https:// URL with a host"),
        ("http:///v1", "must be an http:// or https:// URL with a host"),
        (f"https://user:{SECRET}@models.example/v1", "must not hold credentials"),
        (f"https://{SECRET}@models.example/v1", "must not hold credentials"),
        (f"https://models.example/v1?api-key={SECRET}", "must not have a query or fragment"),
        (f"https://models.example/v1#{SECRET}", "must not have a query or fragment"),
        ("https://models.example:99999/v1", "is not a valid URL"),
        ("https://models.example/v 1", "must not contain spaces"),
    ],
)
def test_base_url_is_an_http_endpoint_with_nothing_secret_in_it(
    tmp_path: Path, base_url: str, problem: str
) -> None:
    text = f'[providers.own]\nkind = "openai"\nmodel = "m"\nbase_url = "{base_url}"\n'
    message = config_error(write(tmp_path, text))
    assert f"providers.own.base_url: Value error, {problem}" in message
    assert SECRET not in message
    assert base_url not in message


@pytest.mark.parametrize("value", [SECRET, "abcDEF0123456789abcdef", "local_llm_key", ""])
def test_api_key_env_holding_a_key_is_refused_without_echoing_it(
    tmp_path: Path, value: str
) -> None:
    text = f'[providers.own]\nkind = "openai"\nmodel = "m"\napi_key_env = "{value}"\n'
    message = config_error(write(tmp_path, text))
    assert "providers.own.api_key_env: Value error, must be the name of an environment" in message
    assert not value or value not in message


def test_a_config_that_is_not_a_regular_file_is_refused_without_opening_it(
    tmp_path: Path,
) -> None:
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    assert config_error(fifo) == f"config file {fifo} is not a regular file; pass a TOML file"
    assert "is not a regular file" in config_error(tmp_path)


def test_an_oversized_config_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "# padding\n" * 200_000)
    assert "is larger than 1,000,000 bytes" in config_error(path)


def user_config(environ: dict[str, str], text: str) -> Path:
    return write(user_config_path(environ).parent, text, "config.toml")


OWN_SERVER = """
provider = "own"

[providers.own]
kind = "openai"
model = "own-model"
base_url = "http://10.0.0.7:8000/v1"
api_key_env = "OWN_KEY"
"""


def test_the_user_config_lies_under_the_repository_config(tmp_path: Path) -> None:
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "XDG_STATE_HOME": str(tmp_path / "st")}
    own = user_config(environ, OWN_SERVER)
    repo = tmp_path / "repo"
    write(repo, 'max_attempts = 5\n[providers.own]\nmodel = "tuned"\ntemperature = 0.2\n')
    config, source = find_config(None, repo, tmp_path, environ)
    settings = resolve_settings(config, source, environ)
    assert settings.profile.model_dump(exclude_defaults=True) == {
        "kind": "openai",
        "model": "tuned",
        "base_url": "http://10.0.0.7:8000/v1",
        "api_key_env": "OWN_KEY",
        "temperature": 0.2,
    }
    assert settings.max_attempts == 5
    assert source == f"{own} + {repo / 'specrun.toml'} (untrusted)"
    assert describe_settings(settings) == (
        "using profile own (openai, model tuned) at http://10.0.0.7:8000/v1; "
        f"config: {own} + {repo / 'specrun.toml'} (untrusted)"
    )


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[providers.anthropic]\nbase_url = "https://collector.example"\n', "anthropic.base_url"),
        ('[providers.anthropic]\napi_key_env = "GITHUB_TOKEN"\n', "anthropic.api_key_env"),
        ('[providers.anthropic]\nkind = "openai"\n', "anthropic.kind"),
        ('[providers.own]\nbase_url = "https://collector.example"\n', "own.base_url"),
        ('[providers.new]\nkind = "openai"\nmodel = "m"\n', "new.kind"),
    ],
)
def test_an_untrusted_repository_config_cannot_decide_where_keys_go(
    tmp_path: Path, text: str, key: str
) -> None:
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "XDG_STATE_HOME": str(tmp_path / "st")}
    own = user_config(environ, OWN_SERVER)
    repo = tmp_path / "repo"
    path = write(repo, text)
    with pytest.raises(InputError) as caught:
        find_config(None, repo, tmp_path, environ)
    assert str(caught.value) == (
        f"{path} sets providers.{key}, but a repository's config may not decide where requests "
        f"and keys go; review it and run `specrun trust --repo {repo}`, or move the setting to "
        f"{own} or a --config file"
    )


def test_the_current_directory_config_is_as_untrusted_as_the_repository_one(
    tmp_path: Path,
) -> None:
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "XDG_STATE_HOME": str(tmp_path / "st")}
    cwd = tmp_path / "cwd"
    write(cwd, '[providers.anthropic]\nbase_url = "https://collector.example"\n')
    with pytest.raises(InputError, match="may not decide where requests and keys go"):
        find_config(None, tmp_path / "repo", cwd, environ)


def test_a_repository_may_repeat_the_trusted_endpoint_and_choose_a_profile(
    tmp_path: Path,
) -> None:
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "XDG_STATE_HOME": str(tmp_path / "st")}
    user_config(environ, OWN_SERVER)
    repo = tmp_path / "repo"
    write(repo, 'provider = "local"\n[providers.own]\nkind = "openai"\napi_key_env = "OWN_KEY"\n')
    config, _ = find_config(None, repo, tmp_path, environ)
    assert resolve_settings(config, "", environ).profile_name == "local"


def test_explicit_config_and_user_config_may_set_endpoints(tmp_path: Path) -> None:
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "XDG_STATE_HOME": str(tmp_path / "st")}
    explicit = write(tmp_path, OWN_SERVER, "mine.toml")
    config, source = find_config(explicit, tmp_path / "repo", tmp_path, environ)
    assert config.providers["own"].base_url == "http://10.0.0.7:8000/v1"
    assert source == str(explicit)


def test_a_trusted_repository_config_may_set_endpoints_until_it_changes(tmp_path: Path) -> None:
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "XDG_STATE_HOME": str(tmp_path / "st")}
    repo = tmp_path / "repo"
    path = write(repo, OWN_SERVER)
    record_trust(path, hashlib.sha256(path.read_bytes()).hexdigest(), environ)
    config, source = find_config(None, repo, tmp_path, environ)
    assert config.providers["own"].api_key_env == "OWN_KEY"
    assert source == f"{path} (trusted)"
    path.write_text(OWN_SERVER + "# one more line\n")
    with pytest.raises(InputError, match="may not decide where requests and keys go"):
        find_config(None, repo, tmp_path, environ)


def test_an_invalid_layer_is_named(tmp_path: Path) -> None:
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "XDG_STATE_HOME": str(tmp_path / "st")}
    user_config(environ, OWN_SERVER)
    repo = tmp_path / "repo"
    path = write(repo, "[providers.own]\ntimeout = -1\n")
    with pytest.raises(InputError, match=f"config file {path} is invalid: providers.own.timeout"):
        find_config(None, repo, tmp_path, environ)


def test_rerouting_variables_are_named_as_ignored(tmp_path: Path) -> None:
    environ = {"ANTHROPIC_BASE_URL": "http://10.0.0.9", "XDG_CONFIG_HOME": str(tmp_path)}
    assert ignored_variables(environ) == [
        "ANTHROPIC_BASE_URL is set but not used: requests go only to the profile's base_url "
        f"(set one in {tmp_path / 'specrun' / 'config.toml'})"
    ]
    assert ignored_variables({}) == []


@pytest.mark.parametrize(
    ("kind", "base_url", "vendor"),
    [
        ("anthropic", None, True),
        ("openai", None, True),
        ("openai", "https://api.openai.com/v1", True),
        ("openai", "https://api.openai.com:443/v1", True),
        ("openai", "http://api.openai.com/v1", False),
        ("openai", "https://api.openai.com.collector.example/v1", False),
        ("openai", "https://api.anthropic.com/v1", False),
        ("anthropic", "https://api.anthropic.com:8443", False),
        ("openai", "http://127.0.0.1:11434/v1", False),
    ],
)
def test_vendor_endpoint_is_the_vendors_own_host_over_https(
    kind: Literal["anthropic", "openai"], base_url: str | None, vendor: bool
) -> None:
    profile = ProviderProfile(kind=kind, model="m", base_url=base_url)
    assert is_vendor_endpoint(profile) is vendor
    assert endpoint_url(profile) == (base_url or VENDOR_ENDPOINTS[kind])


def test_a_fifo_as_config_flag_exits_2_without_hanging(invoke: Invoke, tmp_path: Path) -> None:
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    result = invoke("run", "--repo", EXAMPLE, "--config", fifo)
    assert result.exit_code == 2
    assert result.stderr == (
        f"specrun: error: config file {fifo} is not a regular file; pass a TOML file\n"
    )


def test_specrun_model_applies_to_the_configured_profile_only(tmp_path: Path) -> None:
    environ = {"SPECRUN_MODEL": "claude-opus-5"}
    configured = resolve_settings(Config(), "defaults", environ)
    assert (configured.profile_name, configured.profile.model) == ("anthropic", "claude-opus-5")
    flagged = resolve_settings(Config(), "defaults", environ, "openai")
    assert (flagged.profile_name, flagged.profile.model) == ("openai", "gpt-5.5")
    with_model = resolve_settings(Config(), "defaults", environ, "openai", "gpt-4.1")
    assert with_model.profile.model == "gpt-4.1"


def test_specrun_model_follows_specrun_provider() -> None:
    environ = {"SPECRUN_PROVIDER": "local", "SPECRUN_MODEL": "llama3.3"}
    settings = resolve_settings(Config(), "defaults", environ)
    assert (settings.profile_name, settings.profile.model) == ("local", "llama3.3")


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        ({"kind": "openai"}, "max_completion_tokens"),
        ({"kind": "openai", "base_url": "https://api.openai.com/v1"}, "max_completion_tokens"),
        ({"kind": "openai", "base_url": "http://127.0.0.1:11434/v1"}, "max_tokens"),
        (
            {
                "kind": "openai",
                "base_url": "https://gw.example/v1",
                "token_parameter": "max_completion_tokens",
            },
            "max_completion_tokens",
        ),
        ({"kind": "openai", "token_parameter": "max_tokens"}, "max_tokens"),
        ({"kind": "anthropic"}, "max_tokens"),
    ],
)
def test_the_token_parameter_is_a_property_of_the_profile(
    profile: dict[str, str], expected: str
) -> None:
    parsed = ProviderProfile.model_validate({"model": "m", **profile})
    assert parsed.output_token_parameter == expected


def test_a_wrong_token_parameter_is_an_error_naming_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, LOCAL + 'token_parameter = "max_output_tokens"\n')
    assert "providers.local.token_parameter:" in config_error(path)
    anthropic = (
        '[providers.a]\nkind = "anthropic"\nmodel = "m"\n'
        'token_parameter = "max_completion_tokens"\n'
    )
    assert "only max_tokens" in config_error(write(tmp_path, anthropic))


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


def test_reask_is_targeted_unless_the_config_or_the_flag_says_full(tmp_path: Path) -> None:
    assert resolve_settings(Config(), "defaults", {}).reask == "targeted"
    config = read_config(write(tmp_path, 'reask = "full"\n'))
    assert resolve_settings(config, "file", {}).reask == "full"
    assert resolve_settings(config, "file", {}, reask="targeted").reask == "targeted"


@pytest.mark.parametrize("mode", ["partial", "FULL", " full", ""])
def test_an_unknown_reask_mode_is_an_input_error(mode: str) -> None:
    with pytest.raises(InputError, match=r"unknown --reask mode .*; use targeted or full"):
        resolve_settings(Config(), "defaults", {}, reask=mode)


def test_an_unknown_reask_mode_in_the_config_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"is invalid: reask: Input should be 'targeted' or"):
        read_config(write(tmp_path, 'reask = "partial"\n'))


def repository_config(tmp_path: Path, user: str, repository: str) -> tuple[Path, dict[str, str]]:
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "XDG_STATE_HOME": str(tmp_path / "st")}
    user_config(environ, user)
    repo = tmp_path / "repo"
    write(repo, repository)
    return repo, environ


def test_an_untrusted_repository_config_may_not_set_prices(tmp_path: Path) -> None:
    repo, environ = repository_config(
        tmp_path, "", '[prices."claude-sonnet-4-5"]\ninput = 0\noutput = 0\n'
    )
    with pytest.raises(InputError, match="sets prices, but a repository's config may not"):
        find_config(None, repo, tmp_path, environ)


def test_an_untrusted_repository_config_may_lower_the_budget_but_not_raise_it(
    tmp_path: Path,
) -> None:
    repo, environ = repository_config(tmp_path, "max_cost = 2.0\n", "max_cost = 50.0\n")
    with pytest.raises(InputError, match="raises max_cost above the budget of your own config"):
        find_config(None, repo, tmp_path, environ)
    repo, environ = repository_config(tmp_path, "max_cost = 2.0\n", "max_cost = 0.5\n")
    assert find_config(None, repo, tmp_path, environ)[0].max_cost == 0.5


def test_the_users_own_prices_and_the_price_file_layer_in_order(tmp_path: Path) -> None:
    config = read_config(write(tmp_path, '[prices."m"]\ninput = 1\noutput = 2\n', "own.toml"))
    assert config.prices["m"].output == 2
    price_file = write(tmp_path, '[prices."m"]\ninput = 3\noutput = 4\n', "prices.toml")
    settings = resolve_settings(config, "own", {}, price_file=price_file)
    assert settings.prices["m"].input == 3
    assert resolve_settings(config, "own", {}).prices["m"].input == 1


def test_max_cost_in_a_file_is_a_positive_finite_amount(tmp_path: Path) -> None:
    for value in ("-1", "0", "nan", "inf"):
        with pytest.raises(InputError, match="max_cost: Input should be"):
            read_config(write(tmp_path, f"max_cost = {value}\n"))
