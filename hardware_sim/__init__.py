"""Simulated hardware: virtual ESC/POS printer, scanner, RS-485 LED bus (issue 3)."""
