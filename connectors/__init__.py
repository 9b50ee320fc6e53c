"""The built-in connectors, one package per ministry system."""
