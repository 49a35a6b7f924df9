#!/usr/bin/env python3
"""Regenerate the committed Python code of the omnistake.v1 protos.

    .venv/bin/python scripts/gen_protos.py            # rewrite proto/omnistake/v1/*_pb2*.py(i)
    .venv/bin/python scripts/gen_protos.py --out DIR  # write the tree under DIR instead

The .proto files live at proto/omnistake/v1/, so protoc run with ``-I proto`` emits
``from omnistake.v1 import x_pb2`` imports that resolve as-is once proto/omnistake/v1 is
installed as ``omnistake.v1``. The generated code embeds the grpcio-tools version, so the
script refuses any other version than the one pinned in pyproject.toml's dev extra.
"""

from __future__ import annotations

import argparse
import re
import sys
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROTO_ROOT = REPO / "proto"
PACKAGE = Path("omnistake") / "v1"


def pinned_tools_version() -> str:
    """The grpcio-tools version pinned (==) in pyproject.toml."""
    text = (REPO / "pyproject.toml").read_text()
    match = re.search(r'"grpcio-tools==([0-9.]+)"', text)
    if not match:
        raise SystemExit("pyproject.toml must pin grpcio-tools==X.Y.Z in the dev extra")
    return match.group(1)


def generate(out: Path) -> list[Path]:
    """Run protoc on every omnistake.v1 .proto into ``out`` (a tree root); return outputs."""
    from grpc_tools import protoc  # type: ignore[import-untyped]

    installed = metadata.version("grpcio-tools")
    pinned = pinned_tools_version()
    if installed != pinned:
        raise SystemExit(
            f"grpcio-tools {installed} is installed but the code is generated with {pinned}; "
            f"pip install grpcio-tools=={pinned}"
        )
    protos = sorted((PROTO_ROOT / PACKAGE).glob("*.proto"))
    target = out / PACKAGE
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("*_pb2*.py*"):
        old.unlink()
    include = Path(protoc.__file__).parent / "_proto"
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{include}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        *(str(p.relative_to(PROTO_ROOT)) for p in protos),
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    return sorted(target.glob("*_pb2*.py*"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PROTO_ROOT, help="tree root to write into")
    args = parser.parse_args(argv)
    files = generate(args.out.resolve())
    print(f"generated {len(files)} files into {args.out / PACKAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
