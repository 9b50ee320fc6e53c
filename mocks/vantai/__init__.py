"""Mock of Bộ GTVT's transport dossier system (vantai)."""
