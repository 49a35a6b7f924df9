"""The committed omnistake.v1 Python code is what scripts/gen_protos.py makes from the .proto
files today (fails when someone edits a .proto and forgets to regenerate), and the
runtime floors in pyproject.toml match what that code needs."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from api_world import REPO

GENERATED = REPO / "proto" / "omnistake" / "v1"


def _pinned_tools() -> str:
    dev = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    pins = [d for d in dev["dev"] if d.startswith("grpcio-tools==")]
    assert pins, "grpcio-tools must be pinned (==) in the dev extra"
    return pins[0].split("==", 1)[1]


def test_generated_code_is_fresh(tmp_path: Path) -> None:
    try:
        installed = metadata.version("grpcio-tools")
    except metadata.PackageNotFoundError:
        pytest.skip("grpcio-tools is not installed (dev extra)")
    if installed != _pinned_tools():
        pytest.skip(f"grpcio-tools {installed} installed, code is generated with {_pinned_tools()}")
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "gen_protos.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    fresh = {p.name: p.read_bytes() for p in (tmp_path / "omnistake" / "v1").glob("*_pb2*")}
    committed = {p.name: p.read_bytes() for p in GENERATED.glob("*_pb2*")}
    assert sorted(fresh) == sorted(committed), "run scripts/gen_protos.py"
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"stale generated code (run scripts/gen_protos.py): {stale}"
    protos = sorted(p.stem for p in GENERATED.glob("*.proto"))
    assert sorted({n.split("_pb2")[0] for n in fresh}) == protos


def test_runtime_floors_match_the_generated_code() -> None:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    floors = {re.split(r"[<>=]", d, maxsplit=1)[0]: d for d in deps}
    grpc_version = re.search(
        r"GRPC_GENERATED_VERSION = '([0-9.]+)'", (GENERATED / "vaults_pb2_grpc.py").read_text()
    )
    assert grpc_version is not None
    assert floors["grpcio"].startswith(f"grpcio>={grpc_version.group(1)}")
    gencode = re.search(
        r"ValidateProtobufRuntimeVersion\(\s*_runtime_version\.Domain\.PUBLIC,\s*(\d+),\s*(\d+),"
        r"\s*(\d+),",
        (GENERATED / "vaults_pb2.py").read_text(),
    )
    assert gencode is not None
    major, minor, patch = gencode.groups()
    assert floors["protobuf"] == f"protobuf>={major}.{minor}.{patch},<{int(major) + 1}"
