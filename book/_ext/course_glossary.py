"""The course glossary, rendered at build time from book/glossary.yml.

`book/glossary.md` holds a `{course-glossary}` directive, which turns every entry of the
YAML file into a Sphinx glossary item: the Korean and the English term (both targets of the
`{term}` role and of the index), a definition in each language inside `ko`/`en` blocks for the
language switch, and a link to the chapter that introduces the term (a docname such as
`notebooks/train_mnist`; a missing chapter is a broken reference, so `-n -W` fails the build).
tests/test_bilingual.py reads the same file to reject the known wrong Korean forms.
"""
from pathlib import Path

import yaml
from docutils import nodes
from sphinx import addnodes
from sphinx.domains.std import make_glossary_term
from sphinx.util.docutils import SphinxDirective

GLOSSARY = Path(__file__).resolve().parents[1] / "glossary.yml"
REQUIRED = ("id", "ko", "en", "chapter", "definition")
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


class CourseGlossary(SphinxDirective):
    """Render glossary.yml as a glossary with one item per term."""

    def run(self) -> list[nodes.Node]:
        self.env.note_dependency(str(GLOSSARY))
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
        definition += self.chapter_link(entry["chapter"])
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
