"""Exercise checks, one module per chapter: `from vae_course.checks import training as check`.

Each check takes the student's function, runs it on several inputs (edge cases
included) against the reference, and returns a bilingual `Verdict`: what passed,
what failed and a hint, never the answer. `CHECKS` holds every check by exercise id.
"""
from . import (autoencoders, beta, building, discrete, elbo, evaluation, gap, latent, probability,  # noqa: F401 - fill CHECKS
               reparameterization, today, training, variants, widgets)
from ._core import CHECKS, HINTS, RECORD, Case, Verdict, check_function

__all__ = ["CHECKS", "HINTS", "RECORD", "Case", "Verdict", "check_function"]
