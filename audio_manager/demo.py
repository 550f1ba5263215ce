"""Demo data: one made-up province (names marked "demo") and one login per role.

The areas go through the same CSV import as real data. Passwords are random, written once to
``instance/demo-logins.json`` (mode 600) so the run script can print them at every start.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from flask import current_app

from .extensions import db
from .models import Area, User
from .services.accounts import accounts
from .services.areas.area_import import import_areas
from .services.context import Actor

LOGINS_FILE = "demo-logins.json"

# (district name or None for a commune directly under the province, commune names,
#  per-commune hamlet language patterns)
DISTRICTS: list[tuple[str | None, list[str]]] = [
    ("Huyện Mỹ Phước", ["Xã Mỹ An", "Xã Mỹ Hòa", "Xã Phước Long", "Xã Tân Hưng"]),
    ("Huyện Vĩnh Châu", ["Phường Khánh Hòa", "Xã Vĩnh Hải", "Xã Lai Hòa"]),
    (None, ["Phường 1", "Phường 2", "Xã Đại Tâm"]),
]
# Each commune's hamlets cycle through these language lists.
PATTERNS = [
    ["kinh"],
    ["khmer", "kinh"],
    ["hoa", "kinh"],
    ["kinh", "khmer"],
    ["kinh", "hoa", "khmer"],
    ["khmer", "kinh"],
]
HAMLET_WORDS = ["Ấp", "Khóm", "Ấp", "Ấp", "Khóm", "Ấp"]


def demo_csv() -> str:
    lines = ["level,code,name,parent_code,languages", "province,99,Tỉnh Sông Hậu (demo),,"]
    commune_no = 0
    for district_no, (district, communes) in enumerate(DISTRICTS, start=1):
        parent = "99"
        if district is not None:
            parent = f"99{district_no}"
            lines.append(f"district,{parent},{district} (demo),99,")
        for commune in communes:
            commune_no += 1
            code = f"99{commune_no:03d}"
            lines.append(f"commune,{code},{commune} (demo),{parent},")
            for hamlet_no in range(1, 7):
                pattern = PATTERNS[(commune_no + hamlet_no) % len(PATTERNS)]
                word = HAMLET_WORDS[(commune_no * hamlet_no) % len(HAMLET_WORDS)]
                lines.append(
                    f"hamlet,,{word} {hamlet_no} - {commune} (demo),{code},{';'.join(pattern)}"
                )
    return "\n".join(lines) + "\n"


def database_is_empty() -> bool:
    return db.session.scalar(db.select(db.func.count(User.id))) == 0


DEMO_USERS = [
    ("admin", "admin", ["admin"], "Quản trị (demo)", []),
    ("editor", "editor", ["editor"], "Cán bộ biên tập (demo)", []),
    ("approver", "approver", ["approver"], "Lãnh đạo duyệt (demo)", []),
    ("operator", "operator", ["operator"], "Đài truyền thanh xã (demo)", ["99001", "99002"]),
    ("viewer", "viewer", ["viewer"], "Người xem báo cáo (demo)", []),
]


def load(instance_path: Path) -> dict[str, tuple[str, str]]:
    actor = Actor.system("demo")
    import_areas(
        actor,
        demo_csv().encode(),
        filename="demo-areas.csv",
        max_bytes=current_app.config["AREA_IMPORT_MAX_BYTES"],
    )
    logins: dict[str, tuple[str, str]] = {}
    for role, username, roles, name, codes in DEMO_USERS:
        password = secrets.token_urlsafe(9)
        scope = list(db.session.scalars(db.select(Area).where(Area.code.in_(codes))))
        accounts.create_user(actor, username, password, roles, display_name=name, areas=scope)
        logins[role] = (username, password)
    _ringback_targets(actor)
    db.session.commit()
    instance_path.mkdir(parents=True, exist_ok=True)
    path = instance_path / LOGINS_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(logins, handle, ensure_ascii=False, indent=2)
    return logins


# Ringback install targets (phones, e.g. staff numbers): the province and its first communes.
TARGETS = {"99": 240, "99001": 18, "99002": 25, "99005": 30}


def _ringback_targets(actor: Actor) -> None:
    """Targets make the install report's progress column meaningful from the first start; the
    carriers themselves come with the database migration."""
    from .services.ringback.install_reports import set_target

    for code, target in TARGETS.items():
        area = db.session.scalar(db.select(Area).where(Area.code == code))
        if area is not None:
            set_target(actor, area, target)


def saved_logins(instance_path: Path) -> dict[str, tuple[str, str]]:
    path = instance_path / LOGINS_FILE
    if not path.exists():
        return {}
    return {role: tuple(pair) for role, pair in json.loads(path.read_text()).items()}  # type: ignore[misc]
