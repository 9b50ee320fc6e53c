"""The PayGov mock (Nền tảng thanh toán, Cổng DVCQG): ``app.create_app``."""
