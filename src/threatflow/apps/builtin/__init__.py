"""Built-in apps: each public module (or package) here defines one ``app`` object.

The registry discovers them by scanning this package; modules whose name starts with an
underscore hold shared helpers and are not apps.
"""
