"""Telling applicants in time: channels, subscriptions with consent, the outbox."""
