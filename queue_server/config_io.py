"""Import and export of a whole configuration (catalogue, offices, windows) as JSON."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.catalogue import service as catalogue
from queue_server.catalogue.presenters import service_out
from queue_server.catalogue.schemas import AgencyIn, PriorityCategoryIn, ServiceGroupIn, ServiceIn
from queue_server.offices.models import Office
from queue_server.offices.presenters import office_out
from queue_server.offices.schemas import OfficeIn
from queue_server.offices.service import put_office
from queue_server.windows.schemas import WindowIn, WindowServiceIn
from queue_server.windows.service import list_windows, put_window


class OfficeConfig(OfficeIn):
    """An office with its windows, keyed by window number."""

    windows: dict[int, WindowIn] = Field(default_factory=dict)


class ConfigFile(BaseModel):
    """The whole configuration; every part is optional and applied as create-or-replace."""

    model_config = ConfigDict(extra="forbid")
    agencies: dict[str, AgencyIn] = {}
    service_groups: dict[str, ServiceGroupIn] = {}
    priority_categories: dict[str, PriorityCategoryIn] = {}
    services: dict[str, ServiceIn] = {}
    offices: dict[str, OfficeConfig] = {}


def import_config(*, session: Session, data: ConfigFile) -> dict[str, int]:
    """Apply a configuration in dependency order; counts of what was written."""
    for code, agency in data.agencies.items():
        catalogue.put_agency(session=session, code=code, data=agency)
    for code, group in data.service_groups.items():
        catalogue.put_group(session=session, code=code, data=group)
    for code, category in data.priority_categories.items():
        catalogue.put_priority_category(session=session, code=code, data=category)
    for code, service in data.services.items():
        catalogue.put_service(session=session, code=code, data=service)
    windows = 0
    for code, office_config in data.offices.items():
        office_data = OfficeIn(**office_config.model_dump(exclude={"windows"}))
        office = put_office(session=session, code=code, data=office_data)
        for number, window in office_config.windows.items():
            put_window(session=session, office=office, number=number, data=window)
            windows += 1
    return {
        "agencies": len(data.agencies),
        "service_groups": len(data.service_groups),
        "priority_categories": len(data.priority_categories),
        "services": len(data.services),
        "offices": len(data.offices),
        "windows": windows,
    }


def export_config(*, session: Session) -> dict[str, Any]:
    """The current configuration in the import format."""
    offices: dict[str, Any] = {}
    for office in session.scalars(select(Office).order_by(Office.code)):
        body = office_out(office).model_dump(mode="json", exclude={"code"})
        body["windows"] = {
            str(w.number): WindowIn(
                name=w.name,
                active=w.active,
                led_address=w.led_address,
                services=[
                    WindowServiceIn(service=ws.service.code, order=ws.order) for ws in w.services
                ],
            ).model_dump(mode="json")
            for w in list_windows(session=session, office=office)
        }
        offices[office.code] = body
    return {
        "agencies": {a.code: {"name": a.name} for a in catalogue.list_agencies(session=session)},
        "service_groups": {
            g.code: g.model_dump(exclude={"code"}) for g in catalogue.list_groups(session=session)
        },
        "priority_categories": {
            c.code: c.model_dump(exclude={"code"})
            for c in catalogue.list_priority_categories(session=session)
        },
        "services": {
            s.code: service_out(s).model_dump(mode="json", exclude={"code"})
            for s in catalogue.list_services(session=session)
        },
        "offices": offices,
    }
