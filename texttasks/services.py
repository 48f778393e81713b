"""The writes of the text tasks live by area, one module each:

- `inputs.py`: what every task accepts (its languages, the campaign's countries, a clean text);
- `translations.py`: Task 3's enrolment and translations;
- `questions.py` and `pool.py`: Task 4's questions and its pool of images;
- `prompts.py`: Task 5's chains of generation prompts and Task 6's text prompts;
- `edits.py`: one's own edits and withdrawals, while pending;
- `decisions.py`: organizers' decisions and peer validation.
"""

# Transitional: organizers/selectors.py (another engineer's area) still imports
# translators_per_language from here; it lives in texttasks.selectors now. Drop once that import moves.
from texttasks.selectors import translators_per_language  # noqa: F401
