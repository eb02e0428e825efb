"""Exercise checks, one module per chapter: `from vae_course.checks import training as check`.

Each check takes the student's function, runs it on several inputs (edge cases
included) against the reference, and returns a bilingual `Verdict`: what passed,
what failed and a hint, never the answer.
"""
from ._core import RECORD, Case, Verdict, check_function

__all__ = ["RECORD", "Case", "Verdict", "check_function"]
