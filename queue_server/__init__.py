"""Queue server: domain, REST API, WebSocket hub, scheduler and CLI."""
