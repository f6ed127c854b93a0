"""Manager pages: live dashboard, reports, configuration (Jinja2 templates + plain JS)."""
