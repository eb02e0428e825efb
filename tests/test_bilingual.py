"""Bilingual lint: every page of the course says the same thing in Korean and in English.

Prose is written in `<div class="ko">` … `</div>` and `<div class="en">` … `</div>` blocks, a
Korean block followed by its English counterpart; headings sit outside the blocks as
"한국어 · English"; display equations may sit between the blocks (shared) or inside them (then
both blocks hold the same number); code cells are exempt. The rules run over every notebook in
notebooks/ and every Markdown page in book/, and the terms of book/glossary.yml are checked too.
"""
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
import yaml
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
from course_glossary import GLOSSARY, REFERENCE_PAGES, chapters, first_chapters, korean_prose, load_glossary, uses  # noqa: E402  (book/_ext is not a package)

HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
OPEN = re.compile(r'<div class="(ko|en)">\s*$')
CLOSE = re.compile(r"</div>\s*$")
FENCE = re.compile(r"\s*(`{3,}|~{3,}|:{3,})")
HEADING = re.compile(r"#{1,6}\s+(.*?)\s*#*\s*$")
BILINGUAL_HEADING = re.compile(r".*[\uac00-\ud7a3].*? · [^\uac00-\ud7a3]*[A-Za-z][^\uac00-\ud7a3]*")
CODE_SPAN = re.compile(r"(`+).+?\1")
AMS_ENV = re.compile(r"\\begin\{(?:equation|align|gather|multline|eqnarray)\*?\}")
IMAGE = re.compile(r"!\[([^\]]*)\]\(|<img\b[^>]*>")
NOT_PROSE = re.compile(r"\s*(<|\(.*\)=\s*$|\+\+\+|!\[[^\]]*\]\([^)]*\)\s*$|\$\$)")
MARKDOWN = MarkdownIt("commonmark").use(dollarmath_plugin)


@dataclass
class Block:
    lang: str
    line: int  # 1-based line of the opening tag
    lines: list[str] = field(default_factory=list)
    closed: bool = False

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class Page:
    blocks: list[Block] = field(default_factory=list)
    headings: list[tuple[int, str, Block | None]] = field(default_factory=list)  # (line, title, enclosing block)
    prose: list[tuple[int, str]] = field(default_factory=list)  # text outside any block
    problems: list[tuple[int, str]] = field(default_factory=list)


def region_closer(line: str, number: int) -> str | None:
    """What ends the code fence, display equation, comment or front matter that `line` opens, if any."""
    if fence := FENCE.match(line):
        return fence.group(1)
    if line.startswith("$$") and line.count("$$") % 2 == 1:
        return "$$"
    if line.startswith("<!--") and "-->" not in line:
        return "-->"
    return "---" if number == 1 and line == "---" else None


def closes(line: str, closer: str) -> bool:
    if closer[0] in "`~:":
        return line.startswith(closer) and not line.strip(closer[0])
    return closer in line if closer != "---" else line == "---"


def parse(text: str) -> Page:
    """Split Markdown into language blocks, headings and stray prose; code, math and comments are not prose."""
    page, block, closer = Page(), None, None
    for number, line in enumerate(text.splitlines(), start=1):
        if closer is None and block is not None and CLOSE.match(line):
            block.closed, block = True, None
            continue
        if closer is None and (tag := OPEN.match(line)):
            if block is not None:
                page.problems.append((number, f'a <div class="{block.lang}"> block (line {block.line}) is still open: '
                                              "close it with </div> before opening the next block"))
            block = Block(tag.group(1), number)
            page.blocks.append(block)
            continue
        if block is not None:
            block.lines.append(line)
        if closer is not None:
            closer = None if closes(line.strip(), closer) else closer
            continue
        closer = region_closer(line.strip(), number)
        if closer is None and (heading := HEADING.fullmatch(line)):
            page.headings.append((number, heading.group(1), block))
        elif closer is None and block is None and line.strip() and not NOT_PROSE.match(line):
            page.prose.append((number, line.strip()))
    return page


