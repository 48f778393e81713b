"""The suite as a package, so that shared helpers have one name wherever a test imports them:
`from tests.contributions.image_helpers import jpeg`, `from tests.builders import tiny_photo`.

The area folders (tests/contributions, tests/review, ...) have no __init__.py: pytest puts each on
sys.path and imports its test modules by basename, so a test file's name must be unique in the suite
(tests/test_suite_layout.py checks it) and a folder's own helpers are also reachable by their bare name
(`from image_helpers import jpeg`, inside tests/contributions only).
"""
