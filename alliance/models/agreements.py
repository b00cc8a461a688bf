"""Publishing agreements, their deliverables and deliveries (issue 7)."""
