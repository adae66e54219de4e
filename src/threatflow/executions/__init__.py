"""Executions (runs of a workflow) and their step runs."""
