"""Real time: the WebSocket hub, the outbox hooks and the PostgreSQL LISTEN bridge."""
