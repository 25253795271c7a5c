"""Bulk import of leads from CSV: upload, map columns, preview, import in the background."""
