"""Process entry: choose Telegram or the console chat, and turn expected problems into one line."""

from __future__ import annotations

import os
import sys

from bot.cli import main as cli_main


def main() -> int:
    """Run the Telegram bot with a token, else the console chat (saying so in one line)."""
    if not os.environ.get("TELEGRAM_BOT_TOKEN", "").strip():
        sys.stderr.write(
            "TELEGRAM_BOT_TOKEN is not set: starting the console chat instead of Telegram.\n"
        )
        return cli_main(["chat"])
    # Imported late: the console chat must start without loading Telegram.
    from bot.tg.runner import run

    return run(dict(os.environ))
