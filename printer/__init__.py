"""Printer layer: ESC/POS layouts, transports and status (issue 3)."""
