"""Stage 3, build: the parsed spec turned into the Model (and back: a Model written as spec files)."""
