"""The information catalog: record types, sensitivity, disclosure rules (Art. 9, 11, 35)."""
