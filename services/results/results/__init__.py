"""Results service: Joint inspections, findings per department, review, 20-working-day deadlines and publication to the publicity system (GSXT)."""
