"""Objections to credit records (Art. 25): raised by the subject, decided by the credit
authority's objection handler or the record's source, with deadlines in working days."""
