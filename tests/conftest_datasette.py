"""Fixtures for the Datasette tests (loaded with ``pytest_plugins``): a test database and a
Datasette process per test module, so that one module's triage never shows in another's."""
import pytest
from datasette_auth_passwords.utils import hash_password

from datasette_helpers import PASSWORD, DatasetteProcess, build_database


@pytest.fixture(scope="session")
def password_hash() -> str:
    """The volunteer's password hash, as `datasette hash-password` prints it."""
    return hash_password(PASSWORD)


@pytest.fixture(scope="module")
def veille_db(tmp_path_factory):
    """veille.db (so Datasette serves it at /veille), built by the project's store."""
    return build_database(tmp_path_factory.mktemp("datasette") / "veille.db")


@pytest.fixture(scope="module")
def datasette(veille_db, password_hash):
    """A running Datasette serving the test database; one volunteer account, « benevole »."""
    server = DatasetteProcess(veille_db, {"VEILLE_PASSWORD_HASH_BENEVOLE": password_hash})
    yield server
    server.stop()
