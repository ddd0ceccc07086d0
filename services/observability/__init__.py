"""What netwave tells its operators about itself: logs (and metrics, traces)."""
