"""book/appendix_b_api.md documents every public name of every public lrbook module."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

APPENDIX = Path(__file__).resolve().parent.parent / "book" / "appendix_b_api.md"
MODULES = [
    "losses",
    "gradcheck",
    "exercises",
    "inference",
    "optim",
    "models",
    "datasets",
    "plotting",
    "symbolic",
    "codegen",
]


def _section(module: str) -> str:
    text = APPENDIX.read_text(encoding="utf-8")
    for section in re.split(r"\n## ", text):
        if f"`lrbook.{module}`" in section.splitlines()[0]:
            return section
    raise AssertionError(f"{APPENDIX.name} has no section titled with `lrbook.{module}`")


@pytest.mark.parametrize("module", MODULES)
def test_every_public_name_is_in_the_api_appendix(module: str) -> None:
    public = set(importlib.import_module(f"lrbook.{module}").__all__)
    section = _section(module)
    in_table = set(re.findall(r"^   (\w+)$", section, re.MULTILINE))
    documented = set(
        re.findall(r"^\.\. auto(?:function|class|data|exception):: (\w+)", section, re.MULTILINE)
    )
    assert public <= in_table, (
        f"add {sorted(public - in_table)} to the autosummary table of lrbook.{module} in "
        f"{APPENDIX.name}"
    )
    assert public <= documented, (
        f"add an autodoc entry for {sorted(public - documented)} (lrbook.{module}) to "
        f"{APPENDIX.name}"
    )