def wrong_forms() -> list[tuple[re.Pattern, str]]:
    """(pattern, agreed form) for every known wrong Korean form in glossary.yml; spacing is free."""
    return [(re.compile(r"\s*".join(map(re.escape, wrong.split()))), f"{entry['ko']} ({entry['en']})")
            for entry in load_glossary() for wrong in entry.get("wrong", [])]


WRONG = wrong_forms()


def check_pairs(page: Page) -> list[tuple[int, str]]:
    problems = []
    expected = "ko"
    for block in page.blocks:
        if block.lang != expected:
            missing = "an English (en)" if expected == "en" else "a Korean (ko)"
            problems.append((block.line, f'{missing} block is missing before this <div class="{block.lang}">: '
                                         "write prose as a ko block followed by its en block"))
        expected = "en" if block.lang == "ko" else "ko"
    if page.blocks and page.blocks[-1].lang == "ko":
        problems.append((page.blocks[-1].line, 'this Korean block has no English counterpart: add a <div class="en"> block after it'))
    return problems


def check_tags(block: Block) -> list[tuple[int, str]]:
    problems = []
    if not block.closed:
        problems.append((block.line, f'<div class="{block.lang}"> is never closed: add </div> on a line of its own'))
    if not block.lines or block.lines[0].strip():
        problems.append((block.line, f'add a blank line after <div class="{block.lang}">, or the Markdown inside does not render'))
    if block.closed and (not block.lines or block.lines[-1].strip()):
        problems.append((block.line + len(block.lines) + 1, "add a blank line before </div>, or the Markdown inside does not render"))
    return problems


def display_equations(text: str) -> int:
    return text.count("$$") // 2 + len(AMS_ENV.findall(text))


def check_equations(page: Page) -> list[tuple[int, str]]:
    problems = []
    for ko, en in zip(page.blocks[::2], page.blocks[1::2]):
        if (ko.lang, en.lang) == ("ko", "en") and display_equations(ko.text) != display_equations(en.text):
            problems.append((ko.line, f"the Korean block has {display_equations(ko.text)} display equations ($$…$$) and its "
                                      f"English block (line {en.line}) {display_equations(en.text)}: give both the same equations"))
    return problems


def check_script(block: Block) -> list[tuple[int, str]]:
    korean = re.search(rf"\S*{HANGUL.pattern}\S*", CODE_SPAN.sub("", block.text))
    if block.lang == "ko" and not korean:
        return [(block.line, "this Korean block has no Hangul: write it in Korean (or is it the English block?)")]
    if block.lang == "en" and korean:
        return [(block.line, f"this English block contains Hangul ('{korean.group()}'): keep Korean in the ko block "
                             "(code spans are exempt)")]
    return []


def check_terms(text: str, line: int) -> list[tuple[int, str]]:
    return [(line + text[:match.start()].count("\n"), f"'{match.group()}' is a wrong form: write {agreed} (book/glossary.yml)")
            for pattern, agreed in WRONG for match in pattern.finditer(text)]


BRITISH = re.compile(
    r"\b(?:(?:maxim|minim|normal|optim|regular|parameter|reparameter|summar|visual|initial|general|characte?r|recogn|"
    r"organ|real|util|emphas|standard|stabil|amort|categor|discret|vector|quant|random|tokeni?)is(?:e|es|ed|ing|er|ers|ation|ations)"
    r"|behaviour|colour|favour|neighbour|centre|centred|grey|greys|modell(?:ing|ed)|labell(?:ing|ed)|analys(?:e|ed|ing)|catalogue)\b",
    re.I)


def check_spelling(text: str, line: int) -> list[tuple[int, str]]:
    """English prose uses American spelling: maximize, normalize, behavior, color, modeling, labeled."""
    return [(line + text[:match.start()].count("\n"), f"'{match.group()}' is British spelling: the course writes American English")
            for match in BRITISH.finditer(CODE_SPAN.sub("", text))]


def check_bold(text: str, line: int) -> list[tuple[int, str]]:
    """`**` that CommonMark leaves as literal text, e.g. `**증거 하한(ELBO)**을`."""
    problems = []
    for token in MARKDOWN.parse(text):
        for child in token.children or []:
            if child.type == "text" and "**" in child.content:
                at = child.content.index("**")
                near = child.content[max(0, at - 12):at + 14]
                problems.append((line + token.map[0], f"'**' does not render as bold near '{near}': a bold span must not end "
                                                      "with punctuation right before Hangul, nor start with punctuation right "
                                                      "after a letter; write **증거 하한**(ELBO)을, not **증거 하한(ELBO)**을"))
    return problems


