"""Commits that need not wait for the disk, for bookkeeping that a later commit makes durable anyway.

`commit_without_flush()` inside a `transaction.atomic()` block makes that one transaction's COMMIT
return without waiting for PostgreSQL to flush its WAL (`SET LOCAL synchronous_commit = off`). What
that gives up, and only if the database *server* crashes (a dying worker loses nothing: the server
has the commit): the last few hundred milliseconds of such commits, unless a later ordinary commit
flushed them (every commit flushes the WAL up to itself, so it makes every earlier one durable).

Used where a lost commit is redone exactly, never for a verdict: a try counted before an image is
touched (lost: one more try), a bulk row's submission (lost with its row, which is pending again and
submitted again; the bulk import's check commits right after it, ordinarily). On SQLite (the embedded
default) it does nothing.
"""

from django.db import connection


def commit_without_flush() -> None:
    """Inside an atomic block: this transaction's COMMIT does not wait for the disk (PostgreSQL).

    Only in the outermost block: inside a caller's transaction (a savepoint) it does nothing, so it
    never relaxes a commit the caller did not ask to relax.
    """
    if connection.vendor == "postgresql" and len(connection.atomic_blocks) == 1:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
