"""The message catalogue: every text a clerk, applicant or manager reads about an error.

An error carries a stable `code` (for programs) and parameters; the text people read is
looked up here by that code, in Russian (the default) or English (when the request asks
for it with `Accept-Language`). Rule codes ("R10") never appear in these texts: they
belong in docs and logs.

To add an error: raise the domain's exception with a new code and its parameters,
``raise Conflict(code="window_paused", number=window.number)``, and add one entry below,
``"window_paused": Text("Окно {number} на паузе…", "Window {number} is paused…")``.
`tests/queue_server/test_messages.py` fails while a raised code has no entry, while an
entry lacks a language, or while a Russian text has Latin letters or a rule code.

A parameter that is a word of a closed list (a ticket state, a role) is passed as a
`Term` and shown in the reader's language; a tuple of terms is joined with commas.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic_core import PydanticCustomError

RU = "ru"
EN = "en"
LANGUAGES = (RU, EN)
DEFAULT_LANGUAGE = RU


@dataclass(frozen=True)
class Text:
    """One message in both languages; `{name}` stands for a parameter."""

    ru: str
    en: str

    def get(self, lang: str) -> str:
        """The text in `lang` (English for "en", Russian otherwise)."""
        return self.en if lang == EN else self.ru


@dataclass(frozen=True)
class Term:
    """A word of a closed list (group, key), shown in the reader's language."""

    group: str
    key: str

    def __str__(self) -> str:
        """The key, where a text is formatted without the catalogue (pydantic's own msg)."""
        return self.key


# --- the texts of error codes -----------------------------------------------------------

