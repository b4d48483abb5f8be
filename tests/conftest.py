"""Shared fixtures: a school with its year and term, and the people who use it."""

from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Rate limits and used TOTP codes live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()
