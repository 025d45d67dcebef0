"""Start the assistant: the Telegram bot when TELEGRAM_BOT_TOKEN is set, else the console chat."""

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main(["run"]))
