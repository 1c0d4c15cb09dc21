"""The 24-item station service list (嘉人社发〔2023〕54号), shared by chat, pages and console."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core.content_files import read_yaml

SERVICES_FILE = Path(__file__).resolve().parents[2] / "content" / "stations" / "services.yaml"


@dataclass(frozen=True)
class ServiceItem:
    no: int
    module: str
    text: str
    kind: str  # 基础功能 / 拓展功能 / 创新功能
    bookable: bool
    label: str

    @property
    def name(self) -> str:
        return self.label or self.text.rstrip("。")


@lru_cache(maxsize=1)
def all_items() -> dict[int, ServiceItem]:
    raw = read_yaml(SERVICES_FILE)
    return {
        int(i["item"]): ServiceItem(
            int(i["item"]),
            i["module"],
            i["text"],
            i["kind"],
            bool(i["bookable"]),
            i.get("label", ""),
        )
        for i in raw["items"]
    }


def bookable_for(service_numbers: list[int]) -> list[ServiceItem]:
    """The services a person can book at a station offering `service_numbers`, in list order."""
    items = all_items()
    return [items[n] for n in sorted(service_numbers) if n in items and items[n].bookable]


def name_of(number: int) -> str:
    item = all_items().get(number)
    return item.name if item else f"服务{number}"
