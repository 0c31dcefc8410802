"""Collection: sources, idempotent batches, records and versions, consent (Art. 9–11)."""
