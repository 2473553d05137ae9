"""Tenancy: companies (the tenants), their members, projects and directory, and users."""
