"""common.staticstorage: hashed (cache-busted) names once collectstatic wrote its manifest, the plain
names before it, and the plain name of a file added since (never an error page for a missing entry)."""

from __future__ import annotations

import json
from pathlib import Path

from common.staticstorage import ConsoleStaticStorage


def test_plain_names_without_a_manifest(tmp_path: Path) -> None:
    storage = ConsoleStaticStorage(location=str(tmp_path), base_url="/static/")
    assert storage.url("common/dashboard.css") == "/static/common/dashboard.css"


def test_hashed_names_from_the_manifest_and_plain_for_a_newer_file(tmp_path: Path) -> None:
    manifest = {"paths": {"common/dashboard.css": "common/dashboard.0123456789ab.css"}, "version": "1.1", "hash": "x"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    storage = ConsoleStaticStorage(location=str(tmp_path), base_url="/static/")
    assert storage.url("common/dashboard.css") == "/static/common/dashboard.0123456789ab.css"
    assert storage.url("common/added-since.js") == "/static/common/added-since.js"
