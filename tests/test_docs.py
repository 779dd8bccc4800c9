"""The documentation stands on its own: every link in README.md and docs/ resolves inside
the repository (files and #anchors), and docs/scenes.md names every key the scene
validator accepts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from renderer.scene.format import TABLES

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
# [text](target) and ![alt](target); the target ends at the first blank or ")".
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$", re.M)
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.M)


def _prose(text: str) -> str:
    """The page without its code blocks and code spans, where links are not links."""
    return _CODE_SPAN.sub("", _FENCE.sub("", text))


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, blanks to -."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text stays
    text = text.strip().lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every heading anchor of a Markdown page (repeated headings get -1, -2...)."""
    seen: dict[str, int] = {}
    out: set[str] = set()
    for heading in _HEADING.findall(_FENCE.sub("", page.read_text(encoding="utf-8"))):
        base = slug(heading)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def links(page: Path) -> list[str]:
    text = _prose(page.read_text(encoding="utf-8"))
    return _LINK.findall(text) + _REF_DEF.findall(text)


def test_the_link_reader_reads_links():
    # The checker must see links (an empty list would pass anything) and anchors as GitHub
    # makes them.
    assert "docs/scenes.md" in links(REPO / "README.md")
    assert slug("Long renders: frame ranges, resuming and Ray") == (
        "long-renders-frame-ranges-resuming-and-ray"
    )
    assert slug("`[camera.orbit]`: exactly one of three forms") == (
        "cameraorbit-exactly-one-of-three-forms"
    )
    assert "editor-support" in anchors(REPO / "docs" / "scenes.md")


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_link_resolves_inside_the_repository(page):
    bad = []
    for target in links(page):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I):
            continue  # a web address: the page's sources, not a file of the project
        path_part, _, anchor = target.partition("#")
        dest = (page.parent / path_part).resolve() if path_part else page
        if not dest.is_relative_to(REPO):
            bad.append(f"{target}: outside the repository")
        elif not dest.exists():
            bad.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            bad.append(f"{target}: no heading #{anchor} in {dest.name}")
    assert not bad, f"{page.name}: " + "; ".join(bad)


def test_scene_reference_names_every_key_the_validator_accepts():
    text = (REPO / "docs" / "scenes.md").read_text(encoding="utf-8")
    spans = " ".join(_CODE_SPAN.findall(_FENCE.sub("", text)))
    named = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", spans))
    missing = [
        f"{table.path or '(top level)'}.{key.name}"
        for table in TABLES
        for key in table.keys
        if key.name not in named
    ]
    assert not missing, "docs/scenes.md does not describe " + ", ".join(missing)
