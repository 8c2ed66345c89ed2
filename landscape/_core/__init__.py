"""The core of landscape: claim API, context, registry, evidence, replay, runner, report.

Private: claim authors use the public names re-exported by :mod:`landscape`.
"""
