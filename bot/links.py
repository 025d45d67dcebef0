"""Deep links for flyers and web pages: one per partner and entry, with QR codes and a print sheet."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from bot.core.deeplinks import link, payload
from bot.core.model import KnowledgeBase

# Big enough to scan from a printed page; the quiet zone is the QR standard's four modules.
QR_SCALE = 8
QR_BORDER = 4
SHEET = "index.html"


@dataclass(frozen=True)
class DeepLink:
    """One link to print: what it opens (partner or entry), its title and the t.me URL."""

    kind: str
    id: str
    title: str
    url: str

    @property
    def name(self) -> str:
        """Return the file name stem for its QR code ("partner-drk", "entry-vertrag-drk")."""
        return f"{self.kind}-{self.id}"


def deep_links(kb: KnowledgeBase, bot_username: str) -> list[DeepLink]:
    """Return the deep link of every partner, then of every entry (German titles)."""
    partners = [
        DeepLink("partner", p.id, p.name, link(bot_username, payload(partner=p.id)))
        for p in kb.partners.values()
    ]
    entries = [
        DeepLink("entry", e.id, e.texts["de"].title, link(bot_username, payload(entry=e.id)))
        for e in kb.entries.values()
    ]
    return partners + entries


def write_qr_codes(links: list[DeepLink], folder: Path) -> Path:
    """Write an SVG and a PNG QR code per link and a printable HTML sheet; return the sheet."""
    import segno  # only this command needs it

    folder.mkdir(parents=True, exist_ok=True)
    cards = []
    for item in links:
        code = segno.make(item.url, error="m", micro=False)
        code.save(str(folder / f"{item.name}.svg"), scale=QR_SCALE, border=QR_BORDER)
        code.save(str(folder / f"{item.name}.png"), scale=QR_SCALE, border=QR_BORDER)
        cards.append(
            f'<figure><img src="{html.escape(item.name)}.svg" alt="QR-Code">'
            f"<figcaption><b>{html.escape(item.title)}</b><br>"
            f"<small>{html.escape(item.url)}</small></figcaption></figure>"
        )
    sheet = folder / SHEET
    sheet.write_text(
        "<!doctype html><html lang=de><meta charset=utf-8><title>Integrationsverträge-Bot: "
        "QR-Codes</title><style>body{font-family:sans-serif}figure{display:inline-block;"
        "width:30%;margin:1em;text-align:center;break-inside:avoid}img{width:100%}</style>"
        "<h1>Frag den Bot zu den Integrationsverträgen</h1>" + "".join(cards) + "</html>\n",
        encoding="utf-8",
    )
    return sheet
