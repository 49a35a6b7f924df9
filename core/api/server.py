"""The grpc.aio server: every omnistake.v1 service, health checking, server reflection,
TLS or mutual TLS, and graceful shutdown (health goes NOT_SERVING, in-flight calls get
``grace`` seconds, then the store is closed)."""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from omnistake.api import chains, events, registry, slashing, stake, vaults
from omnistake.api.errors import ListenFailed
from omnistake.api.rpc import Api, ServiceDef
from omnistake.service import LedgerService

log = logging.getLogger("omnistake.api")

#: Every service the API serves.
SERVICES: tuple[ServiceDef, ...] = (
    registry.assets,
    registry.networks,
    registry.operators,
    registry.opt_ins,
    vaults.vaults,
    vaults.delegation,
    slashing.slashing,
    slashing.rewards,
    stake.stake,
    events.events,
    events.admin,
    chains.chains,
)

DEFAULT_LISTEN = "127.0.0.1:50051"
MAX_MESSAGE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class TlsConfig:
    """Server TLS: PEM certificate chain and key; with ``client_ca`` clients must present a
    certificate signed by it (mutual TLS)."""

    certificate_chain: bytes
    private_key: bytes
    client_ca: bytes | None = None

    def credentials(self) -> grpc.ServerCredentials:
        """grpc server credentials."""
        return grpc.ssl_server_credentials(
            [(self.private_key, self.certificate_chain)],
            root_certificates=self.client_ca,
            require_client_auth=self.client_ca is not None,
        )


class ApiServer:
    """The omnistake gRPC server over one :class:`LedgerService`. Build it inside the event
    loop that will run it (grpc.aio binds the server to the running loop)."""

    def __init__(
        self,
        service: LedgerService,
        *,
        listen: str = DEFAULT_LISTEN,
        tls: TlsConfig | None = None,
        reflection_enabled: bool = True,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
        chain_runtime: chains.ChainRuntime | None = None,
    ) -> None:
        """``chain_runtime``: the plugins and chain sync loops ChainService serves (none:
        no chains)."""
        self.service = service
        self.listen = listen
        self.tls = tls
        self.reflection_enabled = reflection_enabled
        self.port: int | None = None
        self.health = health.aio.HealthServicer()
        self._server = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", max_message_bytes),
                ("grpc.max_send_message_length", max_message_bytes),
                ("grpc.so_reuseport", 0),
                # keep long WatchEvents streams alive through idle proxies and NATs
                ("grpc.keepalive_time_ms", 60_000),
                ("grpc.keepalive_timeout_ms", 20_000),
                ("grpc.keepalive_permit_without_calls", 1),
            ]
        )
        api = Api(service)
        if chain_runtime is not None:
            chains.attach(api, chain_runtime)
        for svc in SERVICES:
            missing = svc.missing()
            if missing:
                raise RuntimeError(f"{svc.full_name} has no handler for {missing}")
            self._server.add_generic_rpc_handlers((svc.generic_handler(api),))
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self._server)
        if reflection_enabled:
            names = [s.full_name for s in SERVICES]
            names += [health.SERVICE_NAME, reflection.SERVICE_NAME]
            reflection.enable_server_reflection(names, self._server)

    async def start(self) -> int:
        """Bind, start serving, mark every service SERVING; return the bound port."""
        try:
            if self.tls is None:
                port = int(self._server.add_insecure_port(self.listen))
            else:
                port = int(self._server.add_secure_port(self.listen, self.tls.credentials()))
        except RuntimeError:
            port = 0
        if port == 0:
            raise ListenFailed(
                f"cannot listen on {self.listen}: the address is in use or not local",
                field="listen",
            )
        await self._server.start()
        for name in ["", *(s.full_name for s in SERVICES)]:
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        self.port = port
        host = self.listen.rsplit(":", 1)[0]
        log.info("omnistake API listening on %s:%d (%s)", host, port, self._mode())
        return port

    def _mode(self) -> str:
        if self.tls is None:
            return "plaintext"
        return "mutual TLS" if self.tls.client_ca else "TLS"

    async def stop(self, grace: float = 5.0) -> None:
        """Graceful shutdown: NOT_SERVING, then let in-flight calls finish for ``grace`` s."""
        await self.health.enter_graceful_shutdown()
        await self._server.stop(grace)
        log.info("omnistake API stopped")

    async def wait_for_termination(self) -> None:
        """Until the server stops."""
        await self._server.wait_for_termination()


async def serve_until_signalled(server: ApiServer, grace: float = 5.0) -> None:
    """Start ``server`` and run until SIGTERM or SIGINT, then shut down gracefully."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await server.start()
    try:
        await stop.wait()
        log.info("signal received; shutting down (grace %.1f s)", grace)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await server.stop(grace)
