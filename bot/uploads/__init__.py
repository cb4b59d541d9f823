"""CSV uploads: intake, the import worker, parsing and the preview."""
