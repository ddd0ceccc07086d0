"""Fleet backup: collect every device's running config and store a new version when it changed."""
