"""Planning service: Check items per department, industry checklists (行业统一检查单), annual plans and joint inspection tasks."""
