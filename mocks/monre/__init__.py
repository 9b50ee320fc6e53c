"""The MONRE (Bộ TN&MT) DVC thiết yếu mock: a stateful SOAP 1.1 server."""
