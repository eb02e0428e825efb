"""Search in Korean and English: Sphinx's English search, plus Korean words without their particles.

Korean attaches particles to nouns (손실을, 손실이, 손실은), and Sphinx only matches a query of
one or two syllables exactly, so a search for 손실 would miss them all. This search language
indexes every word as Sphinx's English search does (English words stemmed, so `encoders` finds
`encoder`) and adds each Korean word once more without a trailing particle. It is selected with
`html_search_language: ko` in _config.yml.
"""
import re

from sphinx.search.en import SearchEnglish

HANGUL = re.compile(r"[\uac00-\ud7a3]")
PARTICLES = sorted("은 는 이 가 을 를 의 에 와 과 도 만 로 으로 에서 에게 까지 부터 처럼 보다 마다 이나 이며 이고 이다 "
                   "입니다 에서는 으로는 에서도".split(), key=len, reverse=True)


def without_particle(word: str) -> str | None:
    """The noun in front of a trailing particle, when two or more syllables remain."""
    for particle in PARTICLES:
        stem = word[:-len(particle)]
        if word.endswith(particle) and len(stem) >= 2 and HANGUL.match(stem[-1]):
            return stem
    return None


class SearchKorean(SearchEnglish):
    lang = "ko"
    language_name = "Korean"

    def split(self, input: str) -> list[str]:
        words = super().split(input)
        return words + [stem for word in words if (stem := without_particle(word))]


def setup(app):
    app.add_search_language(SearchKorean)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
