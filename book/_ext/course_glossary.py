"""The course glossary, rendered at build time from book/glossary.yml.

`book/glossary.md` holds a `{course-glossary}` directive, which turns every entry of the
YAML file into a Sphinx glossary item: the Korean and the English term (both targets of the
`{term}` role and of the index), a definition in each language inside `ko`/`en` blocks for the
language switch, and a link to the chapter that introduces the term (a docname such as
`notebooks/train_mnist`; a missing chapter is a broken reference, so `-n -W` fails the build).
That chapter is not written by hand: `first_chapters` finds, in the order of `_toc.yml`, the
first chapter whose Korean prose uses the term (or an accepted synonym).
tests/test_bilingual.py reads the same file to reject the known wrong Korean forms.
"""
import json
import re
from functools import lru_cache
from pathlib import Path

import yaml
from docutils import nodes
from sphinx import addnodes
from sphinx.domains.std import make_glossary_term
from sphinx.util.docutils import SphinxDirective

GLOSSARY = Path(__file__).resolve().parents[1] / "glossary.yml"
ROOT = GLOSSARY.parents[1]
REQUIRED = ("id", "ko", "en", "definition")
REFERENCE_PAGES = ("book/glossary", "book/instructors", "book/performance")  # pages about the course, not chapters of it
KOREAN_BLOCK = re.compile(r'<div class="ko">(.*?)</div>', re.S)
KOREAN_NOTES = (("also", "같은 뜻으로 쓰는 말"), ("wrong", "잘못된 표기"))


def load_glossary() -> list[dict]:
    """The entries of glossary.yml, sorted by their Korean term (가나다 order)."""
    entries = yaml.safe_load(GLOSSARY.read_text(encoding="utf-8"))["terms"]
    for entry in entries:
        missing = [key for key in REQUIRED if key not in entry] + [
            f"definition.{lang}" for lang in ("ko", "en") if lang not in entry.get("definition", {})]
        if missing:
            raise ValueError(f"{GLOSSARY.name}: entry {entry.get('id', entry)!r} lacks {', '.join(missing)}")
    return sorted(entries, key=lambda entry: entry["ko"])


def chapters() -> list[str]:
    """The docnames of the course's chapters in the order of _toc.yml (the root page and reference pages left out)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [chapter["file"] for part in toc["parts"] for chapter in part["chapters"]]
    return [name for name in files if name not in REFERENCE_PAGES]


def korean_prose(docname: str) -> str:
    """The text of every <div class="ko"> block of a chapter (a notebook's Markdown cells or a Markdown page)."""
    notebook = ROOT / f"{docname}.ipynb"
    if notebook.exists():
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")
    else:
        text = (ROOT / f"{docname}.md").read_text(encoding="utf-8")
    return "\n".join(KOREAN_BLOCK.findall(text))


def uses(text: str, form: str) -> bool:
    """Whether `text` holds the Korean `form`, with any spacing between its words."""
    return re.search(r"\s*".join(map(re.escape, form.split())), text) is not None


@lru_cache(maxsize=1)
def first_chapters() -> dict[str, str | None]:
    """For every glossary id, the first chapter in toc order whose Korean prose uses the term; None if none does."""
    prose = [(name, korean_prose(name)) for name in chapters()]
    return {entry["id"]: next((name for name, text in prose
                               if any(uses(text, form) for form in (entry["ko"], *entry.get("also", [])))), None)
            for entry in load_glossary()}


class CourseGlossary(SphinxDirective):
    """Render glossary.yml as a glossary with one item per term."""

    def run(self) -> list[nodes.Node]:
        self.env.note_dependency(str(GLOSSARY))
        for name in chapters():  # the "introduced in" links follow the chapters' prose
            self.env.note_dependency(str(next(ROOT.glob(f"{name}.*"))))
        try:
            entries = load_glossary()
        except (OSError, ValueError, KeyError, TypeError, yaml.YAMLError) as error:
            raise self.error(f"cannot read the glossary: {error}") from error
        items = nodes.definition_list(classes=["glossary"])
        items += [self.item(entry) for entry in entries]
        glossary = addnodes.glossary(sorted=False)
        glossary += items
        return [glossary]

    def term(self, text: str, node_id: str) -> nodes.term:
        return make_glossary_term(self.env, [nodes.Text(text)], None, *self.get_source_info(), node_id, self.state.document)

    def item(self, entry: dict) -> nodes.definition_list_item:
        item = nodes.definition_list_item()
        item += self.term(entry["ko"], f"term-{entry['id']}")
        item += self.term(entry["en"], f"term-{entry['id']}-en")
        notes = [f"{label}: {', '.join(entry[key])}" for key, label in KOREAN_NOTES if entry.get(key)]
        definition = nodes.definition()
        definition += self.block("ko", [entry["definition"]["ko"], *notes])
        definition += self.block("en", [entry["definition"]["en"]])
        chapter = first_chapters()[entry["id"]]
        if chapter is None:
            raise self.error(f"no chapter uses the term {entry['ko']!r} ({entry['en']}): use it or remove it")
        definition += self.chapter_link(chapter)
        item += definition
        return item

    def block(self, lang: str, paragraphs: list[str]) -> nodes.container:
        block = nodes.container(classes=[lang])
        block += self.parse_text_to_nodes("\n\n".join(paragraphs))
        return block

    def chapter_link(self, docname: str) -> nodes.paragraph:
        xref = addnodes.pending_xref("", nodes.inline(), refdomain="std", reftype="doc", reftarget="/" + docname,
                                     refexplicit=False, refwarn=True, refdoc=self.env.docname)
        xref.source, xref.line = self.get_source_info()
        return nodes.paragraph("", "", nodes.Text("처음 나오는 곳 · Introduced in: "), xref, classes=["glossary-chapter"])


def setup(app):
    app.add_directive("course-glossary", CourseGlossary)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
