"""The scenario layer: parameters, schema, strict YAML, sources, loading (with ``extends:`` and ``--set``)."""
