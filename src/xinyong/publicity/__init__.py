"""Integrity publicity (Art. 32): typical cases the credit authority publishes."""
