"""Disclosure and query: publicity windows, the three lawful query paths, written
authorisations, the subject's access log and credit reports (Art. 9, 12, 13, 24)."""
