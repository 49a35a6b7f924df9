"""An in-process regtest chain builder for tests: real blocks, real proof of work at regtest
difficulty, real Merkle roots and witness commitments, and consensus checks on every
transaction it accepts (Taproot key and script paths, BIP-68 relative locks, maturity).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .backend_api import ChainTip, TxWithProof
from .block import Block, BlockHeader
from .errors import BackendError, BitcoinError
from .hashes import hash256
from .interpreter import SEQUENCE_DISABLE_FLAG, SEQUENCE_MASK, SEQUENCE_TYPE_FLAG, verify_tx_inputs
from .merkle import merkle_proof, merkle_root
from .script import is_op_return, p2tr_script, push_int
from .secp import xonly_from_secret
from .signing import sign_key_path
from .spv import REGTEST, NetworkParams
from .taproot import taproot_output_key
from .tx import SEQUENCE_FINAL, OutPoint, Transaction, TxIn, TxOut

REGTEST_BITS = 0x207FFFFF
COINBASE_MATURITY = 100
HALVING_INTERVAL = 150

# Bitcoin's genesis coinbase ("The Times 03/Jan/2009 ..."), shared by all networks.
GENESIS_COINBASE_HEX = (
    "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ff"
    "ff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e2062"
    "72696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a0100"
    "0000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef"
    "38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000"
)
REGTEST_GENESIS_TIME = 1296688602
REGTEST_GENESIS_NONCE = 2


def regtest_genesis() -> Block:
    """Bitcoin Core's regtest genesis block."""
    cb = Transaction.from_hex(GENESIS_COINBASE_HEX)
    header = BlockHeader(
        1, bytes(32), cb.txid_bytes, REGTEST_GENESIS_TIME, REGTEST_BITS, REGTEST_GENESIS_NONCE
    )
    return Block(header, (cb,))


def key_path_script(secret: bytes) -> bytes:
    """BIP-86 style P2TR output script (no script tree) for a secret key."""
    qx, _ = taproot_output_key(xonly_from_secret(secret), None)
    return p2tr_script(qx)


@dataclass(frozen=True)
class Utxo:
    """An unspent output in the regtest chain."""

    outpoint: OutPoint
    output: TxOut
    height: int
    coinbase: bool


