"""DenialDesk's built-in Word appeal-letter templates, shipped as `addin.letter_templates`.

Regenerate them with `python -m addin.letter_builder`; a practice puts its own in its Letter
Templates folder instead of editing these.
"""
