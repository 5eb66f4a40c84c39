"""Streamlit glue: the only part of the package that imports streamlit (auth, cached
loaders, shared widgets, error display). Pages call into here; this calls the services."""
