"""The failures specrun reports, each mapped to one exit code by the CLI.

    SpecrunError
    ├── InputError      exit 2: bad flag, file, config, key or cassette; fix the input and rerun
    ├── InvalidResult   exit 1: the result breaks the schema or the rules
    └── ProviderError   exit 3: the model service failed (auth, network, retries exhausted)

Every message is one line that names the problem and, where there is one, the fix.
"""


class SpecrunError(Exception):
    exit_code = 1


class InputError(SpecrunError):
    exit_code = 2


class InvalidResult(SpecrunError):
    exit_code = 1


class ProviderError(SpecrunError):
    exit_code = 3
