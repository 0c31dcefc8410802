"""Organisations, staff and subject accounts, roles and permissions, API keys (Art. 12)."""
