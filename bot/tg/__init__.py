"""The Telegram front end: a thin adapter from python-telegram-bot updates to the Assistant."""
