"""Every hook is documented in docs/plugins.md (with its signature) and exercised by a
test, datasette-style; the Protocol's methods are documented too."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from omnistake.plugins import ChainAdapter, PluginManager

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs" / "plugins.md"


def _hooks() -> dict[str, list[str]]:
    manager = PluginManager(only=set())
    out = {}
    for name in dir(manager.pm.hook):
        if name.startswith("omnistake_"):
            caller = getattr(manager.pm.hook, name)
            assert caller.spec is not None
            out[name] = list(caller.spec.argnames)
    return out


def test_every_hook_is_documented() -> None:
    text = DOCS.read_text()
    hooks = _hooks()
    assert len(hooks) == 4
    for name, args in hooks.items():
        assert f"{name}({', '.join(args)})" in text, f"document {name} in {DOCS}"


def test_every_hook_is_exercised_by_a_test() -> None:
    tests = "".join(p.read_text() for p in Path(__file__).parent.glob("test_*.py"))
    tests += (
        REPO / "examples" / "memchain" / "src" / "omnistake_memchain" / "plugin.py"
    ).read_text()
    for name in _hooks():
        assert f"def {name}(" in tests, f"no test implements {name}"


def test_every_protocol_method_is_documented() -> None:
    text = DOCS.read_text()
    methods = [name for name, _ in inspect.getmembers(ChainAdapter) if not name.startswith("_")]
    assert len(methods) == 8
    for name in methods:
        assert f"`{name}" in text, f"document ChainAdapter.{name} in {DOCS}"


def test_worked_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("omnistake_memchain", reason="bash scripts/setup.d/examples.sh")
    section = DOCS.read_text().split("## 5. Worked example", 1)[1]
    blocks = [b for b in re.findall(r"```python\n(.*?)```", section, re.S) if "asyncio.run" in b]
    assert len(blocks) == 1, "the worked example lost its runnable block"
    exec(compile(blocks[0], str(DOCS), "exec"), {"__name__": "docs_example"})
    assert capsys.readouterr().out.strip() == "1000"
