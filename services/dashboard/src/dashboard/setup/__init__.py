"""Connecting an installation (the three-step wizard) and its configuration page, as
HTML pages and under /api/v1."""
