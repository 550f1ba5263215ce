"""Fixtures: a migrated database (SQLite, or PostgreSQL via TEST_DATABASE_URL), the app, clients,
users per role and a form helper that carries the CSRF token like a browser does."""

from __future__ import annotations

import contextvars
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

# Settings must not touch the repository's instance/ folder.
os.environ.setdefault("AUDIO_MANAGER_INSTANCE_PATH", tempfile.mkdtemp(prefix="am-instance-"))

from flask.testing import FlaskClient

from audio_manager import create_app
from audio_manager.extensions import db
from audio_manager.models import Area, Role, User
from audio_manager.services.accounts import accounts
from audio_manager.services.areas.area_import import import_areas
from audio_manager.services.context import Actor

pytest_plugins = ("tests.browser",)

PASSWORD = "correct horse battery"
CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)

SMALL_TREE = """level,code,name,parent_code,languages
province,94,Tỉnh Thử,,
district,941,Huyện Một,94,
commune,94101,Xã An,941,
hamlet,,Ấp An Một,94101,khmer;kinh
hamlet,,Ấp An Hai,94101,kinh
commune,94201,Xã Bình,94,
hamlet,,Ấp Bình Một,94201,hoa;kinh
"""


@pytest.fixture(scope="session", autouse=True)
def quick_fixtures() -> Iterator[None]:
    """Speed for the fixtures, not for what is tested: the stock sounds are synthesized once
    per run (deterministic, and many tests install them), and passwords are hashed with few
    PBKDF2 rounds instead of scrypt's deliberately slow cost."""
    import functools

    from werkzeug.security import generate_password_hash

    from audio_manager.production import synthetic
    from audio_manager.services.accounts import accounts

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(synthetic, "pad_bed", functools.cache(synthetic.pad_bed))
        patch.setattr(synthetic, "chime", functools.cache(synthetic.chime))
        patch.setattr(
            accounts,
            "generate_password_hash",
            functools.partial(generate_password_hash, method="pbkdf2:sha256:1000"),
        )
        yield


def reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        reset_postgres(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


class IsolatedClient(FlaskClient):
    """Runs each request outside the test's own app context, as a real server would.

    Flask reuses an app context that is already pushed, so ``g`` (and the logged-in user in it)
    would otherwise leak from one request to the next.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("buffered", True)  # streamed bodies are read inside the request too
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from flask_migrate import upgrade

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "STORAGE_ROOT": tmp_path_factory.mktemp("audio"),
            "JOBS_BACKEND": "inline",
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def clean_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "app" not in request.fixturenames:
        return
    wipe_tables(request.getfixturevalue("app"))


def wipe_tables(app: Any) -> None:
    """Empty every table (after a test, or a module that shares one world)."""
    with app.app_context():
        reset_tables()


def reset_tables() -> None:
    """Empty every table (inside an app context)."""
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(sa.text(f"DELETE FROM {name}"))


@pytest.fixture
def app_ctx(app: Any) -> Iterator[Any]:
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


def make_user(
    username: str, *roles: Role | str, areas: list[str] | None = None, password: str = PASSWORD
) -> User:
    """Create a user (inside an app context) with scope areas given by code."""
    scope = [db.session.scalar(sa.select(Area).where(Area.code == code)) for code in areas or []]
    user = accounts.create_user(
        Actor.system("test"), username, password, [str(r) for r in roles], areas=scope
    )
    db.session.commit()
    return user


def load_tree(text: str = SMALL_TREE) -> None:
    import_areas(Actor.system("test"), text.encode(), max_bytes=10_000_000)
    db.session.commit()


@pytest.fixture
def tree(app_ctx: Any) -> None:
    load_tree()


@pytest.fixture
def users(app_ctx: Any, tree: None) -> dict[str, User]:
    return {
        "admin": make_user("admin", Role.ADMIN),
        "editor": make_user("editor", Role.EDITOR),
        "approver": make_user("approver", Role.APPROVER),
        "operator": make_user("operator", Role.OPERATOR, areas=["94101"]),
        "viewer": make_user("viewer", Role.VIEWER),
    }


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


class Browserish:
    """A test client that fetches a form page first, as a browser does, to get its CSRF token."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, **kw)

    def submit(self, url: str, data: dict[str, Any], *, page: str | None = None, **kw: Any) -> Any:
        html = self.client.get(page or url).get_data(as_text=True)
        return self.client.post(url, data={**data, "csrf_token": csrf_from(html)}, **kw)

    def login(self, username: str, password: str = PASSWORD) -> Any:
        return self.submit("/login", {"username": username, "password": password})


@pytest.fixture
def web(client: Any) -> Browserish:
    return Browserish(client)


@pytest.fixture
def login_as(app: Any) -> Any:
    def login(username: str, password: str = PASSWORD) -> Browserish:
        browser = Browserish(app.test_client())
        response = browser.login(username, password)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return browser

    return login


@pytest.fixture
def token_for(app_ctx: Any) -> Any:
    def make(username: str, name: str = "device") -> str:
        user = accounts.find_user(username)
        _token, plaintext = accounts.create_token(Actor.system("test"), user, name)
        db.session.commit()
        return plaintext

    return make


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


SAMPLES = Path(__file__).resolve().parent.parent.parent / "shared" / "samples" / "scripts.json"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked postgres_only run in the PostgreSQL pass (TEST_DATABASE_URL) only."""
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="PostgreSQL only: runs with TEST_DATABASE_URL=postgresql…")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)
