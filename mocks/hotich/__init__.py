"""Mock of the hộ tịch (civil registration, Bộ Tư pháp) system."""
