"""The jar: the resource-limited box an experiment mind lives in."""