MESSAGES: dict[str, Text] = {
    # The base classes' codes: the text shown when a raise names no code of its own.
    "bad_request": Text("Неверный запрос.", "Bad request."),
    "not_found": Text("Не найдено.", "Not found."),
    "conflict": Text(
        "Это действие сейчас невозможно; ничего не изменено.",
        "This cannot be done now; nothing was changed.",
    ),
    "invalid": Text("Данные не приняты; ничего не изменено.", "Invalid input; nothing changed."),
    "not_authenticated": Text(
        "Нужен вход в систему (ключ доступа в заголовке Authorization: Bearer …).",
        "This needs a bearer token (Authorization: Bearer …).",
    ),
    "forbidden": Text("Нет прав на это действие.", "You may not do this."),
    "server_busy": Text(
        "Сервер занят, повторите запрос через несколько секунд.",
        "The server is busy; retry in a few seconds.",
    ),
    # Plumbing: the HTTP layer, the database, the request body.
    "method_not_allowed": Text("Этот метод здесь не поддерживается.", "Method not allowed."),
    "body_too_large": Text(
        "Тело запроса слишком велико (не больше 1 МБ).", "The request body is too large (1 MB)."
    ),
    "http_error": Text("Запрос не выполнен.", "The request failed."),
    "database_busy": Text(
        "База данных занята, повторите запрос через несколько секунд.",
        "The database is busy; retry in a few seconds.",
    ),
    "invalid_value": Text(
        "Значение вне допустимых пределов (длина или диапазон).",
        "A value is out of its allowed length or range.",
    ),
    "invalid_request": Text("Неверный запрос: {details}", "Invalid request: {details}"),
    "invalid_request.json": Text(
        "Тело запроса — не корректный JSON.", "The request body is not valid JSON."
    ),
    "not_found.file_not_found": Text("Файла {name} нет.", "No file {name}."),
    # Access: tokens, roles, offices (auth, deps, realtime).
    "no_token": Text(
        "Сначала передайте ключ доступа: ?token=… или сообщение {{'type': 'auth', 'token': …}}.",
        "Send ?token=… or {{'type': 'auth', 'token': …}} first.",
    ),
    "bad_token": Text(
        "Ключ доступа неизвестен или отозван; войдите заново.",
        "Unknown or revoked token; log in again.",
    ),
    "token_expired": Text(
        "Срок действия входа истёк; войдите заново.", "The token has expired; log in again."
    ),
    "account_disabled": Text("Учётная запись отключена.", "The account is disabled."),
    "bad_credentials": Text("Неверное имя или пароль.", "Wrong username or password."),
    "too_many_login_attempts": Text(
        "Слишком много неудачных попыток входа. Повторите через {minutes} мин.",
        "Too many failed logins. Retry in {minutes} min.",
    ),
    "staff_only": Text(
        "Это доступно только сотрудникам, не устройствам.",
        "Only staff may do this, not devices.",
    ),
    "wrong_device": Text(
        "Устройству этого вида ({kind}) это действие недоступно.",
        "A device of this kind ({kind}) may not do this.",
    ),
    "wrong_role": Text(
        "Нужна одна из ролей: {roles}; ваша роль — {role}.",
        "This needs one of the roles {roles}; you are {role}.",
    ),
    "wrong_office": Text(
        "Это доступно только сотрудникам другого офиса.", "You belong to another office."
    ),
    "wrong_office.no_reports": Text(
        "Нет офисов, отчёты которых вам доступны.", "No office's reports are open to you."
    ),
    "wrong_device.kiosk_only": Text(
        "Талоны выдаёт только киоск.", "Only a kiosk device issues tickets."
    ),
    "wrong_role.clerk_only": Text(
        "Это делает только консультант за окном.", "Only the clerk at the window does this."
    ),
    "wrong_role.staff_only_moves": Text(
        "Состояние талона меняют только сотрудники.", "Only staff change a ticket's state."
    ),
    "wrong_role.manager_only_cancel_all": Text(
        "Отменить все талоны услуги может только руководитель офиса.",
        "Only a manager cancels every waiting ticket of a service.",
    ),
    "wrong_role.device_no_events": Text(
        "Устройство этого вида не подписывается на события.",
        "A device of this kind does not subscribe to events.",
    ),
    "replay_needs_office": Text(
        "Повтор пропущенных событий (after) возможен только для одного офиса: "
        "подключитесь к /ws/offices/{{код}}/events.",
        "Replay ('after') needs one office: use /ws/offices/{{code}}/events.",
    ),
    "office_not_found": Text("Офиса с кодом «{value}» нет.", "No office with code {value!r}."),
    "wrong_office.no_visible_office": Text(
        "Вам не доступен ни один офис.", "You may see no office."
    ),
    # Accounts and devices (auth).
    "unknown_role": Text(
        "Неизвестная роль «{role}»; допустимы: {roles}.", "Unknown role {role!r}; use {roles}."
    ),
    "clerk_needs_office": Text(
        "Консультант должен быть приписан к офису.", "A clerk must belong to an office."
    ),
    "password_too_short": Text(
        "Пароль должен быть не короче {min} символов.",
        "The password must have at least {min} characters.",
    ),
    "username_taken": Text("Имя «{username}» уже занято.", "The username {username!r} is taken."),
    "wrong_role.may_not_change_account": Text(
        "Вы не можете изменить эту учётную запись.", "You may not change this account."
    ),
    "wrong_role.manager_manages_clerks": Text(
        "Руководитель управляет только учётными записями консультантов.",
        "A manager manages only clerk accounts.",
    ),
    "wrong_office.manager_keeps_clerks_in_office": Text(
        "Руководитель не может вывести консультанта из офиса.",
        "A manager keeps clerks in an office.",
    ),
    "own_account.disable": Text(
        "Нельзя отключить собственную учётную запись.", "You cannot disable your own account."
    ),
    "own_account.role": Text(
        "Нельзя изменить собственную роль.", "You cannot change your own role."
    ),
    "user_not_found": Text("Учётной записи «{username}» нет.", "No account {username!r}."),
    "wrong_role.device_has_no_password": Text(
        "У устройства нет пароля.", "Devices have no password."
    ),
    "unknown_device_kind": Text(
        "Неизвестный вид устройства «{kind}»; допустимы: {kinds}.",
        "Unknown device kind {kind!r}; use {kinds}.",
    ),
    "device_not_found": Text(
        "В офисе «{office}» нет устройства № {device}.",
        "No device {device} in office {office!r}.",
    ),
    "device_revoked": Text(
        "Устройство № {device} уже отключено.", "Device {device} is revoked already."
    ),
    "not_a_device": Text(
        "Своё состояние сообщает только устройство.", "Only a device reports its own state."
    ),
    "not_a_kiosk": Text(
        "Печатает талоны и сообщает о сбоях печати только киоск.",
        "Only a kiosk prints tickets and reports print failures.",
    ),
    "print_job_not_found": Text(
        "Задания печати № {job} для этого киоска нет.", "No print job {job} for this kiosk."
    ),
    "ticket_not_active": Text(
        "Талон {number} {state}; повторно он не печатается.",
        "Ticket {number} {state}; it is not reprinted.",
    ),
    "no_kiosk_for_ticket": Text(
        "Талон {number} выдан сотрудником; киоск его не печатает.",
        "Ticket {number} was issued by staff; no kiosk prints it.",
    ),
    "unknown_print_job_status": Text(
        "Неизвестное состояние задания печати: {statuses}; допустимы: {allowed}.",
        "Unknown print job status {statuses}; use {allowed}.",
    ),
    # Offices, catalogue, windows.
    "service_not_found": Text("Услуги с кодом «{value}» нет.", "No service with code {value!r}."),
    "unknown_group": Text(
        "Неизвестная группа услуг «{value}».", "Unknown service group {value!r}."
    ),
    "unknown_agency": Text("Неизвестный орган «{value}».", "Unknown agency {value!r}."),
    "window_not_found": Text(
        "В офисе {office} нет окна {number}.", "Office {office} has no window {number}."
    ),
    "duplicate_service": Text(
        "Услуга указана для окна дважды.", "A service is listed twice for the window."
    ),
    "window_inactive": Text("Окно {number} отключено.", "Window {number} is switched off."),
    "window_taken": Text("Окно {number} занято: {name}.", "Window {number} is held by {name}."),
    "clerk_has_window": Text(
        "Вы уже работаете за окном {number}; сначала освободите его.",
        "You already hold window {number}; release it first.",
    ),
    "clerk_has_window.clerk_has_another_window": Text(
        "Вы уже работаете за другим окном.", "You already hold another window."
    ),
    "not_your_window": Text(
        "Вы не работаете за окном {number}; сначала займите его.",
        "You do not hold window {number}; take the window first.",
    ),
    "not_your_window.ticket_at_other_window": Text(
        "Талон {number} у окна {window}, за которым вы не работаете.",
        "Ticket {number} is at window {window}, which you do not hold.",
    ),
    "not_your_window.ticket_not_at_your_window": Text(
        "Талон {number} обслуживается не у вашего окна.",
        "Ticket {number} is not being served at your window.",
    ),
    "window_busy": Text(
        "У окна {number} ещё талон {ticket} ({state}); завершите его или отметьте неявку.",
        "Window {number} still has ticket {ticket} ({state}); finish it or mark it a no-show.",
    ),
    "already_paused": Text("Окно {number} уже на паузе.", "Window {number} is already paused."),
    "not_paused": Text("Окно {number} не на паузе.", "Window {number} is not paused."),
    "window_paused": Text(
        "Окно {number} на паузе; снимите паузу, чтобы вызывать.",
        "Window {number} is paused; resume it to call.",
    ),
    # Tickets.
    "illegal_transition": Text(
        "Нельзя {action} талон {number}: он {state}.",
        "Cannot {action} ticket {number}: it {state}.",
    ),
    "office_closed": Text(
        "Офис закрыт, откроется {weekday} {day} в {time}.",
        "The office is closed now; it opens {weekday} {day} at {time}.",
    ),
    "office_closed.no_opening": Text(
        "Офис закрыт; ближайшие часы работы не назначены.",
        "The office is closed; no opening is scheduled.",
    ),
    "service_not_offered": Text(
        "Услуга «{service}» в этом офисе не оказывается.",
        "Service {service!r} is not served at this office.",
    ),
    "ticket_not_found": Text("Талон не найден.", "No such ticket."),
    "unknown_category": Text(
        "Неизвестная льготная категория «{value}».", "Unknown priority category {value!r}."
    ),
    "too_many_tickets": Text(
        "Слишком много талонов с этого терминала за минуту; повторите через {seconds} с.",
        "Too many tickets from this kiosk in a minute; retry in {seconds} s.",
    ),
    "numbers_exhausted": Text(
        "Все {count} номеров серии {prefix} заняты талонами в очереди; новый талон можно "
        "выдать, когда часть из них будет обслужена.",
        "All {count} numbers of prefix {prefix} are held by tickets still in the queue.",
    ),
    "idempotency_key_reused": Text(
        "Этот ключ идемпотентности уже использован для другого запроса; повторите с новым ключом.",
        "This idempotency key was already used for a different request.",
    ),
    "same_service": Text(
        "Талон {number} уже в очереди на эту услугу.",
        "Ticket {number} is already in this service.",
    ),
    # Bookings.
    "invalid_phone": Text(
        "В номере телефона должно быть от 10 до 15 цифр, например +7 916 123-45-67.",
        "Phone number must have 10 to 15 digits, e.g. +7 916 123-45-67.",
    ),
    # Applicant notifications.
    "notification_consent_required": Text(
        "Без согласия на обработку персональных данных номер не сохраняется: отметьте согласие.",
        "Without consent to the processing of personal data the number is not kept: tick "
        "the consent.",
    ),
    "notification_channel_off": Text(
        "Этот способ уведомлений в офисе не подключён.",
        "This office does not send notifications this way.",
    ),
    "notification_channel_incomplete": Text(
        "Канал «{channel}» включён, но не заполнены его обязательные поля (адрес, ключ, "
        "отправитель).",
        "The {channel} channel is switched on but its required fields (address, key, "
        "sender) are empty.",
    ),
    "notification_ticket_ended": Text(
        "Талон {number} уже обслужен или закрыт: уведомления по нему не отправляются.",
        "Ticket {number} is already served or closed: no notifications are sent for it.",
    ),
    "notification_case_closed": Text(
        "Дело {number} уже закрыто: уведомления по нему не отправляются.",
        "Case {number} is closed: no notifications are sent for it.",
    ),
    "notification_too_many_contacts": Text(
        "К талону уже привязано {limit} контакта; больше добавить нельзя.",
        "The ticket already has {limit} contacts; no more can be added.",
    ),
    # Why a notification was not delivered (recorded per attempt for the manager's report;
    # `detail` is the provider's own answer, as it came).
    "delivery_address_refused": Text(
        "Соединение не разрешено правилами оператора: {reason}",
        "The connection is not allowed by the operator's rules: {reason}",
    ),
    "delivery_timeout": Text(
        "Сервис не ответил за {seconds} с.", "The service did not answer within {seconds} s."
    ),
    "delivery_connection": Text(
        "Не удалось соединиться с сервисом ({detail}).",
        "Could not connect to the service ({detail}).",
    ),
    "delivery_sms_status": Text(
        "СМС-шлюз ответил ошибкой {status}.", "The SMS gateway answered with error {status}."
    ),
    "delivery_sms_refused": Text(
        "СМС-шлюз отказал в отправке: {detail}", "The SMS gateway refused to send: {detail}"
    ),
    "delivery_bot_token": Text(
        "Сервер Телеграма не принял токен бота (ошибка {status}): проверьте токен в настройках.",
        "Telegram did not accept the bot's token (error {status}): check the token.",
    ),
    "delivery_bot_status": Text(
        "Сервер Телеграма ответил ошибкой {status}: {detail}",
        "Telegram answered with error {status}: {detail}",
    ),
    "delivery_smtp_auth": Text(
        "Почтовый сервер не принял имя пользователя или пароль (ответ сервера: {detail}).",
        "The mail server did not accept the username or password (its answer: {detail}).",
    ),
    "delivery_smtp_tls": Text(
        "Не удалось установить защищённое соединение с почтовым сервером: сертификат не "
        "подтверждён или выдан другому имени ({detail}).",
        "Could not set up a secure connection to the mail server: its certificate is not "
        "trusted or names another host ({detail}).",
    ),
    "delivery_smtp_refused": Text(
        "Почтовый сервер отказал: {detail}", "The mail server refused: {detail}"
    ),
    "delivery_smtp_connection": Text(
        "Не удалось соединиться с почтовым сервером ({detail}).",
        "Could not connect to the mail server ({detail}).",
    ),
    "delivery_smtp_not_set": Text("Почтовый сервер не указан.", "The mail server is not set."),
    "delivery_smtp_host_not_allowed": Text(
        "Почтовый сервер {host} не входит в разрешённые оператором.",
        "The mail server {host} is not among the hosts the operator allows.",
    ),
    "delivery_smtp_address_not_allowed": Text(
        "Адрес почтового сервера {address} не публичный и не разрешён оператором.",
        "The mail server's address {address} is neither public nor allowed by the operator.",
    ),
    "delivery_smtp_no_address": Text(
        "У почтового сервера {host} нет адреса.",
        "The mail server {host} has no address in DNS.",
    ),
    "delivery_channel_off": Text(
        "Этот способ уведомлений в офисе выключен.",
        "This office has switched this channel off.",
    ),
    "delivery_no_channel_for_contact": Text(
        "Для контакта этой записи в офисе нет ни СМС-шлюза, ни почтового сервера.",
        "The office has no SMS gateway nor mail server for this booking's contact.",
    ),
    "delivery_failed": Text("Сбой при отправке: {detail}", "Sending failed: {detail}"),
    "notification_report_period": Text(
        "Начало периода отчёта позже его конца.",
        "The report period starts after it ends.",
    ),
    "invalid_email": Text(
        "Адрес электронной почты указан неверно: нужны имя, знак @ и домен.",
        "The e-mail address is not valid: it needs a name, @ and a domain.",
    ),
    "service_not_bookable": Text(
        "На услугу «{service}» в этом офисе не записывают.",
        "Service {service!r} cannot be booked at this office.",
    ),
    "beyond_horizon": Text(
        "Запись открыта не больше чем на {days} дн. вперёд.",
        "Bookings open {days} days ahead at most.",
    ),
    "slot_passed.slot_begun": Text(
        "Это время уже наступило; выберите более позднее.",
        "This slot has already begun; choose a later one.",
    ),
    "slot_passed": Text(
        "Регистрация на это время уже закончилась.",
        "The check-in window of this time has closed.",
    ),
    "office_closed_that_day": Text(
        "На {day} записи нет: {reason}.", "No bookings on {day}: {reason}."
    ),
    "not_a_slot": Text(
        "{time} — не время приёма в этот день; выберите одно из предложенных.",
        "{time} is not a slot of this day; choose one of the listed slots.",
    ),
    "slot_full": Text(
        "На {time} мест нет; выберите другое время.",
        "The {time} slot is fully booked; choose another.",
    ),
    "person_limit": Text(
        "Не больше {limit} записей на человека в день в этом офисе; отмените одну, чтобы "
        "записаться снова.",
        "At most {limit} booking(s) per person per day at this office; cancel one to book another.",
    ),
    "name_required": Text("Укажите фамилию и имя заявителя.", "Enter the applicant's name."),
    "phone_required": Text("Укажите номер телефона.", "Enter a phone number."),
    "booking_not_active": Text(
        "Запись {booking} {state}; её нельзя {action}.",
        "Booking {booking} is {state}; it cannot be {action}.",
    ),
    "same_slot": Text("Запись уже на это время.", "The booking is already at this time."),
    "booking_not_found": Text(
        "Запись с таким кодом в этом МФЦ не найдена.", "No booking with this code here."
    ),
    "checkin_too_early": Text(
        "Слишком рано: регистрация на {slot} открывается в {at}; можно взять талон в живую "
        "очередь.",
        "Too early: check-in for the {slot} slot opens at {at}. You can take a live-queue "
        "ticket instead.",
    ),
    "checkin_too_late": Text(
        "Опоздание: регистрация на {slot} закрылась в {at}; можно взять талон в живую очередь.",
        "Too late: check-in for the {slot} slot closed at {at}. You can take a live-queue "
        "ticket instead.",
    ),
    "booking_cancelled": Text(
        "Запись отменена; возьмите талон в живую очередь.",
        "This booking was cancelled. You can take a live-queue ticket instead.",
    ),
    "webhook_url_required": Text(
        "Для уведомлений через веб-хук укажите его адрес.",
        "The webhook notifier needs a webhook_url.",
    ),
    "webhook_not_allowed": Text("{reason}", "The webhook address is not allowed: {reason}"),
    "invalid_period": Text(
        "Начало периода должно быть не позже конца, а период — не длиннее года.",
        "Give start <= end, at most a year apart.",
    ),
    # Cases: intake, issuance, receipts.
    "case_not_found": Text("Дело не найдено.", "No such case."),
    "case_number_not_found": Text(
        "Дела с регистрационным номером «{number}» нет.",
        "No case with registration number {number!r}.",
    ),
    "illegal_case_step": Text(
        "Дело {number} {status}; шаг «{step}» возможен, только когда оно {allowed}.",
        "Case {number} is {status}; '{step}' is possible only when it is {allowed}.",
    ),
    "consent_required": Text(
        "Нужно согласие заявителя на обработку персональных данных; ничего не зарегистрировано.",
        "The applicant's consent to processing of personal data is required; nothing was "
        "registered.",
    ),
    "postal_address_required": Text(
        "Для отправки по почте нужен почтовый адрес.", "Delivery by post needs a postal address."
    ),
    "variant_required": Text(
        "У услуги «{service}» есть варианты ({names}); выберите один.",
        "Service {service} has variants ({names}); choose one.",
    ),
    "unknown_variant": Text(
        "У услуги «{service}» нет варианта «{variant}».",
        "Service {service} has no variant {variant!r}.",
    ),
    "agency_required": Text(
        "У услуги «{service}» не указан орган; укажите его.",
        "Service {service} has no agency; name the agency.",
    ),
    "service_required": Text("Укажите услугу дела.", "Name the service of the case."),
    "not_an_intake_service": Text(
        "«{service}» — не услуга приёма документов.", "{service} is not an intake service."
    ),
    "document_unnamed": Text(
        "У каждого документа должен быть номер по перечню или название.",
        "Each document needs a service_document_id or a name.",
    ),
    "unknown_document": Text(
        "Документа № {document} нет в перечне услуги «{service}».",
        "Document {document} is not on the list of {service}.",
    ),
    "duplicate_document": Text("«{name}» указан дважды.", "{name} is listed twice."),
    "documents_missing": Text(
        "В описи не хватает обязательных документов: {names}.",
        "Required documents are missing from the checklist: {names}.",
    ),
    "ticket_not_serving": Text(
        "Талон {number} {state}; начните обслуживание, прежде чем оформлять {kind}.",
        "Ticket {number} {state}; start serving it before recording the {kind}.",
    ),
    "wrong_ticket_kind": Text(
        "Талон {number} на услугу «{service}» ({ticket_kind}), а не на {kind}.",
        "Ticket {number} is for {service} ({ticket_kind}), not for {kind}.",
    ),
    "wrong_role.staff_fill_intake": Text(
        "Заявления оформляют только сотрудники.", "Only staff fill intake records."
    ),
    "wrong_role.staff_work_with_cases": Text(
        "С делами работают только сотрудники.", "Only staff members work with cases."
    ),
    "wrong_office.cases_of_other_office": Text(
        "Дела и персональные данные заявителей видны только сотрудникам их офиса.",
        "Cases and applicants' personal data are visible only to the staff of their office.",
    ),
    "search_needs_terms": Text(
        "Ищите по номеру расписки (number=…) или, если расписка утеряна, по имени заявителя "
        "и номеру документа (name=…&document_number=…).",
        "Search by the receipt's number (number=…) or, if the receipt is lost, by the "
        "applicant's name and document number (name=…&document_number=…).",
    ),
    "unknown_status": Text(
        "Неизвестное состояние «{status}»; допустимы: {allowed}.",
        "Unknown status {status!r}; use one of {allowed}.",
    ),
    "not_issued": Text(
        "Результат по делу {number} ещё не выдан.",
        "Case {number} has not been issued yet.",
    ),
    "unknown_step": Text("Неизвестный шаг «{step}».", "Unknown step {step!r}."),
    "already_issued": Text(
        "Результат по делу {number} уже выдан {day} в {time}; повторно его не выдают.",
        "The result of case {number} was already issued on {day} at {time}; it cannot be "
        "issued twice.",
    ),
    "already_issued.undated": Text(
        "Результат по делу {number} уже выдан; повторно его не выдают.",
        "The result of case {number} was already issued; it cannot be issued twice.",
    ),
    "already_issued.now": Text(
        "Результат по делу {number} только что выдал другой сотрудник.",
        "The result of case {number} was just issued by someone else.",
    ),
    "result_not_ready": Text(
        "Результат по делу {number} не готов к выдаче: дело {status}.",
        "The result of case {number} is not ready for issuance: the case is {status}.",
    ),
    "identity_not_checked": Text(
        "Подтвердите, что личность получателя результата проверена.",
        "Confirm that the identity of the person taking the result was checked.",
    ),
    "pdf_font_missing": Text(
        "Нет шрифта {font} для PDF (установите пакет fonts-dejavu-core или задайте "
        "MFCQ_PDF_FONT); распечатайте расписку на принтере.",
        "No {font} found for the PDF (install fonts-dejavu-core or set MFCQ_PDF_FONT); "
        "print the receipt instead.",
    ),
    "no_printer": Text(
        "Для окна {window} не настроен принтер расписок (настройки дел → принтеры); скачайте PDF.",
        "No receipt printer is configured for window {window} (case settings → printers); "
        "download the PDF instead.",
    ),
    "no_printer.workplace": Text(
        "Для вашего рабочего места не настроен принтер расписок (настройки дел → принтеры); "
        "скачайте PDF.",
        "No receipt printer is configured for your workplace (case settings → printers); "
        "download the PDF instead.",
    ),
    "printer_not_allowed": Text("{reason}", "The printer is not allowed: {reason}"),
    "print_failed": Text(
        "Расписка не напечатана: принтер не ответил или сообщил об ошибке. Проверьте принтер "
        "или скачайте PDF.",
        "The receipt was not printed: the printer did not answer or reported an error. Check "
        "the printer or download the PDF.",
    ),
    # Reports (admin).
    "offset_changes": Text(
        "Смещение времени {zone} меняется внутри периода; разбейте отчёт на части.",
        "The UTC offset of {zone} changes inside the period; split the report at the change.",
    ),
    "bad_period": Text("Конец периода раньше его начала.", "The period ends before it starts."),
    "period_too_long": Text("Период длиннее {days} дн.", "The period is longer than {days} days."),
    "bad_format": Text(
        "Неизвестный формат «{format}»; допустимы: {allowed}.",
        "Unknown format {format!r}; use {allowed}.",
    ),
    "bad_chart": Text(
        "Неизвестный график «{chart}»; допустимы: {allowed}.",
        "Unknown chart {chart!r}; use {allowed}.",
    ),
    # Maintenance (backups) for the operator.
    "backup_tool_missing": Text(
        "Нет программы {name}: установите пакет postgresql-client той же или более новой "
        "версии, чем сервер.",
        "{name} is missing: install postgresql-client of the server's version or newer.",
    ),
    "backup_failed": Text("Резервное копирование не удалось.", "The backup failed."),
    "backup_failed.backup_tool_failed": Text(
        "{tool} завершился с кодом {status}: {output}", "{tool} exited with {status}: {output}"
    ),
    "backup_failed.database_file_missing": Text(
        "Файла базы {path} нет.", "No database file {path}."
    ),
    "backup_failed.sqlite_corrupt": Text(
        "{path}: повреждённый файл SQLite ({reason}).", "{path}: a damaged SQLite file ({reason})."
    ),
    "backup_failed.integrity_failed": Text(
        "{path}: проверка целостности не прошла: {verdict}.",
        "{path}: the integrity check failed: {verdict}.",
    ),
    "wrong_backup_file": Text("Это не резервная копия.", "Not a usable backup."),
    "wrong_backup_file.wrong_backup_kind": Text(
        "Файл {path} — резервная копия {kind}, а база — {backend}.",
        "{path} is a backup of {kind}, but the database is {backend}.",
    ),
    "wrong_backup_file.backup_unreadable": Text(
        "Не удаётся прочитать {path}: {reason}.", "Cannot read {path}: {reason}."
    ),
    "wrong_backup_file.not_a_backup": Text(
        "{path} — не резервная копия: ни файл SQLite, ни архив pg_dump -Fc.",
        "{path} is not a backup: neither an SQLite file nor a pg_dump -Fc archive.",
    ),
    "wrong_backup_file.memory_database": Text(
        "База SQLite в памяти не копируется: укажите файл базы.",
        "An in-memory SQLite database is not copied: name a database file.",
    ),
    "database_in_use": Text(
        "С базой работают другие подключения (запущен сервер?). Остановите сервер или "
        "повторите с --force: восстановление заменит все данные, и номера талонов дня "
        "начнутся заново с номеров копии.",
        "Other connections use the database (is a server running?). Stop the server or "
        "repeat with --force: the restore replaces all data.",
    ),
    # --- the last features: complaints, agreements, ratings, audit, clerk moves, what-if --
    # Cases (cases/lifecycle.py, cases/views.py).
    "agency_not_late": Text(
        "Объяснение запрашивают у органа, пропустившего срок; по делу {number} срок органа "
        "({due}) не пропущен или дело уже не в органе. Ничего не изменено.",
        "An explanation is asked only of an agency past its term; case {number} is within "
        "the agency's term ({due}) or no longer with the agency. Nothing was changed.",
    ),
    "prepared_at_in_future": Text(
        "Время подготовки результата органом не может быть в будущем.",
        "The time the agency prepared the result cannot be in the future.",
    ),
    "prepared_before_registration": Text(
        "Время подготовки результата органом раньше регистрации дела.",
        "The time the agency prepared the result is before the case was registered.",
    ),
    "report_period_invalid": Text(
        "Период отчёта: от 1 до {days} дней, начало не позже конца.",
        "The report period is 1 to {days} days, its start no later than its end.",
    ),
    # Agency agreements (agreements/).
    "agreement_not_found": Text("Соглашение не найдено.", "No such agreement."),
    "agreement_invalid": Text(
        "Соглашение не принято: проверьте орган, услуги и номер. Ничего не сохранено.",
        "The agreement was not accepted: check the agency, services and number. Nothing was saved.",
    ),
    "agreement_invalid.no_agency": Text(
        "Нет органа-исполнителя с кодом «{agency}».", "No agency with the code {agency!r}."
    ),
    "agreement_invalid.no_services": Text(
        "Нет услуг с кодами: {services}.", "No services with the codes: {services}."
    ),
    "agreement_invalid.number_taken": Text(
        "У органа «{agency}» уже есть соглашение № {number}.",
        "The agency {agency!r} already has agreement No. {number}.",
    ),
    "agreement_term_invalid": Text(
        "Срок соглашения указан неверно. Ничего не сохранено.",
        "The agreement's term is wrong. Nothing was saved.",
    ),
    "agreement_term_invalid.reversed": Text(
        "Дата окончания соглашения раньше даты начала. Ничего не сохранено.",
        "The agreement ends before it starts. Nothing was saved.",
    ),
    "agreement_term_invalid.too_long": Text(
        "Соглашение заключается не более чем на один год: при начале {start} оно должно "
        "закончиться не позднее {limit}. Ничего не сохранено.",
        "An agreement runs for one year at most: starting on {start} it must end by {limit}. "
        "Nothing was saved.",
    ),
    "no_valid_agreement": Text(
        "Документы по этой услуге сейчас не принимаются: нет действующего соглашения с "
        "органом. Дело не зарегистрировано.",
        "Documents for this service are not taken now: no agreement with the agency is in "
        "force. The case was not registered.",
    ),
    "no_valid_agreement.expired": Text(
        "Документы по услуге «{service}» сейчас не принимаются: нет действующего соглашения "
        "с органом «{agency}» (соглашение № {number} истекло {date}). Дело не "
        "зарегистрировано.",
        "Documents for {service!r} are not taken now: no agreement with {agency!r} is in "
        "force (agreement No. {number} ended on {date}). The case was not registered.",
    ),
    "no_valid_agreement.not_yet": Text(
        "Документы по услуге «{service}» сейчас не принимаются: нет действующего соглашения "
        "с органом «{agency}» (соглашение № {number} действует с {date}). Дело не "
        "зарегистрировано.",
        "Documents for {service!r} are not taken now: no agreement with {agency!r} is in "
        "force (agreement No. {number} starts on {date}). The case was not registered.",
    ),
    "no_valid_agreement.none": Text(
        "Документы по услуге «{service}» сейчас не принимаются: нет действующего соглашения "
        "с органом «{agency}» (соглашение о взаимодействии не заключено). Дело не "
        "зарегистрировано.",
        "Documents for {service!r} are not taken now: no agreement with {agency!r} is in "
        "force (no interaction agreement has been signed). The case was not registered.",
    ),
    "no_valid_agreement.not_listed": Text(
        "Документы по услуге «{service}» сейчас не принимаются: нет действующего соглашения "
        "с органом «{agency}» (ни одно соглашение не включает эту услугу). Дело не "
        "зарегистрировано.",
        "Documents for {service!r} are not taken now: no agreement with {agency!r} is in "
        "force (no agreement lists this service). The case was not registered.",
    ),
    # The office's schedule (offices/service.py).
    "schedule_below_minimum": Text(
        "График не соответствует требованиям: офис должен работать не менее {min_days} "
        "дней в неделю, не менее {min_hours} часов в день, без перерыва на обед; в этом "
        "графике таких дней {days}. Отступить от требования может только администратор, "
        "указав причину. Ничего не сохранено.",
        "The schedule is below the minimum: the office must open at least {min_days} days "
        "a week, at least {min_hours} hours a day, with no lunch break; this schedule has "
        "{days} such days. Only an admin may let it stand, giving a reason. "
        "Nothing was saved.",
    ),
    # Complaints (complaints/).
    "complaint_not_found": Text("Жалоба не найдена.", "No such complaint."),
    "illegal_complaint_step": Text(
        "Жалоба № {number} уже в статусе «{status}»: это действие возможно только в "
        "статусах: {allowed}. Ничего не изменено.",
        "Complaint No. {number} is already {status}: this step is possible only when it is "
        "one of: {allowed}. Nothing was changed.",
    ),
    "complaint_consent_required": Text(
        "Нужно согласие на обработку персональных данных: без него жалоба не "
        "регистрируется. Ничего не сохранено.",
        "The applicant's consent to processing of personal data is needed: without it the "
        "complaint is not registered. Nothing was saved.",
    ),
    "complaint_link_invalid": Text(
        "Жалоба ссылается на то, чего в этом офисе нет.",
        "The complaint names something this office does not have.",
    ),
    "complaint_link_invalid.clerk": Text(
        "В этом офисе нет сотрудника с логином «{username}».",
        "This office has no staff member with the login {username!r}.",
    ),
    "complaint_link_invalid.window": Text(
        "В этом офисе нет окна № {window}.", "This office has no window {window}."
    ),
    "complaint_link_invalid.service": Text(
        "Нет услуги с кодом «{service}».", "No service with the code {service!r}."
    ),
    "complaint_link_invalid.ticket": Text(
        "В этом офисе нет такого талона.", "This office has no such ticket."
    ),
    "complaint_link_invalid.case": Text(
        "В этом офисе нет такого дела.", "This office has no such case."
    ),
    "complaint_received_at_invalid": Text(
        "Дата и время получения жалобы не могут быть в будущем.",
        "The time the complaint was received cannot be in the future.",
    ),
    "complaint_wrong_office": Text(
        "Жалобы и персональные данные заявителей доступны только сотрудникам своего офиса.",
        "Complaints and applicants' personal data are open only to their own office's staff.",
    ),
    # Ratings (ratings/).
    "already_rated": Text(
        "Этот визит уже оценён. Спасибо за вашу оценку!",
        "This visit has been rated already. Thank you for your rating!",
    ),
    "not_ratable": Text(
        "Оценить обслуживание можно после того, как оно завершено.",
        "A visit can be rated once it is finished.",
    ),
    "not_ratable.too_late": Text(
        "Оценку можно поставить в течение {hours} часов после обслуживания; это время прошло.",
        "A visit can be rated within {hours} hours after it; that time has passed.",
    ),
    "no_ticket_to_rate": Text(
        "В окне {window} сейчас нет завершённого обслуживания, ожидающего оценки.",
        "No finished visit at window {window} awaits a rating now.",
    ),
    "no_ticket_to_rate.not_here": Text(
        "Талон не обслуживался в окне {window}.", "The ticket was not served at window {window}."
    ),
    "no_marks": Text(
        "Поставьте хотя бы одну оценку от 1 до 5.", "Give at least one mark from 1 to 5."
    ),
    "not_a_rating_device": Text(
        "Оценки у окна принимают только экран оценки и пульт оценки у окна.",
        "Only the window's rating screen and rating keypad take ratings at a window.",
    ),
    # The audit trail (audit/).
    "audit_append_only": Text(
        "Записи журнала аудита нельзя изменять или удалять.",
        "Audit entries cannot be changed or removed.",
    ),
    "unknown_audit_action": Text(
        "Такого действия в журнале нет.", "The audit trail has no such action."
    ),
    # Board devices (devices/).
    "not_a_board": Text(
        "Настройки хранятся только для табло.", "Settings are kept for boards only."
    ),
    # The clerk's moves (clerk/moves.py).
    "unknown_call_reason": Text(
        "Выберите причину вызова из списка: {reasons}.",
        "Choose the reason of the call from the list: {reasons}.",
    ),
    "unknown_call_reason.note_needed": Text(
        "Для причины «Другое» напишите, почему вызван этот талон.",
        'For the reason "Other" write why this ticket is called.',
    ),
    "ticket_not_waiting": Text(
        "Талон {number} уже не в очереди: вызвать можно только ожидающий талон.",
        "Ticket {number} is no longer in the queue: only a waiting ticket can be called.",
    ),
    "not_in_window_queue": Text(
        "Окно {window} не обслуживает услугу «{service}» талона {number}, или талон передан "
        "в другое окно.",
        "Window {window} does not serve {service!r} of ticket {number}, or the ticket was "
        "transferred to another window.",
    ),
    "bad_hold": Text(
        "Отложить можно на {low}–{high} минут.", "A ticket can be postponed for {low}–{high} min."
    ),
    "bad_transfer_target": Text(
        "Укажите либо окно, либо специалиста, которому передать талон.",
        "Name either the window or the clerk to transfer the ticket to.",
    ),
    "bad_transfer_target.same_window": Text(
        "Талон {number} уже у окна {window}.", "Ticket {number} is already at window {window}."
    ),
    "bad_transfer_target.self": Text(
        "Нельзя передать талон самому себе.", "You cannot transfer a ticket to yourself."
    ),
    "transfer_target_unavailable": Text(
        "В этом офисе нет специалиста «{username}».",
        "This office has no clerk {username!r}.",
    ),
    "transfer_target_unavailable.window_off": Text(
        "Окно {window} отключено.", "Window {window} is switched off."
    ),
    # The what-if (simulation/whatif.py, admin/reports).
    "bad_hours": Text(
        "Нужно ровно 24 значения: по одному на каждый час суток.",
        "Exactly 24 values are needed: one for each hour of the day.",
    ),
    "bad_windows": Text(
        "Число окон в час — от 0 до {high}.", "Windows per hour: from 0 to {high}."
    ),
    "bad_arrivals": Text(
        "Ожидаемый приход в час — от 0 до {high} заявителей.",
        "Expected arrivals per hour: from 0 to {high} applicants.",
    ),
    "too_many_arrivals": Text(
        "За день ожидается {total} заявителей; расчёт возможен не более чем для {high}.",
        "{total} applicants are expected in the day; the estimate handles at most {high}.",
    ),
    "no_windows": Text(
        "Не открыто ни одного окна: заявителей некому принять.",
        "No window is open: nobody would serve the applicants.",
    ),
    "no_services": Text(
        "В офисе нет услуг, для которых можно провести расчёт.",
        "The office has no services to estimate.",
    ),
    "bad_seeds": Text(
        "Число повторов расчёта — от 1 до {high}.", "Runs of the estimate: from 1 to {high}."
    ),
    "whatif_busy": Text(
        "Другой расчёт «что если» уже идёт; повторите через минуту.",
        "Another what-if estimate is running; retry in a minute.",
    ),
    # Issue 16's remaining items: the public complaint form's limit, R6 on import, one
    # office check for every report.
    "wrong_office.report_of_other_office": Text(
        "Отчёты офиса «{office}» доступны только его руководителю и администраторам.",
        "Reports of the office {office!r} are for its manager and admins only.",
    ),
    "schedule_below_minimum.import": Text(
        "Конфигурация не загружена: офис должен работать не менее {days} дней в неделю, не "
        "менее {hours} часов в день, без перерыва на обед; таких дней в графике: {offices}. "
        "Исправьте часы работы или укажите в файле для офиса причину отступления от "
        "требования. Ничего не изменено.",
        "The configuration was not imported: an office must be open at least {days} days a "
        "week, at least {hours} hours a day, with no lunch break; such days in the schedule: "
        "{offices}. Fix the hours or give the office's reason for the exception in the file. "
        "Nothing was changed.",
    ),
    "too_many_complaints": Text(
        "С этого адреса отправлено слишком много жалоб. Повторите через {minutes} мин. или "
        "обратитесь в офис лично.",
        "Too many complaints from this address. Retry in {minutes} min or come to the "
        "office in person.",
    ),
    # A place in the live queue taken from the phone (tickets/remote.py).
    "remote_queue_off": Text(
        "В этом МФЦ нельзя встать в очередь с телефона; возьмите талон в терминале.",
        "This office does not take queue places from the phone; take a ticket at the kiosk.",
    ),
    "remote_service_closed": Text(
        "На услугу «{service}» в этом МФЦ нельзя встать в очередь с телефона; возьмите "
        "талон в терминале.",
        "Service {service!r} cannot be queued for from the phone here; take a ticket at the kiosk.",
    ),
    "remote_phone_limit": Text(
        "С одного номера телефона можно занять не больше {limit} мест в очереди этого МФЦ за день.",
        "At most {limit} queue place(s) per phone number per day at this office.",
    ),
    "remote_too_many": Text(
        "Слишком много мест в очереди занято из вашей сети за час; повторите через {minutes} мин.",
        "Too many queue places were taken from your network in an hour; retry in {minutes} min.",
    ),
    "remote_no_open_window": Text(
        "Сейчас услугу «{service}» не ведёт ни одно окно; встать в очередь с телефона можно, "
        "когда окно откроется.",
        "No window serves {service!r} now; you can queue from the phone once one opens.",
    ),
    "remote_after_closing": Text(
        "Сегодня очередь на услугу «{service}» не дойдёт до вас до закрытия в {time}; "
        "приходите в другой день или запишитесь заранее.",
        "Today the queue for {service!r} would not reach you before closing at {time}; come "
        "another day or book a time.",
    ),
    "remote_place_not_found": Text(
        "Место в очереди с таким кодом в этом МФЦ не найдено.",
        "No queue place with this code at this office.",
    ),
    "remote_checkin_too_late": Text(
        "Время вашего места в очереди прошло: отметиться нужно было до {at}; возьмите новый "
        "талон в терминале.",
        "Your queue place has lapsed: check-in closed at {at}. Take a new ticket at the kiosk.",
    ),
    "remote_place_given_up": Text(
        "Талон {number} {state}: место в очереди уже не действует; возьмите новый талон в "
        "терминале.",
        "Ticket {number} {state}: its queue place is no longer held; take a new ticket at the "
        "kiosk.",
    ),
    "not_a_remote_ticket": Text(
        "Талон {number} взят не с телефона: отмечать прибытие не нужно.",
        "Ticket {number} was not taken from the phone: there is no arrival to confirm.",
    ),
}


