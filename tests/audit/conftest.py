import sqlite3

import pytest

from audit.store import open_store


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "fleetops.db"


@pytest.fixture
def store(db_path):
    s = open_store(db_path)
    yield s
    s.close()


@pytest.fixture
def raw(db_path):
    """A plain sqlite3 connection to the same file, as someone tampering by hand would use."""
    conns = []

    def connect():
        c = sqlite3.connect(db_path, isolation_level=None)
        conns.append(c)
        return c

    yield connect
    for c in conns:
        c.close()
