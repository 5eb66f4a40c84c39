"""Developer scripts: benchmarks, the load test, the image replay, screenshots, and the
browser helpers they share with the e2e tests (not part of the app)."""