# --- words of closed lists, used as parameters ------------------------------------------

TERMS: dict[str, dict[str, Text]] = {
    "ticket_action": {
        "call": Text("вызвать", "call"),
        "recall": Text("вызвать повторно", "recall"),
        "start": Text("начать обслуживание по", "start serving"),
        "no_show": Text("отметить неявку по", "mark as no-show"),
        "finish": Text("завершить", "finish"),
        "redirect": Text("перенаправить", "redirect"),
        "cancel": Text("отменить", "cancel"),
        "arrive": Text("отметить прибытие по", "mark the arrival of"),
        "lapse": Text("снять место в очереди по", "give up the place of"),
    },
    "ticket_state": {
        "waiting": Text("ожидает и ещё не вызван", "is waiting and has not been called"),
        "called": Text(
            "вызван, но обслуживание не начато", "has been called but service has not started"
        ),
        "serving": Text("уже обслуживается", "is being served"),
        "done": Text("уже завершён", "is already finished"),
        "no_show": Text("отмечен как неявка", "was marked a no-show"),
        "cancelled": Text("отменён", "was cancelled"),
        "expected": Text(
            "ещё не прибыл (место занято с телефона)", "has not arrived yet (queued by phone)"
        ),
    },
    "case_status": {
        "registered": Text("зарегистрировано", "registered"),
        "sent_to_agency": Text("передано в орган", "sent to the agency"),
        "result_received": Text("результат поступил в МФЦ", "result received"),
        "ready": Text("готово к выдаче", "ready for issuance"),
        "issued": Text("выдано", "issued"),
        "refused": Text("заявитель отказался от получения", "refused by the applicant"),
        "stored": Text("на хранении в МФЦ", "stored at the centre"),
        "returned": Text("возвращено в орган", "returned to the agency"),
        "archived": Text("передано в архив", "archived"),
    },
    "case_step": {
        "send": Text("передать в орган", "send"),
        "result": Text("принять результат", "result"),
        "ready": Text("готово к выдаче", "ready"),
        "issue": Text("выдать", "issue"),
        "refuse": Text("отказ от получения", "refuse"),
        "store": Text("на хранение", "store"),
        "return": Text("вернуть в орган", "return"),
        "archive": Text("в архив", "archive"),
    },
    "visit_kind": {
        "intake": Text("приём документов", "intake"),
        "issuance": Text("выдачу результата", "issuance"),
        "consultation": Text("консультацию", "consultation"),
    },
    "booking_state": {
        "checked_in": Text("уже отмечена", "already checked in"),
        "cancelled": Text("отменена", "cancelled"),
        "no_show": Text(
            "пропущена (регистрация закончилась)", "missed (its check-in window has closed)"
        ),
        "booked": Text("действует", "booked"),
    },
    "booking_action": {
        "cancelled": Text("отменить", "cancelled"),
        "rescheduled": Text("перенести", "rescheduled"),
        "checked in": Text("отметить", "checked in"),
    },
    "role": {
        "admin": Text("администратор", "admin"),
        "manager": Text("руководитель", "manager"),
        "clerk": Text("консультант", "clerk"),
        "kiosk": Text("киоск", "kiosk"),
        "board": Text("табло", "board"),
        "led": Text("табло окна", "led"),
    },
    "closed_reason": {
        "closed": Text("офис закрыт", "closed"),
        "closed on this weekday": Text(
            "в этот день недели офис не работает", "closed on this weekday"
        ),
    },
    "weekday_code": {
        "mon": Text("понедельник", "Monday"),
        "tue": Text("вторник", "Tuesday"),
        "wed": Text("среда", "Wednesday"),
        "thu": Text("четверг", "Thursday"),
        "fri": Text("пятница", "Friday"),
        "sat": Text("суббота", "Saturday"),
        "sun": Text("воскресенье", "Sunday"),
    },
    "complaint_status": {
        "registered": Text("зарегистрирована", "registered"),
        "under_review": Text("на рассмотрении", "under review"),
        "answered": Text("дан ответ", "answered"),
        "withdrawn": Text("отозвана", "withdrawn"),
    },
    "call_reason": {
        "returned": Text("Заявитель вернулся (был отложен)", "The applicant came back (postponed)"),
        "continuation": Text(
            "Продолжение обслуживания того же заявителя", "Continued service of the same applicant"
        ),
        "needs_help": Text(
            "Заявителю нужна помощь (маломобильный, с ребёнком)",
            "The applicant needs help (limited mobility, with a child)",
        ),
        "manager": Text("По указанию руководителя", "On the manager's instruction"),
        "booking": Text(
            "Записан на это время, талон не в очереди", "Booked for this time, ticket not queued"
        ),
        "other": Text("Другое (укажите)", "Other (say why)"),
    },
    "weekday": {
        "0": Text("в понедельник", "on Monday"),
        "1": Text("во вторник", "on Tuesday"),
        "2": Text("в среду", "on Wednesday"),
        "3": Text("в четверг", "on Thursday"),
        "4": Text("в пятницу", "on Friday"),
        "5": Text("в субботу", "on Saturday"),
        "6": Text("в воскресенье", "on Sunday"),
    },
}


