"""Stage 1, load: the spec's YAML files (or a git revision of them) read into one located raw tree."""
