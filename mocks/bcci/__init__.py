"""Mock of VNPost's public postal service API (connectors/bcci)."""
