"""Shared fixtures: a school with its year and term, and the people who use it."""

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from provmap.schools.scoping import all_schools

_OPEN_TO_ALL_SCHOOLS = pytest.StashKey[object]()


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Rate limits and used TOTP codes live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def pytest_configure(config: pytest.Config) -> None:
    """Tests build and inspect several schools' rows directly, as commands do, so the test
    process itself is open to every school (fixtures of any scope included). Requests made
    through the test client or the browser still run inside the scope the access middleware
    opens, so pages are tested as they run in production."""
    # Kept referenced: a context manager collected as garbage would close and restore.
    config.stash[_OPEN_TO_ALL_SCHOOLS] = opened = all_schools()
    opened.__enter__()
