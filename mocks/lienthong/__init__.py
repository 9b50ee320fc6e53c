"""Mock of the national interlinked-services (liên thông) system."""
