"""Threatflow, the Advanced Threat Intelligence Orchestrator."""

__version__ = "0.1.0"
__all__ = ["__version__"]
