"""`python -m schemagen` runs the command line."""

from schemagen.cli import main

main()
