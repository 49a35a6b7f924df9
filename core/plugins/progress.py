"""A rich progress bar for long backfills: pass ``BackfillProgress()`` as ``ChainSync``'s
``progress`` callback; it shows a bar only while the loop is at least ``threshold`` final
blocks behind, and closes it once caught up."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from .records import SyncStatus


class BackfillProgress:
    """Callable with each :class:`SyncStatus` the sync loop reports."""

    def __init__(self, console: Console | None = None, threshold: int = 100) -> None:
        self.console = console or Console(stderr=True)
        self.threshold = threshold
        self.shown = False
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __call__(self, status: SyncStatus) -> None:
        lag = status.lag_blocks
        if status.finalized is None or lag is None:
            return
        done = status.cursor.height if status.cursor else 0
        total = status.finalized.height
        if self._progress is None:
            if lag < self.threshold:
                return
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=self.console,
                transient=False,
            )
            self._progress.start()
            self._task = self._progress.add_task(f"sync {status.chain_id}", total=total)
            self.shown = True
        assert self._task is not None
        self._progress.update(self._task, completed=done, total=total)
        if lag <= 0:
            self.close()

    def close(self) -> None:
        """Stop drawing."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
            self._task = None

    def __enter__(self) -> BackfillProgress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
