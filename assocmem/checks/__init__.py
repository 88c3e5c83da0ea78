"""Self-checking exercises: one checker per auto-checkable exercise of the book, one
module per chapter.

A checker takes the learner's answer and the exercise's inputs, and nothing else. A
wrong answer raises ``CheckError`` (an AssertionError) with a targeted hint; a right
answer prints one line that starts with ``PASSED``. Every checker is
``am.checks.<name>``.
"""

from ._core import NO_ANSWER, PASSED, CheckError
from .ch01 import hebbian_memory, margins
from .ch02 import interaction_kernel, score_step
from .ch03 import gradient_flow_margin
from .ch04 import first_step_margins, spike_onset
from .ch05 import gamma_sharpness, sharpness_at_zero, stability_threshold
from .ch06 import three_token_margins, zero_one_optimum
from .ch07 import forget_events, wk2_memory

__all__ = [
    "CheckError",
    "PASSED",
    "NO_ANSWER",
    "margins",
    "hebbian_memory",
    "score_step",
    "interaction_kernel",
    "gradient_flow_margin",
    "first_step_margins",
    "spike_onset",
    "sharpness_at_zero",
    "gamma_sharpness",
    "stability_threshold",
    "zero_one_optimum",
    "three_token_margins",
    "wk2_memory",
    "forget_events",
]
