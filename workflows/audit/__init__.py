"""Compliance audit: collect running configs, render intended, compare per feature, report."""
