"""TLS and mutual TLS on the loopback server, with certificates made by openssl here."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import grpc
import pytest
from api_world import STETH, running_world
from omnistake.api.errors import RemoteError
from omnistake.api.server import TlsConfig
from omnistake.client import OmnistakeClient

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(d: Path) -> dict[str, bytes]:
    """A CA, a server certificate for 127.0.0.1/localhost and a client certificate."""
    d.mkdir(parents=True, exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl(
        "req",
        "-x509",
        *ec,
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=omnistake-test-ca",
        cwd=d,
    )
    for name, ext in (
        ("server", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"),
        ("client", "extendedKeyUsage=clientAuth\n"),
    ):
        (d / f"{name}.ext").write_text(ext)
        _openssl(
            "req",
            *ec,
            "-keyout",
            f"{name}.key",
            "-out",
            f"{name}.csr",
            "-subj",
            f"/CN={name}",
            cwd=d,
        )
        _openssl(
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            f"{name}.pem",
            "-days",
            "2",
            "-extfile",
            f"{name}.ext",
            cwd=d,
        )
    return {p.stem + p.suffix: p.read_bytes() for p in d.iterdir() if p.suffix in (".pem", ".key")}


async def test_tls_server(tmp_path: Path) -> None:
    pki = make_pki(tmp_path / "pki")
    tls = TlsConfig(pki["server.pem"], pki["server.key"])
    async with running_world(tmp_path / "db", tls=tls) as w:
        async with OmnistakeClient(
            w.target, token=w.tokens["admin"], root_certificates=pki["ca.pem"], timeout=5
        ) as client:
            await client.register_asset(STETH, 18)
            assert await client.health() == "SERVING"
        async with OmnistakeClient(w.target, timeout=3) as plaintext:
            with pytest.raises(RemoteError) as err:
                await plaintext.state_hash()
        assert err.value.grpc_code is grpc.StatusCode.UNAVAILABLE  # type: ignore[attr-defined]


async def test_mutual_tls_requires_a_client_certificate(tmp_path: Path) -> None:
    pki = make_pki(tmp_path / "pki")
    tls = TlsConfig(pki["server.pem"], pki["server.key"], client_ca=pki["ca.pem"])
    async with running_world(tmp_path / "db", tls=tls) as w:
        async with OmnistakeClient(
            w.target,
            token=w.tokens["admin"],
            root_certificates=pki["ca.pem"],
            certificate_chain=pki["client.pem"],
            private_key=pki["client.key"],
            timeout=5,
        ) as client:
            await client.register_asset(STETH, 18)
            assert (await client.state_hash())[0] == 1
        async with OmnistakeClient(w.target, root_certificates=pki["ca.pem"], timeout=3) as anon:
            with pytest.raises(RemoteError) as err:
                await anon.state_hash()
        assert err.value.grpc_code is grpc.StatusCode.UNAVAILABLE  # type: ignore[attr-defined]
