"""Credit service institutions (信用服务机构, Art. 26–27) and industry statistics (Art. 28)."""
