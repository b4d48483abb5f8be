"""provmap/memory.py: how serving processes, imports and exports keep the collector down."""

import gc
import importlib
import sys

import pytest

from provmap import memory
from provmap.memory import gc_paused


def test_a_serving_process_freezes_what_it_loaded_and_collects_less_often():
    before = gc.get_threshold()
    try:
        memory.settle_after_start()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == memory.YOUNG_THRESHOLD
        # The serving module settles itself as it loads.
        gc.unfreeze()
        if "provmap.wsgi" in sys.modules:
            importlib.reload(sys.modules["provmap.wsgi"])
        else:
            importlib.import_module("provmap.wsgi")

        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


@pytest.fixture
def collector_as_it_was():
    was_enabled = gc.isenabled()
    yield
    if was_enabled:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.usefixtures("collector_as_it_was")
def test_the_collector_waits_inside_and_runs_again_afterwards_even_after_an_error():
    gc.enable()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        # The inner pause leaves the outer one alone.
        assert not gc.isenabled()
    assert gc.isenabled()

    with pytest.raises(ValueError), gc_paused():
        raise ValueError("a refused file")
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_as_it_was")
def test_a_process_that_keeps_the_collector_off_keeps_it_off():
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()
