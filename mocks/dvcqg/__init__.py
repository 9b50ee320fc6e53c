"""Mock of the national public-service portal (DVCQG) adapter."""
