"""The clerk's workplace page and the public case status page (server-rendered, plain JS)."""
