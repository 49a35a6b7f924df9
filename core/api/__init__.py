"""The gRPC API: servicers for every resource of the ledger, authentication, rich errors and
the grpc.aio server (see docs/api.md). Start one with :class:`omnistake.api.server.ApiServer`
or ``omnistake serve``."""
