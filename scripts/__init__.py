"""Developer scripts: benchmarks and screenshots (not part of the app)."""
