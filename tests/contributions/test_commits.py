"""commit_without_flush relaxes the durability of its own transaction only, never a caller's."""

import pytest
from django.db import connection, transaction

from contributions.commits import commit_without_flush


def synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_commit_without_flush_relaxes_only_the_outermost_transaction_it_is_called_in():
    server_default = synchronous_commit()
    assert server_default != "off"
    with transaction.atomic():
        commit_without_flush()
        assert synchronous_commit() == "off"
    assert synchronous_commit() == server_default  # SET LOCAL: gone with its transaction

    with transaction.atomic():  # a caller's transaction: its commit stays as it was
        with transaction.atomic():
            commit_without_flush()
        assert synchronous_commit() == server_default

    commit_without_flush()  # outside any transaction: nothing to relax
    assert synchronous_commit() == server_default
