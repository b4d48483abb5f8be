"""gc_paused: no automatic cycle collection inside, the collector as it was afterwards."""

import gc

import pytest

from provmap.interchange.gc_paused import gc_paused


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
