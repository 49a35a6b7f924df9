"""The package-dir mapping keeps the tree as DESIGN.md lays it out while imports read
omnistake.*; every package must be listed, or a regular (non-editable) install drops it."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _declared() -> tuple[dict[str, str], set[str]]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    return config["package-dir"], set(config["packages"])


def _package_of(folder: Path, package_dir: dict[str, str]) -> str | None:
    rel = folder.relative_to(REPO).as_posix()
    best = None
    for name, root in package_dir.items():
        inside = rel == root or rel.startswith(root + "/")
        if inside and (best is None or len(root) > len(package_dir[best])):
            best = name
    if best is None:
        return None
    tail = rel[len(package_dir[best]) :].strip("/")
    return best + ("." + tail.replace("/", ".") if tail else "")


def test_every_package_folder_is_listed() -> None:
    package_dir, packages = _declared()
    found = set()
    for root in package_dir.values():
        for init in (REPO / root).rglob("__init__.py"):
            name = _package_of(init.parent, package_dir)
            if name is not None:
                found.add(name)
    missing = found - packages
    assert not missing, f"add these to [tool.setuptools] packages in pyproject.toml: {missing}"
    stale = {p for p in packages if p not in found}
    assert not stale, f"listed packages with no folder: {stale}"


def test_core_imports_no_chain_libraries() -> None:
    banned = ("web3", "bitcoinlib", "solana", "solders", "coincurve", "eth_account")
    for path in (REPO / "core").rglob("*.py"):
        for line in path.read_text().splitlines():
            stripped = line.strip()
            if stripped.startswith(("import ", "from ")):
                module = stripped.split()[1]
                assert module.split(".")[0] not in banned, f"{path}: {stripped}"