def check_headings(page: Page) -> list[tuple[int, str]]:
    problems = []
    for line, title, block in page.headings:
        if block is not None:
            problems.append((line, f"heading '{title}' is inside a <div class=\"{block.lang}\"> block: move it out, written "
                                   "'한국어 · English'"))
        elif not BILINGUAL_HEADING.fullmatch(title):
            problems.append((line, f"heading '{title}' should be bilingual: '한국어 제목 · English title'"))
    return problems


def check_prose(page: Page) -> list[tuple[int, str]]:
    return [(line, f"text outside a language block ('{text[:40]}'): put it in the ko block and its translation in the en block")
            for line, text in page.prose]


def check_images(text: str, line: int) -> list[tuple[int, str]]:
    problems = []
    for match in IMAGE.finditer(text):
        alt = match.group(1) if match.group(1) is not None else "".join(re.findall(r'\balt="([^"]*)"', match.group()))
        if not alt.strip():
            problems.append((line + text[:match.start()].count("\n"), "image without alt text: describe it, '한국어 · English'"))
    return problems


def lint_markdown(text: str) -> list[tuple[int, str]]:
    """Every rule on one Markdown page or notebook cell: (line, message) pairs, sorted by line."""
    page = parse(text)
    problems = page.problems + check_pairs(page) + check_equations(page) + check_headings(page) + check_prose(page)
    problems += check_terms(text, 1) + check_images(text, 1)
    for block in page.blocks:
        problems += check_tags(block) + check_script(block) + check_bold(block.text, block.line + 1)
        if block.lang == "en":
            problems += check_spelling(block.text, block.line + 1)
    problems += [problem for line, title, _ in page.headings for problem in check_spelling(title.split(" · ")[-1], line)]
    return sorted(problems)


def lint_figure_cell(cell) -> list[tuple[int, str]]:
    """A code cell that draws a figure carries bilingual alt text in its metadata (myst-nb puts it on the <img>)."""
    if not any("image/png" in output.get("data", {}) or "image/svg+xml" in output.get("data", {})
               for output in cell.get("outputs", [])):
        return []
    alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
    if " · " in alt and HANGUL.search(alt.split(" · ")[0]) and not HANGUL.search(alt.split(" · ")[1]):
        return []
    return [(1, "this cell draws a figure: give it alt text in its metadata, "
                "mystnb: {image: {alt: '한국어 설명 · English description'}}")]


def lint_file(path: Path) -> list[str]:
    name = path.relative_to(ROOT).as_posix()
    if path.suffix == ".md":
        return [f"{name}, line {line}: {message}" for line, message in lint_markdown(path.read_text(encoding="utf-8"))]
    messages = []
    for number, cell in enumerate(nbformat.read(path, as_version=4).cells):
        first = next((line for line in cell.source.splitlines() if line.strip()), "")[:40]
        problems = lint_markdown(cell.source) if cell.cell_type == "markdown" else lint_figure_cell(cell)
        messages += [f"{name}, cell {number} ('{first}'), line {line}: {message}" for line, message in problems]
    return messages


def course_pages() -> list[Path]:
    pages = sorted((ROOT / "notebooks").rglob("*.ipynb")) + sorted((ROOT / "book").rglob("*.md"))
    return [page for page in pages if not any(part.startswith((".", "_")) for part in page.relative_to(ROOT).parts)]


@pytest.mark.parametrize("path", course_pages(), ids=lambda path: path.relative_to(ROOT).as_posix())
def test_page_is_bilingual(path):
    messages = lint_file(path)
    assert not messages, "\n" + "\n".join(messages)


def test_pages_are_discovered():
    names = {path.relative_to(ROOT).as_posix() for path in course_pages()}
    assert {"book/intro.md", "book/glossary.md", "notebooks/train_mnist.ipynb"} <= names


# The glossary data --------------------------------------------------------------------------------

