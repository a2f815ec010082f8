"""The README and docs/ link only to files inside this repository, and every such file exists:
a maintainer never needs anything outside the checkout."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# [text](target) and [text](target "title"); images too. Code spans are removed first.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto:


def links(text: str) -> list[str]:
    text = CODE_SPAN.sub("", FENCE.sub("", text))
    return LINK.findall(text)


def relative_targets(path: Path) -> list[str]:
    targets = []
    for target in links(path.read_text(encoding="utf-8")):
        if EXTERNAL.match(target) or target.startswith("#"):
            continue
        targets.append(target.split("#", 1)[0])
    return targets


def test_the_docs_exist_and_have_links():
    names = {p.name for p in DOCS}
    assert {"README.md", "architecture.md", "api.md", "operations.md"} <= names
    assert sum(len(relative_targets(p)) for p in DOCS) >= 5


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_to_a_file_in_the_repo(doc):
    broken, outside = [], []
    for target in relative_targets(doc):
        resolved = (doc.parent / target).resolve()
        if not resolved.is_relative_to(ROOT):
            outside.append(target)
        elif not resolved.exists():
            broken.append(target)
    assert not outside, f"{doc.name} links outside the repository: {outside}"
    assert not broken, f"{doc.name} links to missing files: {broken}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_doc_refers_to_the_shared_design_folder(doc):
    text = doc.read_text(encoding="utf-8")
    assert "../shared" not in text and "shared/docs" not in text, (
        f"{doc.name} mentions the design folder outside the repository; link docs/ instead")


def test_the_link_parser_sees_what_it_must():
    text = ("[a](docs/api.md) ![i](img.png \"t\") [x](https://example.cn) [s](#top) "
            "`[c](not/a/link.md)`\n```\n[f](fenced.md)\n```\n")
    assert links(text) == ["docs/api.md", "img.png", "https://example.cn", "#top"]


def test_a_link_outside_the_repo_is_caught(tmp_path, monkeypatch):
    doc = ROOT / "docs" / "api.md"
    monkeypatch.setattr(Path, "read_text", lambda self, **kw: "[x](../../shared/docs/API.md)")
    with pytest.raises(AssertionError, match="outside the repository"):
        test_every_relative_link_points_to_a_file_in_the_repo(doc)
