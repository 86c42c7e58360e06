"""Accepted findings: inline ``warden:ignore`` comments with a reason, and baselines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from warden.scan import ScanError, ScanOptions, baseline_document, load_baseline, scan_path

OFF = ScanOptions(kustomize="off", runtime=False)


def _insert(path: Path, line: int, text: str) -> None:
    lines = path.read_text().splitlines()
    lines.insert(line - 1, text)
    path.write_text("\n".join(lines) + "\n")


def test_an_inline_comment_with_a_reason_suppresses_the_next_line(bad_copy: Path) -> None:
    compose = bad_copy / "docker/docker-compose.yml"
    _insert(compose, 9, "    # warden:ignore=image.latest cache is rebuilt nightly")
    report = scan_path(bad_copy, OFF)
    assert not any(
        f.id == "image.latest" and f.file.endswith("compose.yml") for f in report.findings
    )
    (gone,) = [s for s in report.suppressed if s.finding.id == "image.latest"]
    assert gone.reason == "cache is rebuilt nightly"
    assert gone.how == "inline"


def test_a_comment_above_a_resource_covers_the_whole_block(bad_copy: Path) -> None:
    main = bad_copy / "terraform/modules/database/main.tf"
    _insert(main, 7, "# warden:ignore=dr.*,storage.unencrypted legacy instance, replaced in Q3")
    report = scan_path(bad_copy, OFF)
    left = {f.id for f in report.findings if f.file == "terraform/modules/database/main.tf"}
    assert left == {"db.public", "db.public_subnet"}
    assert {s.finding.id for s in report.suppressed} >= {
        "dr.backup_retention",
        "dr.no_multi_az",
        "dr.skip_final_snapshot",
        "storage.unencrypted",
    }


def test_a_comment_without_a_reason_is_not_applied(bad_copy: Path) -> None:
    compose = bad_copy / "docker/docker-compose.yml"
    _insert(compose, 9, "    # warden:ignore=image.latest")
    report = scan_path(bad_copy, OFF)
    assert any(f.id == "image.latest" and f.file.endswith("compose.yml") for f in report.findings)
    assert any("without a reason is not applied" in n for n in report.notes)


def test_a_baseline_accepts_what_it_lists_even_after_lines_move(bad_copy: Path) -> None:
    first = scan_path(bad_copy, OFF)
    doc = baseline_document(first.findings, "accepted in review")
    path = bad_copy / "warden-baseline.json"
    path.write_text(json.dumps(doc))
    _insert(bad_copy / "docker/docker-compose.yml", 1, "# a new comment moves every line")
    again = scan_path(
        bad_copy, ScanOptions(kustomize="off", runtime=False, baseline=load_baseline(path))
    )
    assert again.findings == []
    assert len(again.suppressed) == len(first.findings)
    assert {s.how for s in again.suppressed} == {"baseline"}


def test_a_new_problem_is_not_hidden_by_the_baseline(bad_copy: Path) -> None:
    first = scan_path(bad_copy, OFF)
    accepted = {f["fingerprint"]: f for f in baseline_document(first.findings, "ok")["findings"]}
    (bad_copy / "docker/new").mkdir()
    (bad_copy / "docker/new/Dockerfile").write_text("FROM alpine\n")
    again = scan_path(bad_copy, ScanOptions(kustomize="off", runtime=False, baseline=accepted))
    assert {(f.id, f.file) for f in again.findings} == {
        ("image.latest", "docker/new/Dockerfile"),
        ("container.root", "docker/new/Dockerfile"),
    }


@pytest.mark.parametrize("text", ["not json", "[]", '{"findings": [{"id": "x"}]}'])
def test_a_malformed_baseline_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(text)
    with pytest.raises(ScanError, match="baseline"):
        load_baseline(path)
