"""The append-only, hash-chained audit trail (Art. 12, 33–34)."""
