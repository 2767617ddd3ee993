"""Plain-Python jobs (encrypt in, decrypt out, verify) with progress and cancel."""
