"""Migration files under `generated/`: written from plans, chained by checksums, read back as history."""
