import gc
import importlib
import sys

from provmap import memory


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
