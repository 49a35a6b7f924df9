"""Servicer: outcomes of slash and payout instructions carried out by chain adapters."""

from __future__ import annotations

from typing import Any

from omnistake.api.rpc import Call, ServiceDef, reading
from omnistake.errors import NotFound
from omnistake.ledger import commands as C
from omnistake.v1 import chains_pb2

chains = ServiceDef(chains_pb2, "ChainService")

chains.command("RecordInstructionOutcome", C.RecordInstructionOutcome)


@chains.unary("GetInstructionOutcome")
async def get_instruction_outcome(request: Any, call: Call) -> chains_pb2.InstructionOutcome:
    with reading(call):
        found = call.service.ledger.instruction_outcome(request.instruction_id)
    if found is None:
        raise NotFound(
            f"no outcome recorded for instruction {request.instruction_id!r}",
            field="instruction_id",
        )
    return chains_pb2.InstructionOutcome(instruction_id=request.instruction_id, **found)
