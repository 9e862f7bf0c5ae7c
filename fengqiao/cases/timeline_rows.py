"""Timeline entries as plain rows, for the deadline sweep's batches.

`log()` writes what `actions._log(case, None, kind, note=…, data=…, at=…)` writes — an entry with
no actor and no address — but with a sweep `Batch` that builds plain rows (`Batch.row`) it appends
one of those instead of a `TimelineEntry` model instance: building the instance cost more than
writing the row, and nothing reads it back before the batch is flushed. Anything else (no batch,
or intake's holder of a new case's rows) goes through `actions._log` itself, so the one-by-one
path is unchanged. The entries stay append-only: they are only ever inserted.
"""

from datetime import datetime

from .models import TimelineEntry


def log(case, kind: str, *, at: datetime, note: str = "", data: dict | None = None, batch=None) -> None:
    """A timeline entry by the system (no actor, no address) at `at`."""
    if batch is not None and hasattr(batch, "row") and hasattr(batch, "entries"):
        batch.entries.append(
            batch.row(
                TimelineEntry, case=case, at=at, actor=None, kind=kind, note=note, data=data or {}, ip=None
            )
        )
        return
    from .actions import _log

    _log(case, None, kind, note=note, data=data, at=at, batch=batch)
