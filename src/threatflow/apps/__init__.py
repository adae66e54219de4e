"""Apps: sets of actions on other tools, built-in, pip-installed or imported from OpenAPI."""
