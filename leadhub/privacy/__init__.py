"""A person's data: how long it is kept, finding, exporting and erasing it, and duplicates."""
