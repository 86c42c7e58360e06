"""Keeps the cyclic garbage collector's full passes short in a long-running ``warden up``.

What lives for the whole run (the config with its thousands of monitor models, probes, the
store's name maps) is moved to the collector's permanent generation once it is built, so a
full pass no longer walks it: with 10,000 monitors a pass fell from about 100 ms, a pause
every API call may land in, to under 5 ms (bench/web_overview.py). A reload unfreezes first,
so what the new config replaced can still be collected, then freezes again. Reference
counting frees everything as usual; only cycles among frozen objects wait for the next settle.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Collect what is garbage now, then freeze what is left."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
