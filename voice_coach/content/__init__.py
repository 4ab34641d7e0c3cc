"""Content as data: training programs and intent templates, loaded from YAML and validated."""
