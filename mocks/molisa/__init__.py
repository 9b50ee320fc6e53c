"""The MOLISA (Bộ LĐTBXH, Trợ giúp xã hội) mock: ``create_app(config) -> FastAPI``."""
