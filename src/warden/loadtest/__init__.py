"""Load testing (``warden load``): open and closed models, presets, HDR histograms, thresholds.

The flow: ``scenario`` (YAML, validated) -> ``compile`` (a ``RunPlan``: profile, requests as
bytes, one ``WorkerPlan`` per core) -> ``runner`` (worker processes running ``generator`` and
``models``; the parent merges their seconds in ``aggregate``) -> ``results`` (``RunResult``)
-> ``summary``, ``--json``, ``htmlreport`` and ``storage``. Kept import-free so the worker
processes load only what they use.
"""
