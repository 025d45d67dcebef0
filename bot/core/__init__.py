"""The answering core: no Telegram and no database imports, so every front end shares it."""
