"""No application module grows past 500 lines: a file that does ten things is split by
topic into a package (as `volunteers/services/` was), not left to grow."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 500


def _app_modules():
    for package in ("backend", "courses", "volunteers", "frontend_api"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def test_the_scan_sees_the_apps():
    assert sum(1 for _ in _app_modules()) > 50


def test_no_app_module_is_over_500_lines():
    too_long = {
        str(path.relative_to(ROOT)): n
        for path in _app_modules()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > LIMIT
    }
    assert not too_long, f"split these modules by topic (limit {LIMIT} lines): {too_long}"
