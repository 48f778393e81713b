"""The writes of the text tasks live by area, one module each:

- `inputs.py`: what every task accepts (its languages, the campaign's countries, a clean text);
- `translations.py`: Task 3's enrolment and translations;
- `questions.py` and `pool.py`: Task 4's questions and its pool of images;
- `prompts.py`: Task 5's chains of generation prompts and Task 6's text prompts;
- `edits.py`: one's own edits and withdrawals, while pending;
- `decisions.py`: organizers' decisions and peer validation.
"""
