"""Mock of the business registration gateway (dkdn)."""
