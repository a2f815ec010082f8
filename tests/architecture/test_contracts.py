"""The architecture is enforced, not remembered: the import contracts in `.importlinter`
hold on the tree, and each contract really catches the import it forbids."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("backend", "courses", "volunteers", "frontend_api")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    # PYTHONPATH first, so grimp reads the copy in `cwd`, not the editable install.
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(cwd / ".importlinter"), "--no-cache"],
        cwd=cwd, env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120, check=False,
    )


def test_the_tree_keeps_every_contract():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory):
    copy = tmp_path_factory.mktemp("tree")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, copy / package,
                        ignore=shutil.ignore_patterns("__pycache__", "static", "templates"))
    shutil.copy(ROOT / ".importlinter", copy / ".importlinter")
    return copy


# (module placed in the copy, the forbidden import it makes, the contract that must object)
PROBES = [
    ("volunteers/_probe.py", "import courses.models", "Layers"),
    ("backend/core/_probe.py", "import volunteers.selectors", "Layers"),
    ("courses/_probe.py", "import frontend_api.schema", "Layers"),
    ("courses/_probe.py", "import wechatpy", "wechatpy only under backend.wechat"),
    ("frontend_api/_probe.py", "import wechatpy.client", "wechatpy only under backend.wechat"),
    ("backend/certificates/_probe.py", "import reportlab.pdfgen",
     "ReportLab only in backend.certificates.renderer"),
    # courses may use volunteers (the layers), but not the volunteer models module
    ("courses/_probe.py", "import volunteers.models", "Volunteer models only"),
    ("courses/services/_probe.py", "from volunteers.models import Volunteer",
     "Volunteer models only"),
    ("backend/notifications/_probe.py", "import courses.tutoring.models",
     "Course models only in courses and frontend_api"),
]


@pytest.mark.parametrize(("path", "line", "contract"), PROBES,
                         ids=[f"{p[0]}:{p[1]}" for p in PROBES])
def test_each_contract_catches_a_forbidden_import(tree_copy, path, line, contract):
    probe = tree_copy / path
    probe.write_text(f"{line}  # a forbidden import, planted by the test\n")
    try:
        result = _lint_imports(tree_copy)
    finally:
        probe.unlink()
    assert result.returncode != 0, result.stdout
    # "NAME BROKEN", or "NAME BROKEN (1 ignored import)" for a contract with ignore_imports
    broken = [row for row in result.stdout.splitlines()
              if re.search(r" BROKEN( \(\d+ ignored imports?\))?$", row)]
    assert any(row.startswith(contract) for row in broken), result.stdout
