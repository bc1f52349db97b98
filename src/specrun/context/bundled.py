"""Locates the data shipped with specrun: the bundled ``prompts/`` and ``schemas/``.

In a wheel they live inside the package; in a development checkout they sit at the top level.
"""

from importlib import resources
from pathlib import Path


def bundled_dir(name: str) -> Path:
    packaged = Path(str(resources.files("specrun"))) / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / name