CORE_TERMS = {"variational autoencoder (VAE)", "latent variable", "prior", "posterior", "likelihood", "log-likelihood",
              "evidence lower bound (ELBO)", "variational inference", "reparameterization (trick)",
              "Kullback–Leibler (KL) divergence", "encoder", "decoder", "reconstruction term", "binary cross-entropy (BCE)",
              "dynamic binarization", "epoch", "batch (mini-batch)", "nat", "manifold", "amortized inference",
              "score-function estimator", "importance-weighted estimate", "posterior collapse", "KL annealing",
              "conditional VAE (CVAE)", "active units (AU)", "bits per dimension (bits/dim)"}


def toc_files() -> set[str]:
    return set(re.findall(r"file:\s*(\S+)", (ROOT / "_toc.yml").read_text(encoding="utf-8"))) | {
        yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))["root"]}


def test_glossary_has_the_core_terms_once():
    entries = load_glossary()
    for key in ("id", "ko", "en"):
        values = [entry[key] for entry in entries]
        assert len(values) == len(set(values)), f"duplicate {key} in {GLOSSARY.name}"
    assert CORE_TERMS <= {entry["en"] for entry in entries}, CORE_TERMS - {entry["en"] for entry in entries}


@pytest.mark.parametrize("entry", load_glossary(), ids=lambda entry: entry["id"])
def test_glossary_entry(entry):
    ko, en = entry["definition"]["ko"], entry["definition"]["en"]
    assert HANGUL.search(ko) and not HANGUL.search(en + entry["en"]), "Korean definition in Korean, English in English"
    assert first_chapters()[entry["id"]] is not None, f"no chapter's Korean prose uses {entry['ko']!r}: use it or remove it"
    wrong, accepted = set(entry.get("wrong", [])), {entry["ko"], *entry.get("also", [])}
    assert all(HANGUL.search(form) for form in wrong | accepted), "Korean forms contain Hangul"
    assert not wrong & accepted, "a form cannot be both accepted and wrong"
    assert check_terms(entry["ko"] + "\n" + ko + "\n" + "\n".join(accepted), 1) == [], "the glossary itself uses a wrong form"
    assert check_bold(ko, 1) == check_bold(en, 1) == []


@pytest.mark.parametrize("term_id", ["latent-variable", "prior", "posterior", "logit", "log-variance", "epoch", "batch",
                                     "learning-rate", "dynamic-binarization", "kl", "closed-form", "bce", "bernoulli",
                                     "manifold", "amortized-inference"])
def test_terms_the_first_chapter_uses_link_to_it(term_id):
    """The review found these linked to later chapters; the first chapter in toc order uses them all."""
    assert chapters()[0] == "notebooks/autoencoders"
    assert first_chapters()[term_id] == "notebooks/autoencoders"


def test_introduced_in_is_the_first_chapter_in_toc_order_that_uses_the_term():
    order = chapters()
    assert order == [name for name in toc_files_in_order() if name not in (*REFERENCE_PAGES, "book/intro")]
    for entry in load_glossary():
        first = first_chapters()[entry["id"]]
        earlier = order[:order.index(first)]
        forms = (entry["ko"], *entry.get("also", []))
        assert any(uses(korean_prose(first), form) for form in forms)
        assert not any(uses(korean_prose(name), form) for name in earlier for form in forms), entry["id"]


def toc_files_in_order() -> list[str]:
    return re.findall(r"file:\s*(\S+)", (ROOT / "_toc.yml").read_text(encoding="utf-8"))


# The rules themselves, each on a small bad example -------------------------------------------------

GOOD = """# 제목 · Title

<div class="ko">

**증거 하한**(ELBO)을 최대화합니다. `코드`

</div>

<div class="en">

We maximize the **ELBO**.

</div>

$$
x = 1
$$
"""


def messages(text: str) -> str:
    return "\n".join(message for _, message in lint_markdown(text))


def test_a_good_page_passes():
    assert lint_markdown(GOOD) == []


