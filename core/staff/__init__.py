"""Console accounts (district admins, station staff) and the dashboard's figures."""
