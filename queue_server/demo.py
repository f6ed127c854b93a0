"""The demo office: a realistic MFC catalogue, windows, staff and devices."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.agreements.service import agree_for_every_agency
from queue_server.auth.models import DemoDeviceToken, Device, User
from queue_server.auth.service import add_device, create_user, set_password
from queue_server.clock import Clock
from queue_server.config_io import ConfigFile, import_config
from queue_server.offices.calendar import local_now, public_holiday_name
from queue_server.offices.models import Office
from queue_server.offices.schemas import OfficeDayIn
from queue_server.offices.service import put_office_day

DEMO_OFFICE = "demo"
DEMO_PASSWORD = "demo-password"


def _doc(
    name: str,
    *,
    copy: bool = False,
    variant: str | None = None,
    note: str = "",
    required: bool = True,
) -> dict[str, Any]:
    # `required` is the one definition: the kiosk says "можно не приносить" and the intake
    # form lets the clerk register without it exactly when it is False.
    return {
        "name_ru": name,
        "needs_original": True,
        "needs_copy": copy,
        "required": required,
        "variant": variant,
        "note_ru": note,
    }


PASSPORT_DOCS = [
    _doc("Заявление о выдаче (замене) паспорта (форма № 1П)"),
    _doc("Две личные фотографии 35×45 мм"),
    _doc(
        "Документ об уплате госпошлины",
        required=False,
        note="Сведения об оплате МФЦ запросит сам",
    ),
    _doc("Свидетельство о рождении", copy=True, variant="first"),
    _doc("Паспорт, подлежащий замене", variant="age"),
    _doc("Паспорт, подлежащий замене", variant="name_change"),
    _doc("Свидетельство о заключении брака / перемене имени", copy=True, variant="name_change"),
    _doc("Заявление об утрате паспорта", variant="lost"),
]

CATALOGUE: dict[str, Any] = {
    "agencies": {
        "mvd": {"name": "ГУ по вопросам миграции МВД России"},
        "rosreestr": {"name": "Управление Росреестра"},
        "sfr": {"name": "Отделение Социального фонда России"},
        "fns": {"name": "Инспекция ФНС России"},
    },
    "service_groups": {
        "passports": {
            "name_ru": "Паспорта и регистрация",
            "name_en": "Passports and residence",
            "position": 1,
        },
        "realty": {"name_ru": "Недвижимость", "name_en": "Real estate", "position": 2},
        "social": {
            "name_ru": "Социальные услуги и налоги",
            "name_en": "Benefits and taxes",
            "position": 3,
        },
        "results": {
            "name_ru": "Получить готовые документы",
            "name_en": "Collect documents",
            "position": 4,
        },
        "consult": {"name_ru": "Консультации", "name_en": "Information", "position": 5},
    },
    "priority_categories": {
        "disabled": {
            "name_ru": "Инвалиды I и II групп",
            "name_en": "Disabled (groups I–II)",
            "rank": 1,
            "proof_ru": "Справка МСЭ",
        },
        "veteran": {
            "name_ru": "Ветераны и участники боевых действий",
            "name_en": "Veterans",
            "rank": 1,
            "proof_ru": "Удостоверение ветерана",
        },
        "pregnant": {
            "name_ru": "Беременные женщины",
            "name_en": "Pregnant women",
            "rank": 2,
            "proof_ru": "Справка из женской консультации",
        },
        "large_family": {
            "name_ru": "Многодетные родители",
            "name_en": "Parents of large families",
            "rank": 3,
            "proof_ru": "Удостоверение многодетной семьи",
        },
    },
    "services": {
        "passport": {
            "name_ru": "Паспорт гражданина РФ: выдача и замена",
            "name_en": "Russian passport: issue or replace",
            "group": "passports",
            "prefix": "А",
            "kind": "intake",
            "agency": "mvd",
            "position": 1,
            "term_working_days": 10,
            "variants": [
                {
                    "code": "first",
                    "name_ru": "Получение в 14 лет",
                    "name_en": "First passport at 14",
                    "term_working_days": 10,
                },
                {
                    "code": "age",
                    "name_ru": "Замена в 20 или 45 лет",
                    "name_en": "Replacement at 20 or 45",
                    "term_working_days": 10,
                },
                {
                    "code": "name_change",
                    "name_ru": "Замена при перемене ФИО",
                    "name_en": "Replacement after a change of name",
                    "term_working_days": 10,
                },
                {
                    "code": "lost",
                    "name_ru": "Утрата или хищение",
                    "name_en": "Lost or stolen",
                    "term_working_days": 30,
                },
            ],
            "questions": [
                {
                    "code": "reason",
                    "text_ru": "Почему вы оформляете паспорт?",
                    "text_en": "Why do you need a passport?",
                    "options": [
                        {
                            "text_ru": "Мне исполнилось 14 лет",
                            "text_en": "I turned 14",
                            "variant": "first",
                        },
                        {
                            "text_ru": "Нужно заменить паспорт",
                            "text_en": "I need to replace it",
                            "next_question": "replace_reason",
                        },
                        {
                            "text_ru": "Паспорт утерян или похищен",
                            "text_en": "It was lost or stolen",
                            "variant": "lost",
                        },
                    ],
                },
                {
                    "code": "replace_reason",
                    "text_ru": "Причина замены?",
                    "text_en": "Why replace it?",
                    "options": [
                        {
                            "text_ru": "Исполнилось 20 или 45 лет",
                            "text_en": "I turned 20 or 45",
                            "variant": "age",
                        },
                        {
                            "text_ru": "Сменил(а) фамилию, имя или отчество",
                            "text_en": "I changed my name",
                            "variant": "name_change",
                        },
                    ],
                },
            ],
            "documents": PASSPORT_DOCS,
        },
        "passport_foreign": {
            "name_ru": "Заграничный паспорт",
            "name_en": "Passport for travel abroad",
            "group": "passports",
            "prefix": "Б",
            "kind": "intake",
            "agency": "mvd",
            "position": 2,
            "term_working_days": 22,
            "variants": [
                {
                    "code": "old",
                    "name_ru": "Паспорт старого образца (5 лет)",
                    "name_en": "Old style (5 years)",
                },
                {
                    "code": "bio",
                    "name_ru": "Биометрический паспорт (10 лет)",
                    "name_en": "Biometric (10 years)",
                },
            ],
            "questions": [
                {
                    "code": "kind",
                    "text_ru": "Какой паспорт вы оформляете?",
                    "text_en": "Which passport?",
                    "options": [
                        {"text_ru": "На 5 лет", "text_en": "For 5 years", "variant": "old"},
                        {
                            "text_ru": "Биометрический на 10 лет",
                            "text_en": "Biometric, 10 years",
                            "variant": "bio",
                        },
                    ],
                },
            ],
            "documents": [
                _doc("Заявление-анкета"),
                _doc("Паспорт гражданина РФ"),
                _doc("Три фотографии 35×45 мм", variant="old"),
                _doc("Военный билет (для мужчин 18–30 лет)", copy=True),
            ],
        },
        "residence": {
            "name_ru": "Регистрация по месту жительства",
            "name_en": "Residence registration",
            "group": "passports",
            "prefix": "В",
            "kind": "intake",
            "agency": "mvd",
            "position": 3,
            "term_working_days": 3,
            "documents": [
                _doc("Заявление о регистрации (форма № 6)"),
                _doc("Паспорт гражданина РФ"),
                _doc("Документ-основание для вселения", copy=True),
            ],
        },
        "realty_rights": {
            "name_ru": "Регистрация прав на недвижимость",
            "name_en": "Registration of property rights",
            "group": "realty",
            "prefix": "Г",
            "kind": "intake",
            "agency": "rosreestr",
            "position": 4,
            "term_working_days": 9,
            "variants": [
                {
                    "code": "sale",
                    "name_ru": "Купля-продажа",
                    "name_en": "Sale",
                    "term_working_days": 9,
                },
                {
                    "code": "inheritance",
                    "name_ru": "Наследство",
                    "name_en": "Inheritance",
                    "term_working_days": 9,
                },
                {"code": "gift", "name_ru": "Дарение", "name_en": "Gift", "term_working_days": 9},
            ],
            "questions": [
                {
                    "code": "basis",
                    "text_ru": "На каком основании возникает право?",
                    "text_en": "What is the basis of the right?",
                    "options": [
                        {
                            "text_ru": "Договор купли-продажи",
                            "text_en": "Sale contract",
                            "variant": "sale",
                        },
                        {
                            "text_ru": "Свидетельство о праве на наследство",
                            "text_en": "Inheritance",
                            "variant": "inheritance",
                        },
                        {
                            "text_ru": "Договор дарения",
                            "text_en": "Gift contract",
                            "variant": "gift",
                        },
                    ],
                },
            ],
            "documents": [
                _doc("Паспорт заявителя"),
                _doc("Договор купли-продажи", variant="sale"),
                _doc("Свидетельство о праве на наследство", variant="inheritance"),
                _doc("Договор дарения", variant="gift"),
                _doc(
                    "Документ об уплате госпошлины",
                    copy=True,
                    required=False,
                    note="Сведения об оплате МФЦ запросит сам",
                ),
            ],
        },
        "egrn_extract": {
            "name_ru": "Выписка из ЕГРН",
            "name_en": "Extract from the property register",
            "group": "realty",
            "prefix": "Д",
            "kind": "intake",
            "agency": "rosreestr",
            "position": 5,
            "term_working_days": 3,
            "service_norm_minutes": 15,
            "documents": [_doc("Паспорт заявителя"), _doc("Запрос о предоставлении сведений")],
        },
        "snils": {
            "name_ru": "СНИЛС: оформление и изменение",
            "name_en": "Pension insurance number (SNILS)",
            "group": "social",
            "prefix": "Е",
            "kind": "intake",
            "agency": "sfr",
            "position": 6,
            "term_working_days": 5,
            "service_norm_minutes": 15,
            "documents": [_doc("Паспорт гражданина РФ"), _doc("Анкета застрахованного лица")],
        },
        "child_benefit": {
            "name_ru": "Единое пособие на детей",
            "name_en": "Unified child benefit",
            "group": "social",
            "prefix": "Ж",
            "kind": "intake",
            "agency": "sfr",
            "position": 7,
            "term_working_days": 10,
            "documents": [
                _doc("Паспорт заявителя"),
                _doc("Свидетельства о рождении детей", copy=True),
                _doc("Реквизиты банковского счёта"),
            ],
        },
        "inn": {
            "name_ru": "ИНН: постановка на учёт физического лица",
            "name_en": "Taxpayer number (INN)",
            "group": "social",
            "prefix": "И",
            "kind": "intake",
            "agency": "fns",
            "position": 8,
            "term_working_days": 5,
            "service_norm_minutes": 15,
            "documents": [_doc("Паспорт гражданина РФ"), _doc("Заявление о постановке на учёт")],
        },
        "results": {
            "name_ru": "Выдача готовых документов",
            "name_en": "Collect ready documents",
            "group": "results",
            "prefix": "К",
            "kind": "issuance",
            "position": 9,
            "documents": [_doc("Паспорт"), _doc("Расписка о приёме документов")],
        },
        "passport_pickup": {
            "name_ru": "Получение паспорта",
            "name_en": "Collect a passport",
            "group": "results",
            "prefix": "Л",
            "kind": "issuance",
            "position": 10,
            "documents": [_doc("Расписка о приёме документов"), _doc("Паспорт, подлежащий замене")],
        },
        "consult": {
            "name_ru": "Консультация по услугам",
            "name_en": "Advice on services",
            "group": "consult",
            "prefix": "М",
            "kind": "consultation",
            "position": 11,
        },
        "case_status": {
            "name_ru": "Справка о ходе рассмотрения заявления",
            "name_en": "Status of my application",
            "group": "consult",
            "prefix": "Н",
            "kind": "consultation",
            "position": 12,
            "service_norm_minutes": 5,
        },
    },
}


def _windows() -> dict[int, Any]:
    def w(*services: tuple[str, int]) -> dict[str, Any]:
        return {"services": [{"service": s, "order": o} for s, o in services]}

    windows = {
        1: w(("passport", 1), ("passport_foreign", 1), ("residence", 1), ("consult", 2)),
        2: w(("passport", 1), ("passport_foreign", 1), ("residence", 1), ("case_status", 2)),
        3: w(("realty_rights", 1), ("egrn_extract", 1), ("consult", 2)),
        4: w(("realty_rights", 1), ("egrn_extract", 1), ("inn", 2)),
        5: w(("results", 1), ("passport_pickup", 1), ("case_status", 2), ("consult", 2)),
        6: w(("snils", 1), ("child_benefit", 1), ("inn", 1), ("results", 2)),
    }
    for number, window in windows.items():
        window["led_address"] = number  # the LED display over each window, on the RS-485 bus
    return windows


def demo_config() -> ConfigFile:
    """The demo configuration; the office is open around the clock so the demo always works."""
    office = {
        "name": "МФЦ «Мои документы» — демонстрационный офис",
        "address": "г. Москва, ул. Примерная, д. 1",
        "timezone": "Europe/Moscow",
        "opening_hours": {
            d: ["00:00", "23:59"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        },
        "windows": _windows(),
    }
    return ConfigFile.model_validate({**CATALOGUE, "offices": {DEMO_OFFICE: office}})


@dataclass
class DemoSeed:
    """What the demo prints: accounts and device tokens."""

    users: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, password
    devices: dict[str, str] = field(default_factory=dict)  # name -> token
    timezone: str = "Europe/Moscow"  # the demo office's


STAFF = [
    ("admin", "admin", "Администратор", None),
    ("manager", "manager", "Руководитель офиса Смирнова О. В.", DEMO_OFFICE),
    ("ivanova", "clerk", "Иванова А. С.", DEMO_OFFICE),
    ("petrov", "clerk", "Петров Б. Н.", DEMO_OFFICE),
    ("sidorova", "clerk", "Сидорова Е. К.", DEMO_OFFICE),
    ("kuznetsov", "clerk", "Кузнецов Д. А.", DEMO_OFFICE),
    ("orlova", "clerk", "Орлова М. И.", DEMO_OFFICE),
    ("volkov", "clerk", "Волков С. П.", DEMO_OFFICE),
]
# Who worked at each window in the demo's simulated past (one clerk per window).
HISTORY_CLERKS = {
    1: "ivanova",
    2: "petrov",
    3: "sidorova",
    4: "kuznetsov",
    5: "orlova",
    6: "volkov",
}
DEVICES = [("kiosk", "kiosk-1"), ("kiosk", "kiosk-2"), ("board", "board-hall"), ("led", "led-bus")]


def seed_demo(*, session: Session, clock: Clock) -> DemoSeed:
    """Create or refresh the demo office; its device tokens are kept from run to run."""
    import_config(session=session, data=demo_config(), clock=clock)
    office = session.scalar(select(Office).where(Office.code == DEMO_OFFICE))
    assert office is not None
    seed = DemoSeed(timezone=office.timezone)
    for username, role, name, office_code in STAFF:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            create_user(
                session=session,
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                full_name=name,
                office_id=office.id if office_code else None,
            )
        else:
            set_password(session=session, user=user, password=DEMO_PASSWORD)
        seed.users.append((username, role, DEMO_PASSWORD))
    seed.devices = _demo_device_tokens(session=session, clock=clock, office=office)
    # Keep the demo usable on public holidays in the next weeks.
    today = local_now(office, clock.now()).date()
    # R18: every agency serves under an agreement (a year's, begun a month ago).
    agree_for_every_agency(session=session, clock=clock, today=today)
    for offset in range(31):
        day = today + timedelta(days=offset)
        if public_holiday_name(office.calendar_country, day):
            put_office_day(
                session=session, office=office, day=day, data=OfficeDayIn(is_open=True, note="demo")
            )
    return seed


def _demo_device_tokens(*, session: Session, clock: Clock, office: Office) -> dict[str, str]:
    """The demo devices' tokens: those of the last run while still valid, else new ones.

    Tokens are stored hashed; the demo keeps its plain tokens in `demo_device_tokens` so
    that a restarted demo prints the same ones and an open board or kiosk keeps working.
    """
    kept: dict[str, tuple[int, str]] = {}
    for device, token in session.execute(
        select(Device, DemoDeviceToken.token)
        .join(DemoDeviceToken, DemoDeviceToken.device_id == Device.id)
        .where(Device.office_id == office.id, Device.revoked.is_(False))
        .order_by(Device.id)
    ):
        if (device.kind, device.name) in DEVICES:
            kept[device.name] = (device.id, token)
    kept_ids = {device_id for device_id, _ in kept.values()}
    for device in session.scalars(select(Device).where(Device.office_id == office.id)):
        if device.id not in kept_ids and not device.revoked:
            device.revoked = True  # of an older demo, its token unknown: nobody can use it
    tokens: dict[str, str] = {}
    for kind, name in DEVICES:
        if name in kept:
            tokens[name] = kept[name][1]
            continue
        device, token = add_device(
            session=session, clock=clock, office=office, kind=kind, name=name
        )
        session.add(DemoDeviceToken(device_id=device.id, token=token))
        tokens[name] = token
    session.flush()
    return tokens
