"""Agency agreements (соглашения): which services an agency serves, until when (R18)."""
