"""Kiosk agent: the touch-screen web app that issues and prints tickets (issue 5)."""
