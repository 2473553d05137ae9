"""Billing periods, the G702/G703 engine, retainage and payments."""