class RegtestChain:
    """A single-node regtest chain in memory. Not thread-safe; one event loop at a time."""

    def __init__(self, params: NetworkParams = REGTEST, start_time: int | None = None) -> None:
        genesis = regtest_genesis()
        if params.no_retargeting is False:
            raise BackendError("UNSUPPORTED_NETWORK", "the builder mines regtest blocks only")
        self.params = params
        self.blocks: list[Block] = [genesis]
        self._index: dict[bytes, int] = {genesis.hash: 0}
        self._tx_loc: dict[bytes, tuple[int, int]] = {}
        self.utxos: dict[OutPoint, Utxo] = {}
        self.mempool: list[Transaction] = []
        self._mempool_spent: set[OutPoint] = set()
        self._time = start_time if start_time is not None else REGTEST_GENESIS_TIME
        self._extra_nonce = 0
        self._orphans: dict[bytes, Block] = {}

    # -- chain state ---------------------------------------------------------------------------

    @property
    def height(self) -> int:
        return len(self.blocks) - 1

    @property
    def tip(self) -> Block:
        return self.blocks[-1]

    def block_at(self, height: int) -> Block:
        if not 0 <= height <= self.height:
            raise BackendError("UNKNOWN_HEIGHT", f"no block at height {height}")
        return self.blocks[height]

    def block_by_hash(self, block_hash: bytes) -> Block:
        """A block of the chain, or one a reorganisation orphaned."""
        h = self._index.get(block_hash)
        if h is None:
            orphan = self._orphans.get(block_hash)
            if orphan is None:
                raise BackendError("UNKNOWN_BLOCK", "block not found")
            return orphan
        return self.blocks[h]

    def height_of(self, block_hash: bytes) -> int:
        h = self._index.get(block_hash)
        if h is None:
            raise BackendError("UNKNOWN_BLOCK", "block not found")
        return h

    def tx_with_proof(self, txid: bytes) -> TxWithProof:
        loc = self._tx_loc.get(txid)
        if loc is None:
            raise BackendError("UNKNOWN_TX", "transaction is not confirmed")
        height, idx = loc
        block = self.blocks[height]
        proof = merkle_proof([t.txid_bytes for t in block.txs], idx)
        return TxWithProof(block.txs[idx], block.hash, height, idx, tuple(proof))

    def subsidy(self, height: int) -> int:
        halvings = height // HALVING_INTERVAL
        return 0 if halvings >= 64 else (50 * 100_000_000) >> halvings

    # -- transactions --------------------------------------------------------------------------

    def prevouts_of(self, tx: Transaction) -> list[TxOut]:
        outs = []
        for txin in tx.inputs:
            u = self.utxos.get(txin.prevout)
            if u is None:
                raise BackendError("MISSING_INPUT", f"input {txin.prevout} is unknown or spent")
            outs.append(u.output)
        return outs

    def check_tx(self, tx: Transaction, height: int | None = None) -> int:
        """Consensus-check ``tx`` for inclusion at ``height`` (default: next block); returns fee."""
        height = self.height + 1 if height is None else height
        if tx.is_coinbase() or not tx.inputs or not tx.outputs:
            raise BackendError("BAD_TX", "not a spendable transaction shape")
        if len({i.prevout for i in tx.inputs}) != len(tx.inputs):
            raise BackendError("BAD_TX", "duplicate inputs")
        utxos = []
        for txin in tx.inputs:
            u = self.utxos.get(txin.prevout)
            if u is None:
                raise BackendError("MISSING_INPUT", f"input {txin.prevout} is unknown or spent")
            if txin.prevout in self._mempool_spent:
                raise BackendError("DOUBLE_SPEND", f"input {txin.prevout} already spent in mempool")
            if u.coinbase and height - u.height < COINBASE_MATURITY:
                raise BackendError("IMMATURE_COINBASE", "coinbase output spent before maturity")
            if (
                tx.version >= 2
                and not txin.sequence & SEQUENCE_DISABLE_FLAG
                and not txin.sequence & SEQUENCE_TYPE_FLAG
                and height - u.height < txin.sequence & SEQUENCE_MASK
            ):
                raise BackendError("NON_BIP68_FINAL", "relative timelock not yet expired")
            utxos.append(u)
        if (
            tx.locktime
            and tx.locktime >= height
            and any(i.sequence != SEQUENCE_FINAL for i in tx.inputs)
        ):
            raise BackendError("NON_FINAL", "locktime not reached")
        in_value = sum(u.output.value for u in utxos)
        out_value = sum(o.value for o in tx.outputs)
        if out_value > in_value:
            raise BackendError("OUTPUTS_EXCEED_INPUTS", "transaction creates money")
        try:
            verify_tx_inputs(tx, [u.output for u in utxos])
        except BitcoinError as exc:
            raise BackendError("SCRIPT_VERIFY_FAILED", f"{exc.reason}: {exc.message}") from exc
        return in_value - out_value

    def broadcast(self, tx: Transaction) -> bytes:
        """Accept ``tx`` into the mempool after full checks; returns its txid.

        Inputs must be confirmed (no chains of unconfirmed transactions).
        """
        if (
            any(t.txid_bytes == tx.txid_bytes for t in self.mempool)
            or tx.txid_bytes in self._tx_loc
        ):
            return tx.txid_bytes
        self.check_tx(tx)
        self.mempool.append(tx)
        self._mempool_spent.update(i.prevout for i in tx.inputs)
        return tx.txid_bytes

    # -- mining --------------------------------------------------------------------------------

    def _coinbase(
        self, height: int, script: bytes, fees: int, witness_root: bytes | None
    ) -> Transaction:
        self._extra_nonce += 1
        script_sig = push_int(height) + b"\x08" + self._extra_nonce.to_bytes(8, "little")
        if len(push_int(height)) < 2:  # BIP-34 needs at least 2 bytes of scriptSig
            script_sig += b"\x00"
        outs = [TxOut(self.subsidy(height) + fees, script)]
        witness: tuple[bytes, ...] = ()
        if witness_root is not None:
            reserved = bytes(32)
            commitment = hash256(witness_root + reserved)
            outs.append(TxOut(0, b"\x6a\x24\xaa\x21\xa9\xed" + commitment))
            witness = (reserved,)
        return Transaction(
            2,
            (TxIn(OutPoint(bytes(32), 0xFFFFFFFF), script_sig, SEQUENCE_FINAL, witness),),
            tuple(outs),
            0,
        )

    def mine(
        self, count: int = 1, to_script: bytes = b"\x51", txs: Sequence[Transaction] | None = None
    ) -> list[Block]:
        """Mine ``count`` blocks to ``to_script``; the first takes the mempool (or ``txs``)."""
        mined = []
        for n in range(count):
            pending = list(self.mempool if txs is None else txs) if n == 0 else []
            if n == 0 and txs is None:
                self.mempool.clear()
                self._mempool_spent.clear()
            mined.append(self._mine_one(to_script, pending))
        return mined

    def _mine_one(self, to_script: bytes, pending: list[Transaction]) -> Block:
        height = self.height + 1
        fees = 0
        accepted: list[Transaction] = []
        spent: set[OutPoint] = set()
        for tx in pending:
            fees += self.check_tx(tx, height)
            if spent & {i.prevout for i in tx.inputs}:
                raise BackendError("DOUBLE_SPEND", "two block transactions spend one output")
            spent.update(i.prevout for i in tx.inputs)
            accepted.append(tx)
        witness_root = None
        if any(t.has_witness for t in accepted):
            witness_root = merkle_root([bytes(32)] + [t.wtxid_bytes for t in accepted])
        coinbase = self._coinbase(height, to_script, fees, witness_root)
        txs = (coinbase, *accepted)
        root = merkle_root([t.txid_bytes for t in txs])
        self._time = max(self._time + 600, self.tip.header.time + 1)
        nonce = 0
        while True:
            header = BlockHeader(0x20000000, self.tip.hash, root, self._time, REGTEST_BITS, nonce)
            if header.meets_target():
                break
            nonce += 1
        block = Block(header, txs)
        self._connect(block)
        return block

    def _connect(self, block: Block) -> None:
        height = len(self.blocks)
        self.blocks.append(block)
        self._index[block.hash] = height
        for idx, tx in enumerate(block.txs):
            for txin in tx.inputs:
                self.utxos.pop(txin.prevout, None)
            for vout, out in enumerate(tx.outputs):
                if not is_op_return(out.script_pubkey):
                    op = OutPoint(tx.txid_bytes, vout)
                    self.utxos[op] = Utxo(op, out, height, idx == 0)
            self._tx_loc[tx.txid_bytes] = (height, idx)

    def reorg(
        self,
        depth: int,
        txs: Sequence[Transaction] = (),
        length: int | None = None,
        to_script: bytes = b"\x51",
    ) -> list[Block]:
        """Replace the top ``depth`` blocks by a branch of ``length`` blocks (default
        ``depth + 1``, so it has more work and wins); its first block holds ``txs``.

        Orphaned blocks stay readable by hash; their transactions (and the mempool) are
        dropped, not re-queued. UTXOs are rebuilt by reconnecting the kept blocks.
        """
        if not 0 < depth <= self.height:
            raise BackendError("BAD_REORG", f"reorg depth must be 1..{self.height}")
        length = depth + 1 if length is None else length
        if length <= depth:
            raise BackendError("BAD_REORG", "the new branch must be longer than the old one")
        kept = self.blocks[: self.height - depth + 1]
        for block in self.blocks[len(kept) :]:
            self._orphans[block.hash] = block
        genesis = kept[0]
        self.blocks = [genesis]
        self._index = {genesis.hash: 0}
        self._tx_loc = {}
        self.utxos = {}
        self.mempool.clear()
        self._mempool_spent.clear()
        for block in kept[1:]:
            self._connect(block)
        return self.mine(length, to_script, txs=list(txs))

    # -- wallet helpers ------------------------------------------------------------------------

    def fund(self, secret: bytes) -> Utxo:
        """Mine a coinbase to ``secret``'s key-path P2TR output and mature it; returns the UTXO."""
        block = self.mine(1, key_path_script(secret))[0]
        self.mine(COINBASE_MATURITY)
        cb = block.txs[0]
        return self.utxos[OutPoint(cb.txid_bytes, 0)]

    def spend_key_path(
        self, secret: bytes, utxos: Sequence[Utxo], outputs: Sequence[TxOut], version: int = 2
    ) -> Transaction:
        """A signed transaction spending key-path P2TR ``utxos`` of ``secret`` to ``outputs``."""
        tx = Transaction(
            version, tuple(TxIn(u.outpoint, b"", 0xFFFFFFFD) for u in utxos), tuple(outputs), 0
        )
        prevouts = [u.output for u in utxos]
        for i in range(len(utxos)):
            tx = tx.with_witness(i, (sign_key_path(secret, tx, i, prevouts),))
        return tx


class RegtestBackend:
    """The ``BitcoinBackend`` interface over an in-process ``RegtestChain``."""

    def __init__(self, chain: RegtestChain) -> None:
        self.chain = chain

    async def get_tip(self) -> ChainTip:
        return ChainTip(self.chain.height, self.chain.tip.hash)

    async def get_block_hash(self, height: int) -> bytes:
        return self.chain.block_at(height).hash

    async def get_header(self, block_hash: bytes) -> BlockHeader:
        return self.chain.block_by_hash(block_hash).header

    async def get_block(self, block_hash: bytes) -> Block:
        return self.chain.block_by_hash(block_hash)

    async def get_tx_with_proof(self, txid: bytes) -> TxWithProof:
        return self.chain.tx_with_proof(txid)

    async def broadcast(self, tx: Transaction) -> bytes:
        return self.chain.broadcast(tx)

    async def close(self) -> None:
        return None
