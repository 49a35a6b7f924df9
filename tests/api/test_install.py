"""omnistake.v1 (and omnistake.api) import from a regular, non-editable install: build the
wheel from a copy of the tree, unpack it, and import from there in a fresh interpreter."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

from api_world import REPO


def _setuptools_builds_wheels() -> bool:
    try:
        version = metadata.version("setuptools")
    except metadata.PackageNotFoundError:
        return False
    parts = tuple(int(p) for p in version.split(".")[:2] if p.isdigit())
    return parts >= (70, 1)


def test_wheel_ships_generated_code_and_protos(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.sqlite*", "node_modules")
    for folder in ("core", "chains", "proto"):
        shutil.copytree(REPO / folder, src / folder, ignore=ignore)
    # Build with the venv's setuptools when it can make wheels by itself (>= 70.1); an
    # older one (Python 3.11's bundled 65.x) gets pip's isolated build environment.
    isolation = ["--no-build-isolation"] if _setuptools_builds_wheels() else []
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-q",
         "-w", str(tmp_path / "dist"), str(src)],
        check=True, capture_output=True,
    )  # fmt: skip
    wheel = next((tmp_path / "dist").glob("omnistake-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "omnistake/v1/vaults_pb2.py",
        "omnistake/v1/vaults_pb2.pyi",
        "omnistake/v1/vaults_pb2_grpc.py",
        "omnistake/v1/vaults.proto",
        "omnistake/api/server.py",
        "omnistake/client.py",
    ):
        assert expected in names, expected
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import omnistake, omnistake.v1.vaults_pb2 as v, omnistake.api.server as s; "
        "print(omnistake.__file__); print(v.DESCRIPTOR.package); print(len(s.SERVICES))"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[0].startswith(str(site)), out  # imported from the wheel, not the editable tree
    declared = sum(
        line.startswith("service ")
        for proto in (REPO / "proto" / "omnistake" / "v1").glob("*.proto")
        for line in proto.read_text().splitlines()
    )
    assert out[1:] == ["omnistake.v1", str(declared)]