# --- texts of the request checks (HTTP 422): pydantic's error types and our own ---------

VALIDATION: dict[str, Text] = {
    "missing": Text("обязательное поле", "field required"),
    "extra_forbidden": Text("неизвестное поле", "unknown field"),
    "string_type": Text("должно быть строкой", "must be a string"),
    "string_too_short": Text(
        "не короче {min_length} {min_length:символ}", "at least {min_length} characters"
    ),
    "string_too_long": Text(
        "не длиннее {max_length} {max_length:символ}", "at most {max_length} characters"
    ),
    "string_pattern_mismatch": Text("не соответствует формату {pattern}", "must match {pattern}"),
    "int_type": Text("должно быть целым числом", "must be an integer"),
    "int_parsing": Text("должно быть целым числом", "must be an integer"),
    "int_from_float": Text("должно быть целым числом", "must be an integer"),
    "float_type": Text("должно быть числом", "must be a number"),
    "float_parsing": Text("должно быть числом", "must be a number"),
    "finite_number": Text("число должно быть конечным", "must be a finite number"),
    "bool_type": Text("должно быть true или false", "must be true or false"),
    "bool_parsing": Text("должно быть true или false", "must be true or false"),
    "greater_than": Text("должно быть больше {gt}", "must be greater than {gt}"),
    "greater_than_equal": Text("должно быть не меньше {ge}", "must be at least {ge}"),
    "less_than": Text("должно быть меньше {lt}", "must be less than {lt}"),
    "less_than_equal": Text("должно быть не больше {le}", "must be at most {le}"),
    "too_short": Text("не меньше {min_length} {min_length:элемент}", "at least {min_length} items"),
    "too_long": Text("не больше {max_length} {max_length:элемент}", "at most {max_length} items"),
    "literal_error": Text("допустимо одно из: {expected}", "must be one of {expected}"),
    "enum": Text("допустимо одно из: {expected}", "must be one of {expected}"),
    "timezone_aware": Text(
        "время нужно со смещением (например, +03:00)", "needs a UTC offset (e.g. +03:00)"
    ),
    "date_parsing": Text("неверная дата (ГГГГ-ММ-ДД)", "invalid date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": Text("неверная дата (ГГГГ-ММ-ДД)", "invalid date (YYYY-MM-DD)"),
    "datetime_parsing": Text(
        "неверные дата и время (ISO 8601 со смещением)",
        "invalid date and time (ISO 8601 with an offset)",
    ),
    "datetime_from_date_parsing": Text(
        "неверные дата и время (ISO 8601 со смещением)",
        "invalid date and time (ISO 8601 with an offset)",
    ),
    "time_parsing": Text("неверное время (ЧЧ:ММ)", "invalid time (HH:MM)"),
    "dict_type": Text("должно быть объектом JSON", "must be a JSON object"),
    "list_type": Text("должно быть списком", "must be a list"),
    "model_type": Text("должно быть объектом JSON", "must be a JSON object"),
    "model_attributes_type": Text("должно быть объектом JSON", "must be a JSON object"),
    "value_error": Text("неверное значение", "invalid value"),
    # Our own checks (queue_server/types.py).
    "nul_character": Text(
        "текст не может содержать символ NUL (0x00)", "text cannot contain a NUL character"
    ),
    "date_out_of_range": Text(
        "дата должна быть между {low} и {high}", "the date must be between {low} and {high}"
    ),
    "not_finite": Text("числа должны быть конечными", "numbers must be finite"),
    "detail_too_large": Text(
        "не больше {limit} байт в JSON (получено {size})", "at most {limit} bytes of JSON ({size})"
    ),
    "detail_too_deep": Text("вложенность не больше {limit}", "nesting at most {limit} deep"),
    "blank": Text("не может быть пустым", "must not be blank"),
    # The catalogue's checks (catalogue/schemas.py).
    "answer_target": Text(
        "ответ «{answer}» должен вести либо к следующему вопросу, либо к варианту услуги",
        "answer {answer!r} must lead to exactly one of next_question or variant",
    ),
    "prefix_letter": Text(
        "буква талона — одна буква (по умолчанию кириллица, например А)",
        "the ticket prefix must be one letter (Cyrillic by default, e.g. А)",
    ),
    "variant_codes_repeat": Text(
        "коды вариантов в услуге не должны повторяться",
        "variant codes must be unique within the service",
    ),
    "question_codes_repeat": Text(
        "коды вопросов в услуге не должны повторяться",
        "question codes must be unique within the service",
    ),
    "document_variant_unknown": Text(
        "документ «{document}» ссылается на неизвестный вариант «{variant}»",
        "document {document!r} names unknown variant {variant!r}",
    ),
    "questions_need_variants": Text(
        "для вопросов нужны хотя бы два варианта услуги",
        "profiling questions need at least two variants to choose between",
    ),
    "variants_need_questions": Text(
        "услуге с несколькими вариантами нужны вопросы для выбора",
        "a service with several variants needs questions to choose one",
    ),
    "question_unknown": Text(
        "вопрос «{question}» ведёт к неизвестному вопросу «{target}»",
        "question {question!r} leads to unknown question {target!r}",
    ),
    "question_variant_unknown": Text(
        "вопрос «{question}» ведёт к неизвестному варианту «{target}»",
        "question {question!r} leads to unknown variant {target!r}",
    ),
    "questions_unreachable": Text(
        "к вопросам {codes} не ведёт ни один ответ", "questions not reachable: {codes}"
    ),
    "variants_unreachable": Text(
        "к вариантам {codes} не ведёт ни один ответ", "variants no answer leads to: {codes}"
    ),
    "questions_loop": Text("вопросы зацикливаются: {path}", "the questions loop: {path}"),
    # The office's checks (offices/schemas.py).
    "unknown_time_zone": Text("неизвестный часовой пояс «{value}»", "unknown time zone {value!r}"),
    "unknown_calendar": Text(
        "нет производственного календаря страны «{value}»",
        "no production calendar for country {value!r}",
    ),
    "unknown_weekdays": Text(
        "неизвестные дни недели: {days}; допустимы: {allowed}",
        "unknown weekdays {days}; use {allowed}",
    ),
    "hours_format": Text("{day}: время в виде ЧЧ:ММ", "{day}: times must be HH:MM"),
    "notification_kind_unknown": Text(
        "нет уведомления вида «{kind}»", "there is no notification of kind {kind!r}"
    ),
    "notification_placeholder_unknown": Text(
        "в тексте «{kind}» неизвестные подстановки: {names}; доступны {allowed}",
        "the text of {kind!r} uses unknown placeholders: {names}; available: {allowed}",
    ),
    "hours_order": Text(
        "{day}: открытие в {opens}, а закрытие в {closes}",
        "{day}: opens at {opens} but closes at {closes}",
    ),
    "closed_day_hours": Text("у выходного дня нет часов работы", "a closed day has no hours"),
    "opens_after_closes": Text(
        "открытие должно быть раньше закрытия", "opens must be before closes"
    ),
}

#: Request fields as people name them (the last part of a field's path). A field missing
#: here is shown by its own name.
FIELDS: dict[str, Text] = {
    "enabled": Text("включено", "enabled"),
    "url": Text("адрес", "address"),
    "method": Text("метод запроса", "request method"),
    "body": Text("передача параметров", "parameters sent as"),
    "params": Text("параметры запроса", "request parameters"),
    "headers": Text("заголовки запроса", "request headers"),
    "login": Text("логин", "login"),
    "sender": Text("отправитель", "sender"),
    "success_contains": Text("признак успешного ответа", "success marker"),
    "timeout_seconds": Text("время ожидания, с", "timeout, s"),
    "base_url": Text("адрес сервера бота", "bot server address"),
    "bot_username": Text("имя бота", "bot username"),
    "host": Text("сервер", "host"),
    "port": Text("порт", "port"),
    "security": Text("шифрование", "security"),
    "sms": Text("СМС", "SMS"),
    "telegram": Text("Телеграм", "Telegram"),
    "near_people_ahead": Text("человек перед заявителем", "people ahead"),
    "near_minutes": Text("минут до вызова", "minutes before the call"),
    "return_warning_days": Text("дней до возврата результата", "days before the result returns"),
    "per_recipient_per_hour": Text(
        "сообщений в час одному получателю", "messages per hour per recipient"
    ),
    "templates": Text("тексты уведомлений", "notification texts"),
    "channel": Text("способ уведомления", "channel"),
    "source": Text("где оставлен контакт", "where the contact was left"),
    "notify_phone": Text("телефон для уведомления о готовности", "phone for the ready notice"),
    "notify_email": Text(
        "электронная почта для уведомления о готовности", "e-mail for the ready notice"
    ),
    "signed_on": Text("дата подписания", "signed on"),
    "valid_from": Text("действует с", "valid from"),
    "valid_to": Text("действует по", "valid to"),
    "answer": Text("ответ", "answer"),
    "page_seconds": Text("секунд на страницу", "seconds per page"),
    "recent": Text("последние вызовы", "recent calls"),
    "running_text": Text("бегущая строка", "running text"),
    "voice": Text("озвучивание", "voice"),
    "device_id": Text("устройство", "device"),
    "applicant_contact": Text("контакт заявителя", "applicant's contact"),
    "case_id": Text("дело", "case"),
    "clerk": Text("сотрудник", "clerk"),
    "received_at": Text("дата поступления", "received at"),
    "reference": Text("номер талона или дела", "ticket or case number"),
    "text": Text("текст", "text"),
    "comfort": Text("комфортность", "comfort"),
    "courtesy": Text("вежливость", "courtesy"),
    "information": Text("информированность", "information"),
    "service_time": Text("время получения услуги", "time to get the service"),
    "waiting": Text("время ожидания", "waiting time"),
    "dispatch_guard_minutes": Text(
        "запас до предельного срока, мин", "guard before the limit, min"
    ),
    "schedule_override_reason": Text(
        "основание отступления от графика", "reason for the schedule override"
    ),
    "schedule_override_at": Text("дата отступления от графика", "schedule override at"),
    "schedule_override_by": Text("кто разрешил отступление", "schedule override by"),
    "accepted": Text("принимается", "accepted"),
    "not_accepted_reason": Text("почему не принимается", "why not accepted"),
    "minutes": Text("минуты", "minutes"),
    "prepared_at": Text("дата подготовки результата", "result prepared at"),
    "arrivals": Text("ожидаемые посетители", "expected arrivals"),
    "seeds": Text("число прогонов", "runs"),
    "weekday": Text("день недели", "weekday"),
    "username": Text("имя пользователя", "username"),
    "password": Text("пароль", "password"),
    "full_name": Text("полное имя", "full name"),
    "role": Text("роль", "role"),
    "office": Text("офис", "office"),
    "active": Text("активна", "active"),
    "name": Text("название", "name"),
    "kind": Text("вид", "kind"),
    "code": Text("код", "code"),
    "service": Text("услуга", "service"),
    "services": Text("услуги", "services"),
    "category": Text("льготная категория", "category"),
    "priority_category": Text("льготная категория", "priority category"),
    "window": Text("окно", "window"),
    "number": Text("номер", "number"),
    "day": Text("дата", "day"),
    "start": Text("начало", "start"),
    "end": Text("конец", "end"),
    "slot_start": Text("время записи", "slot start"),
    "applicant_name": Text("фамилия, имя заявителя", "applicant's name"),
    "phone": Text("телефон", "phone"),
    "email": Text("электронная почта", "e-mail"),
    "reason": Text("причина", "reason"),
    "ticket_id": Text("талон", "ticket"),
    "applicant": Text("заявитель", "applicant"),
    "representative": Text("представитель", "representative"),
    "documents": Text("документы", "documents"),
    "service_document_id": Text("документ по перечню", "listed document"),
    "document_number": Text("номер документа", "document number"),
    "document_type": Text("вид документа", "document type"),
    "consent": Text("согласие на обработку персональных данных", "consent"),
    "per_phone_per_day": Text("мест с одного телефона в день", "places per phone per day"),
    "per_client_per_hour": Text("мест из одной сети в час", "places per network per hour"),
    "late_minutes": Text(
        "минут на дорогу после времени места", "minutes allowed after the place's time"
    ),
    "open_to_remote": Text("очередь с телефона", "queueing from the phone"),
    "delivery": Text("способ получения", "delivery"),
    "postal_address": Text("почтовый адрес", "postal address"),
    "variant": Text("вариант услуги", "variant"),
    "agency": Text("орган", "agency"),
    "copies": Text("копии", "copies"),
    "originals": Text("подлинники", "originals"),
    "sheets": Text("листы", "sheets"),
    "note": Text("примечание", "note"),
    "comment": Text("комментарий", "comment"),
    "identity_checked": Text("личность проверена", "identity checked"),
    "timezone": Text("часовой пояс", "time zone"),
    "opening_hours": Text("часы работы", "opening hours"),
    "calendar_country": Text("производственный календарь", "calendar"),
    "prefix": Text("буква талона", "ticket prefix"),
    "name_ru": Text("название по-русски", "Russian name"),
    "name_en": Text("название по-английски", "English name"),
    "text_ru": Text("текст по-русски", "Russian text"),
    "text_en": Text("текст по-английски", "English text"),
    "detail": Text("подробности", "detail"),
    "status": Text("состояние", "status"),
    "after": Text("после события", "after"),
    "webhook_url": Text("адрес веб-хука", "webhook URL"),
    "printers": Text("принтеры", "printers"),
    "courier_weekdays": Text("дни курьера", "courier weekdays"),
    "opens": Text("открытие", "opens"),
    "closes": Text("закрытие", "closes"),
    "closed": Text("выходной", "closed"),
    "date": Text("дата", "date"),
    "address": Text("адрес", "address"),
    "agency_incoming_number": Text("входящий номер органа", "agency's incoming number"),
    "authority_document": Text("документ о полномочиях", "authority document"),
    "bookable": Text("запись разрешена", "bookable"),
    "booked_wait_limit_minutes": Text("ожидание по записи, мин", "booked wait limit, min"),
    "booking_checkin_after_minutes": Text(
        "регистрация после начала записи, мин", "check-in after the slot, min"
    ),
    "booking_checkin_before_minutes": Text(
        "регистрация до начала записи, мин", "check-in before the slot, min"
    ),
    "capacity_per_slot": Text("мест на время", "capacity per slot"),
    "consent_personal_data": Text(
        "согласие на обработку персональных данных", "consent to personal data processing"
    ),
    "dispatch_policy": Text("порядок вызова", "dispatch policy"),
    "group": Text("группа услуг", "group"),
    "horizon_days": Text("запись вперёд, дней", "horizon, days"),
    "idempotency_key": Text("ключ идемпотентности", "idempotency key"),
    "is_open": Text("рабочий день", "open"),
    "items": Text("пункты", "items"),
    "led_address": Text("адрес табло окна", "LED address"),
    "live_if_refused": Text("в живую очередь при отказе", "live queue if refused"),
    "max_per_person_per_day": Text("записей на человека в день", "bookings per person per day"),
    "needs_copy": Text("нужна копия", "copy needed"),
    "needs_original": Text("нужен подлинник", "original needed"),
    "next_question": Text("следующий вопрос", "next question"),
    "no_office": Text("без офиса", "no office"),
    "no_show_after_seconds": Text("неявка через, с", "no-show after, s"),
    "note_ru": Text("примечание по-русски", "Russian note"),
    "notifier": Text("способ уведомления", "notifier"),
    "options": Text("ответы", "options"),
    "order": Text("порядок", "order"),
    "original": Text("подлинник", "original"),
    "outcome": Text("итог", "outcome"),
    "payload": Text("данные", "payload"),
    "position": Text("позиция", "position"),
    "proof_ru": Text("подтверждение по-русски", "Russian proof"),
    "questions": Text("вопросы", "questions"),
    "rank": Text("очерёдность", "rank"),
    "ready": Text("готово", "ready"),
    "recall_after_seconds": Text("повторный вызов через, с", "recall after, s"),
    "reminder_minutes_before": Text("напоминание за, мин", "reminder before, min"),
    "required": Text("обязательный", "required"),
    "service_norm_minutes": Text("норма обслуживания, мин", "service norm, min"),
    "slot_minutes": Text("длительность записи, мин", "slot, min"),
    "state": Text("состояние", "state"),
    "storage_days": Text("срок хранения, дней", "storage, days"),
    "term_working_days": Text("срок, рабочих дней", "term, working days"),
    "ticket_footer": Text("подпись талона", "ticket footer"),
    "variants": Text("варианты услуги", "variants"),
    "wait_limit_minutes": Text("предельное ожидание, мин", "wait limit, min"),
    "warning_ratio": Text("доля для предупреждения", "warning ratio"),
    "webhook_timeout_seconds": Text("таймаут веб-хука, с", "webhook timeout, s"),
    "webhook_token": Text("ключ веб-хука", "webhook token"),
    "webhook_token_set": Text("ключ веб-хука задан", "webhook token set"),
    "windows": Text("окна", "windows"),
    "format": Text("формат", "format"),
    "chart": Text("график", "chart"),
    "lang": Text("язык", "language"),
    "token": Text("ключ доступа", "token"),
    "types": Text("виды событий", "types"),
    "limit": Text("предел", "limit"),
}


# --- language and rendering -------------------------------------------------------------

_LANGUAGE_RANGE = re.compile(r"^\s*([A-Za-z]{1,8}|\*)(?:-[A-Za-z0-9]{1,8})*\s*$")


def pick_language(accept_language: str | None) -> str:
    """The language of an `Accept-Language` header: the best of ru/en, Russian by default.

    The ranges are taken by their q-values (a missing q is 1); among equal q the first
    listed wins; a language we do not have, or "*", does not choose English.
    """
    best: tuple[float, int, str] | None = None
    for position, item in enumerate((accept_language or "").split(",")):
        lang_range, _, params = item.partition(";")
        match = _LANGUAGE_RANGE.match(lang_range)
        if not match:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = match.group(1).lower()
        if primary not in LANGUAGES or quality <= 0:
            continue
        if best is None or quality > best[0]:
            best = (quality, position, primary)
    return best[2] if best else DEFAULT_LANGUAGE


def check_failed(check: str, **ctx: Any) -> PydanticCustomError:
    """A request check's refusal (raise it in a validator): its texts are in VALIDATION."""
    return PydanticCustomError(check, VALIDATION[check].en, ctx)


def term(group: str, key: str, lang: str = RU) -> str:
    """One word of a closed list in `lang`; its key when the list lacks it."""
    found = TERMS.get(group, {}).get(key)
    return found.get(lang) if found else key


def _shown(value: Any, lang: str) -> Any:
    if isinstance(value, Term):
        return term(value.group, value.key, lang)
    if isinstance(value, tuple) and all(isinstance(v, Term) for v in value):
        return ", ".join(term(v.group, v.key, lang) for v in value)
    return value


def render(code: str, params: Mapping[str, Any] | None = None, lang: str = RU) -> str | None:
    """The text of `code` in `lang` with its parameters, or None when the code is unknown."""
    text = MESSAGES.get(code)
    if text is None:
        return None
    shown = {key: _shown(value, lang) for key, value in (params or {}).items()}
    try:
        return text.get(lang).format_map(_Lenient(shown))
    except (ValueError, IndexError):
        return text.get(lang)


def validation_text(error_type: str, ctx: Mapping[str, Any] | None, lang: str) -> str | None:
    """The text of one request check (a pydantic error type), or None when unknown."""
    text = VALIDATION.get(error_type)
    if text is None:
        return None
    shown = {
        key: _Count(value) if type(value) is int else _shown(value, lang)
        for key, value in (ctx or {}).items()
    }
    try:
        return text.get(lang).format_map(_Lenient(shown))
    except (ValueError, IndexError):
        return text.get(lang)


class _Count(int):
    """A count in a template: `{n:символ}` gives the word in the genitive the count asks
    for after «не меньше», «не короче»…: 1, 21 символа; 2, 5, 11 символов."""

    def __format__(self, spec: str) -> str:
        if not spec:
            return str(int(self))
        if self % 10 == 1 and self % 100 != 11:
            return spec + "а"
        return spec + "ов"


def field_name(name: str, lang: str) -> str:
    """A request field as people name it."""
    found = FIELDS.get(name)
    return found.get(lang) if found else name


def placeholders(template: str) -> set[str]:
    """The parameter names a template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class _Lenient(dict[str, Any]):
    """Format parameters where a missing one shows as an ellipsis, never a crash."""

    def __missing__(self, key: str) -> str:
        return "…"
