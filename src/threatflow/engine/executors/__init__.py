"""Executors run :meth:`Runner.advance` for submitted executions."""
