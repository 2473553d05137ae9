"""Client contracts, commitments, schedules of values, change orders and subcontractor SOVs."""
