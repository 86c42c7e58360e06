"""The scan's checks: one module per rule, each registered in ``warden.scan._base.REGISTRY``."""