@pytest.mark.parametrize("bad, expected", [
    (GOOD.replace('<div class="en">', '<div class="ko">'), "no English counterpart"),
    ('<div class="en">\n\nText.\n\n</div>\n', "a Korean (ko) block is missing"),
    (GOOD.replace("<div class=\"ko\">\n\n", "<div class=\"ko\">\n"), "blank line after <div class=\"ko\">"),
    (GOOD.replace("합니다. `코드`\n\n</div>", "합니다. `코드`\n</div>"), "blank line before </div>"),
    (GOOD.replace("\nWe maximize the **ELBO**.\n\n</div>", "\nWe maximize the **ELBO**.\n"), "never closed"),
    (GOOD.replace("We maximize", "$$\ny\n$$\n\nWe maximize"), "has 0 display equations"),
    (GOOD.replace("**증거 하한**(ELBO)을 최대화합니다.", "ELBO"), "no Hangul"),
    (GOOD.replace("We maximize", "우리는 maximize"), "English block contains Hangul ('우리는')"),
    (GOOD.replace("We maximize", "We maximise"), "'maximise' is British spelling"),
    (GOOD.replace("We maximize", "Its behaviour: we maximize"), "'behaviour' is British spelling"),
    (GOOD.replace("최대화합니다", "이전 분포를 최대화합니다"), "'이전 분포' is a wrong form: write 사전 분포 (prior)"),
    (GOOD.replace("최대화합니다", "이후분포를 최대화합니다"), "'이후분포' is a wrong form: write 사후 분포 (posterior)"),
    (GOOD.replace("**증거 하한**(ELBO)을", "**증거 하한(ELBO)**을"), "'**' does not render as bold"),
    (GOOD.replace("# 제목 · Title", "# 제목"), "heading '제목' should be bilingual"),
    (GOOD.replace("# 제목 · Title", "# Title"), "heading 'Title' should be bilingual"),
    (GOOD.replace("**증거 하한**", "## 소제목 · Subtitle\n\n**증거 하한**"), "is inside a <div class=\"ko\"> block"),
    (GOOD + "\nStray text.\n", "text outside a language block ('Stray text.')"),
    (GOOD.replace("We maximize", "![](figure.png)\n\nWe maximize"), "image without alt text"),
    (GOOD.replace("We maximize", '<img src="figure.png" alt="">\n\nWe maximise'), "image without alt text"),
])
def test_rule_catches(bad, expected):
    assert expected in messages(bad)


def test_code_fences_and_shared_math_are_not_prose():
    assert lint_markdown(GOOD + "\n```python\nprint('한글')\n```\n\n$$\ny = 2\n$$\n\n(label)=\n") == []


def test_figure_cell_needs_bilingual_alt_text():
    cell = nbformat.v4.new_code_cell("plt.show()", outputs=[nbformat.v4.new_output("display_data", data={"image/png": ""})])
    assert "alt text" in lint_figure_cell(cell)[0][1]
    cell.metadata["mystnb"] = {"image": {"alt": "숫자 16개 · Sixteen digits"}}
    assert lint_figure_cell(cell) == []


def test_messages_name_file_cell_and_line(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1"), nbformat.v4.new_markdown_cell("# 제목")])
    nbformat.write(notebook, tmp_path / "bad.ipynb")
    assert lint_file(tmp_path / "bad.ipynb") == [
        "bad.ipynb, cell 1 ('# 제목'), line 1: heading '제목' should be bilingual: '한국어 제목 · English title'"]


def test_exercise_hints_are_bilingual():
    """The hints the checks show (vae_course/checks/hints.json) follow the rules of the pages: Korean in 'ko',
    none in 'en', the glossary's forms, American spelling; and every check has one, every hint a check."""
    from vae_course.checks import CHECKS, HINTS

    assert set(HINTS) == set(CHECKS)
    problems = []
    for exercise, hint in HINTS.items():
        problems += [f"{exercise} (ko): no Hangul"] if not HANGUL.search(hint["ko"]) else []
        problems += [f"{exercise} (en): Hangul"] if HANGUL.search(hint["en"]) else []
        problems += [f"{exercise} (ko): {message}" for _, message in check_terms(hint["ko"], 1)]
        problems += [f"{exercise} (en): {message}" for _, message in check_spelling(hint["en"], 1)]
    assert problems == []
