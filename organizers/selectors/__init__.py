"""Reads for organizers, one module per area: `dashboard` (the campaign figures), `exports` (what a
dataset release writes), `audit` (the audit log)."""
