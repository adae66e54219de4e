"""``python -m threatflow`` runs the CLI."""

from threatflow.cli.main import app

app()
