"""The README's package example runs as written (what a new user copies first)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_python_example_runs(capsys) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, "README.md should hold exactly one python example"
    exec(compile(blocks[0], str(README), "exec"), {})  # our own README
    printed = capsys.readouterr().out.splitlines()
    assert float(printed[0]) > 0.95  # training accuracy on breast cancer
    assert printed[1].startswith(r"\begin{aligned}")


def test_readme_quick_start_has_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = [line.strip() for line in quick.splitlines() if line.startswith("    ")]
    assert commands == [
        "python3 -m pip install nox && python3 -m nox -s docs",
        "python3 -m pip install nox && python3 -m nox -s tests",
    ]
    assert "_build/html/index.html" in quick
