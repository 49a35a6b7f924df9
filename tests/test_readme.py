"""The README's embedding example runs as written."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def _python_blocks(heading: str) -> list[str]:
    text = README.read_text()
    section = text.split(heading, 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_embedding_example_runs() -> None:
    blocks = _python_blocks("### Embedding the ledger")
    assert blocks, "the README lost its embedding example"
    namespace: dict[str, object] = {}
    exec(compile(blocks[0], str(README), "exec"), namespace)
    assert namespace["ledger"].seq == 11  # type: ignore[attr-defined]


def test_serving_walkthrough_runs_against_a_real_server(tmp_path: Path) -> None:
    """The README's CLI walkthrough, as written, against `omnistake serve` on loopback."""
    section = README.read_text().split("### Serving it over gRPC", 1)[1].split("\n### ", 1)[0]
    script = re.findall(r"```bash\n(.*?)```", section, re.S)[0]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    venv_bin = Path(sys.executable).parent
    script = script.replace("127.0.0.1:50051", f"127.0.0.1:{port}")
    script = script.replace(".venv/bin/", f"{venv_bin}/")
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [str(venv_bin / "omnistake"), "serve", "--listen", f"127.0.0.1:{port}"],
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while "listening on" not in (tmp_path / "serve.log").read_text():
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "serve did not start"
            time.sleep(0.2)
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        stake = next(line for line in lines if "stake" in line and "operator" in line)
        assert stake["stake"] == str(500 * 10**18)
        assert next(line for line in lines if "state_hash" in line)["seq"] == 9
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
