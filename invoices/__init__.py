"""Invoices (pay applications), their review, documents and emails."""
