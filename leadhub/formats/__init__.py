"""LeadHub's date formats (FORMAT_MODULE_PATH): one way to write a date and time on every page."""
