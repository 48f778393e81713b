"""Date and number formats for the portal languages Django ships none for (Filipino, Lao, Tetun).

Django looks here first (settings.FORMAT_MODULE_PATH) and falls back to its own locale formats.
"""
