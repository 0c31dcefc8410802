"""Credit repair (信用修复, Art. 20–23): a subject applies to repair a negative record."""
