"""Stage 1, the scenario: its schema, the rules each field obeys, loading from files and sheets,
field paths and overrides, constraint expressions, the template, and the fingerprint.

Imports nothing of the later stages (model, analysis, output).
"""
