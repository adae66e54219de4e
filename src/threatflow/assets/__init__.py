"""Asset inventory: hosts and network segments with their owner, criticality and tags.

Assets live in the ``assets`` table. Workflow steps (the ``inventory`` app) and the API look
them up by IP address or hostname through an in-memory :class:`~threatflow.assets.index.
AssetIndex` that :class:`~threatflow.assets.service.AssetService` rebuilds after every write.
Imports from ``models`` to ``schemas``, ``index``, ``service`` and ``router``, in that order.
"""
