"""The agent's disk buffer: whole files in order, ids kept, bounded, survives a restart."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from warden.agents.spool import Spool, batch_id


def test_batches_wait_in_order_and_keep_their_ids(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s")
    first = spool.add({"results": [{"monitor": "a"}]})
    second = spool.add({"batch": "fixed-id-0001", "results": []})
    assert spool.pending() == [first, second]
    body = json.loads(gzip.decompress(spool.read(first)))
    assert body["batch"] == batch_id(first)
    assert batch_id(second) == "fixed-id-0001"
    assert not list((tmp_path / "s").glob("*.tmp"))
    spool.done(first)
    assert spool.pending() == [second]


def test_a_restart_finds_the_batches_and_continues_the_sequence(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    kept = spool.add({"results": []})
    (tmp_path / "000000000009-x.json.gz.tmp").write_bytes(b"half a batch")  # a cut write
    spool.save_assignment({"etag": "e1", "monitors": []})
    again = Spool(tmp_path)
    assert again.pending() == [kept]
    assert not list(tmp_path.glob("*.tmp"))
    newer = again.add({"results": []})
    assert again.pending() == [kept, newer]
    assert again.load_assignment() == {"etag": "e1", "monitors": []}


def test_a_full_spool_drops_the_oldest_batches(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=1500)
    paths = [spool.add({"results": [{"n": i, "pad": f"{i}" * 300}]}) for i in range(20)]
    left = spool.pending()
    assert spool.dropped > 0
    assert left == paths[-len(left) :]  # the newest are kept
    assert spool.dropped + len(left) == 20
