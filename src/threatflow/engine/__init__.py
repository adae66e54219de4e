"""The workflow engine: model, validation, expressions, planner and runner."""
