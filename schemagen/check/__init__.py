"""Stage 4, check: the static checks over a built Model."""
