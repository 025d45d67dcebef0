"""Local stand-in for the Telegram Bot API so python-telegram-bot runs over real HTTP in tests.

python-telegram-bot 22 (``HTTPXRequest``) POSTs every method as
``application/x-www-form-urlencoded`` (``multipart/form-data`` when files are uploaded).
Each value is a string: plain ``str`` parameters go out verbatim, everything else
(ints, bools, lists, nested objects such as ``reply_markup``) is JSON-encoded first.
The stub reverses that so recorded ``Call.params`` hold real Python values.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import re
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, Self

from aiohttp import web

JSONDict = dict[str, Any]

BOT_ID = 123456
BOT_USERNAME = "test_bot"
BOT_FIRST_NAME = "Test Bot"
GROUP_SENDER_ID = 4242
"""Sender of group/channel messages when no ``user_id`` is given."""
NON_TEXT_KINDS = ("sticker", "photo", "voice", "document", "location")
MAX_MESSAGE_LENGTH = 4096
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)

# Parameters that carry free text or identifiers: PTB sends ``str`` values verbatim, so a
# text such as "42" or "true" must not be JSON-decoded into a number or a bool.
_PLAIN_STRING_PARAMS = frozenset(
    {
        "action",
        "address",
        "business_connection_id",
        "callback_query_id",
        "caption",
        "custom_title",
        "data",
        "description",
        "emoji",
        "file_id",
        "first_name",
        "inline_message_id",
        "inline_query_id",
        "ip_address",
        "language_code",
        "last_name",
        "message_effect_id",
        "name",
        "next_offset",
        "parse_mode",
        "payload",
        "query",
        "question",
        "secret_token",
        "short_description",
        "switch_pm_parameter",
        "switch_pm_text",
        "text",
        "title",
        "url",
    }
)

FaultKind = Literal["error", "reset", "delay"]
Handler = Callable[[JSONDict], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Upload:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Call:
    """One recorded Bot API request (``at`` is ``time.monotonic()`` on arrival).

    ``fault`` names the injected fault the call consumed ("error", "reset", "delay") or is None.
    """

    method: str
    params: JSONDict
    token: str
    at: float
    fault: FaultKind | None = None


@dataclass(frozen=True, slots=True)
class _Fault:
    kind: FaultKind
    status: int = 0
    description: str = ""
    retry_after: int | None = None
    seconds: float = 0.0


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _decode_form_value(key: str, value: str) -> Any:
    if key in _PLAIN_STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # e.g. chat_id "@channel", file ids, attach:// references


def _decode_json_value(key: str, value: Any) -> Any:
    # Clients that send a JSON body sometimes still pass nested objects as JSON strings.
    if isinstance(value, str) and key not in _PLAIN_STRING_PARAMS and value[:1] in ("{", "["):
        with contextlib.suppress(ValueError):
            return json.loads(value)
    return value


def _utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram uses for entity offsets/lengths."""
    return len(text.encode("utf-16-le")) // 2


def _error_body(status: int, description: str, retry_after: int | None = None) -> JSONDict:
    body: JSONDict = {"ok": False, "error_code": status, "description": description}
    if retry_after:
        body["parameters"] = {"retry_after": retry_after}
    return body


class BotApiStub:
    """Telegram Bot API stand-in served by aiohttp on 127.0.0.1 with an OS-assigned port.

    ``chat_type=None`` in the builders means: keep the chat's known type, else infer it from
    the id (positive: private, ``-100…``: supergroup, other negative: group). Use one
    instance per event loop.
    """

    def __init__(
        self,
        *,
        bot_id: int = BOT_ID,
        bot_username: str = BOT_USERNAME,
        can_read_all_group_messages: bool = False,
        shutdown_timeout: float = 1.0,
    ) -> None:
        self.calls: list[Call] = []
        self.faults_injected = 0
        self.webhook_url = ""
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.messages: dict[tuple[int, int], JSONDict] = {}
        self.files: dict[str, bytes] = {}
        self.bot_user: JSONDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": can_read_all_group_messages,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self._shutdown_timeout = shutdown_timeout
        self._updates: list[JSONDict] = []
        self._next_update_id = 1
        self._last_message_id: defaultdict[int, int] = defaultdict(int)
        self._chats: dict[int, JSONDict] = {}
        self._faults: defaultdict[str, deque[_Fault]] = defaultdict(deque)
        self._results: dict[str, Any] = {}
        self._serial = itertools.count(1)
        self._updates_event = asyncio.Event()
        self._calls_cond = asyncio.Condition()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._handlers: dict[str, Handler] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "setwebhook": self._set_webhook,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "getfile": self._get_file,
        }

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start serving on 127.0.0.1 with a free port."""
        if self._runner is not None:
            raise RuntimeError("BotApiStub already started")
        app = web.Application()
        app.router.add_get("/bot{token}/{method}", self._handle)
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=self._shutdown_timeout
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Wake long polls and delayed responses, then shut the server down."""
        self._closing.set()
        self._updates_event.set()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The TCP port the stub listens on."""
        if self._port is None:
            raise RuntimeError("BotApiStub is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """Value for ``ApplicationBuilder().base_url``; PTB appends the token and ``/method``."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``ApplicationBuilder().base_file_url``."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ------------------------------------------------------------------ inspection

    def calls_of(self, method: str) -> list[Call]:
        """Recorded calls of ``method`` (case-insensitive), oldest first."""
        wanted = method.lower()
        return [call for call in self.calls if call.method.lower() == wanted]

    def sent_messages(self) -> list[Call]:
        """Recorded ``sendMessage`` calls, including ones answered with an injected fault."""
        return self.calls_of("sendMessage")

    def sent_texts(self) -> list[str]:
        """Texts of the recorded ``sendMessage`` calls that were not failed or reset."""
        return [
            str(call.params.get("text", ""))
            for call in self.sent_messages()
            if call.fault not in ("error", "reset")
        ]

    def clear_calls(self) -> None:
        """Forget all recorded calls."""
        self.calls.clear()

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Queued updates not yet confirmed through ``getUpdates``'s ``offset``."""
        return list(self._updates)

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until at least ``count`` calls of ``method`` were recorded; return them."""

        def enough() -> bool:
            return len(self.calls_of(method)) >= count

        try:
            async with asyncio.timeout(timeout):
                async with self._calls_cond:
                    await self._calls_cond.wait_for(enough)
        except TimeoutError:
            seen = [call.method for call in self.calls]
            raise TimeoutError(
                f"expected {count} {method} call(s) within {timeout}s, "
                f"got {len(self.calls_of(method))}; recorded: {seen}"
            ) from None
        return self.calls_of(method)

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        description: str = "Too Many Requests: retry after 1",
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an API error.

        For 429 without ``retry_after`` the value is read from "retry after N" in the
        description (Telegram always sends it); ``retry_after=0`` omits ``parameters``.
        """
        if retry_after is None and status == 429:
            match = re.search(r"retry after (\d+)", description)
            retry_after = int(match.group(1)) if match else None
        fault = _Fault("error", status=status, description=description, retry_after=retry_after)
        self._add_fault(method, fault, times)

    def reset_next(self, method: str, times: int = 1) -> None:
        """Close the connection without a response for the next ``times`` calls of ``method``."""
        self._add_fault(method, _Fault("reset"), times)

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Hold back the response to the next ``times`` calls of ``method`` by ``seconds``.

        The call takes effect on arrival (a delayed ``sendMessage`` is still "sent").
        """
        self._add_fault(method, _Fault("delay", seconds=seconds), times)

    def set_result(self, method: str, result: Any) -> None:
        """Override the result of ``method``; a callable gets the params and returns the result."""
        self._results[method.lower()] = result

    def _add_fault(self, method: str, fault: _Fault, times: int) -> None:
        if times < 1:
            raise ValueError("times must be >= 1")
        self._faults[method.lower()].extend([fault] * times)

    # ------------------------------------------------------------------ update builders

    def add_update(self, payload: JSONDict) -> int:
        """Queue a raw update (without ``update_id``); return the assigned ``update_id``."""
        update_id = self._next_update_id
        self._next_update_id += 1
        self._updates.append({"update_id": update_id, **payload})
        self._updates_event.set()
        return update_id

    def add_message(
        self,
        chat_id: int,
        text: str,
        user_id: int | None = None,
        chat_type: str | None = None,
        username: str | None = None,
        first_name: str = "Test",
        language_code: str = "de",
        entities: list[JSONDict] | None = None,
        reply_to_bot: bool = False,
        **extra: Any,
    ) -> int:
        """Queue a text message from a user; ``extra`` is merged into the Message object."""
        message = self._user_message(
            chat_id,
            user_id=user_id,
            chat_type=chat_type,
            username=username,
            first_name=first_name,
            language_code=language_code,
            reply_to_bot=reply_to_bot,
        )
        message["text"] = text
        if entities:
            message["entities"] = entities
        message.update(extra)
        return self.add_update({"message": message})

    def add_command(
        self,
        chat_id: int,
        command: str,
        user_id: int | None = None,
        chat_type: str | None = None,
        entities: list[JSONDict] | None = None,
        **kwargs: Any,
    ) -> int:
        """Queue a message like ``"/start arg"`` with a ``bot_command`` entity."""
        if not command.startswith("/"):
            raise ValueError(f"command must start with '/': {command!r}")
        head = command.split(maxsplit=1)[0]
        entity = {"type": "bot_command", "offset": 0, "length": _utf16_len(head)}
        return self.add_message(
            chat_id,
            command,
            user_id=user_id,
            chat_type=chat_type,
            entities=[entity, *(entities or [])],
            **kwargs,
        )

    def add_group_message(
        self,
        chat_id: int,
        text: str,
        mention_bot: bool = False,
        reply_to_bot: bool = False,
        user_id: int | None = None,
        chat_type: str | None = None,
        **kwargs: Any,
    ) -> int:
        """Queue a group message; ``mention_bot`` prefixes ``@bot`` (with a mention entity)."""
        entities: list[JSONDict] = list(kwargs.pop("entities", None) or [])
        if mention_bot:
            mention = f"@{self.bot_user['username']}"
            if mention not in text:
                text = f"{mention} {text}"
            offset = _utf16_len(text[: text.index(mention)])
            entities.insert(0, {"type": "mention", "offset": offset, "length": len(mention)})
        return self.add_message(
            chat_id,
            text,
            user_id=user_id,
            chat_type=chat_type,
            entities=entities or None,
            reply_to_bot=reply_to_bot,
            **kwargs,
        )

    def add_edited_message(
        self,
        chat_id: int,
        text: str,
        message_id: int | None = None,
        user_id: int | None = None,
        chat_type: str | None = None,
        **extra: Any,
    ) -> int:
        """Queue an ``edited_message``; default target is the user's latest message in the chat."""
        sender = self._sender_id(chat_id, user_id)
        if message_id is None:
            own = [
                mid
                for (cid, mid), msg in self.messages.items()
                if cid == chat_id and msg.get("from", {}).get("id") == sender
            ]
            message_id = max(own, default=0) or None
        base = self.messages.get((chat_id, message_id)) if message_id else None
        if base is None:
            message = self._user_message(chat_id, user_id=user_id, chat_type=chat_type)
            if message_id is not None:
                message["message_id"] = message_id
                self._bump_message_id(chat_id, message_id)
        else:
            message = copy.deepcopy(base)
        message["text"] = text
        message.pop("entities", None)
        message["edit_date"] = int(time.time())
        message.update(extra)
        self.messages[(chat_id, message["message_id"])] = message
        return self.add_update({"edited_message": message})

    def add_callback(
        self,
        chat_id: int,
        data: str,
        user_id: int | None = None,
        message_id: int = 1,
        chat_type: str | None = None,
    ) -> int:
        """Queue a ``callback_query`` from a button on the bot's message ``message_id``."""
        self._chat(chat_id, chat_type)
        message = self.messages.get((chat_id, message_id)) or self._bot_message(
            chat_id, message_id, "…"
        )
        query = {
            "id": str(next(self._serial)),
            "from": self._user(self._sender_id(chat_id, user_id)),
            "chat_instance": f"instance-{chat_id}",
            "data": data,
            "message": copy.deepcopy(message),
        }
        return self.add_update({"callback_query": query})

    def add_inline_query(
        self, user_id: int, query: str, offset: str = "", chat_type: str = "private"
    ) -> int:
        """Queue an ``inline_query`` from ``user_id``."""
        inline = {
            "id": str(next(self._serial)),
            "from": self._user(user_id),
            "query": query,
            "offset": offset,
            "chat_type": chat_type,
        }
        return self.add_update({"inline_query": inline})

    def add_non_text(
        self,
        chat_id: int,
        kind: str,
        user_id: int | None = None,
        chat_type: str | None = None,
        **extra: Any,
    ) -> int:
        """Queue a sticker/photo/voice/document/location message (minimal valid objects)."""
        if kind not in NON_TEXT_KINDS:
            raise ValueError(f"kind must be one of {NON_TEXT_KINDS}, got {kind!r}")
        message = self._user_message(chat_id, user_id=user_id, chat_type=chat_type)
        message[kind] = self._media(kind)
        message.update(extra)
        return self.add_update({"message": message})

    # ------------------------------------------------------------------ object helpers

    def _user(
        self,
        user_id: int,
        first_name: str = "Test",
        username: str | None = None,
        language_code: str | None = "de",
    ) -> JSONDict:
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        return user

    def _sender_id(self, chat_id: int, user_id: int | None) -> int:
        if user_id is not None:
            return user_id
        return chat_id if chat_id > 0 else GROUP_SENDER_ID

    def _chat(
        self,
        chat_id: int,
        chat_type: str | None = None,
        first_name: str = "Test",
        username: str | None = None,
    ) -> JSONDict:
        known = self._chats.get(chat_id)
        if known is not None and (chat_type is None or known["type"] == chat_type):
            return dict(known)
        if chat_type is None:
            if chat_id > 0:
                chat_type = "private"
            else:
                chat_type = "supergroup" if str(chat_id).startswith("-100") else "group"
        chat: JSONDict = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = first_name
            if username:
                chat["username"] = username
        else:
            chat["title"] = f"Test {chat_type} {chat_id}"
        self._chats[chat_id] = chat
        return dict(chat)

    def _new_message_id(self, chat_id: int) -> int:
        self._last_message_id[chat_id] += 1
        return self._last_message_id[chat_id]

    def _bump_message_id(self, chat_id: int, message_id: int) -> None:
        self._last_message_id[chat_id] = max(self._last_message_id[chat_id], message_id)

    def _user_message(
        self,
        chat_id: int,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        username: str | None = None,
        first_name: str = "Test",
        language_code: str = "de",
        reply_to_bot: bool = False,
    ) -> JSONDict:
        sender = self._user(
            self._sender_id(chat_id, user_id),
            first_name=first_name,
            username=username,
            language_code=language_code,
        )
        message: JSONDict = {
            "message_id": self._new_message_id(chat_id),
            "date": int(time.time()),
            "chat": self._chat(chat_id, chat_type, first_name=first_name, username=username),
            "from": sender,
        }
        if reply_to_bot:
            bot_ids = [
                mid
                for (cid, mid), msg in self.messages.items()
                if cid == chat_id and msg.get("from", {}).get("id") == self.bot_user["id"]
            ]
            replied = (
                self.messages[(chat_id, max(bot_ids))]
                if bot_ids
                else self._bot_message(chat_id, self._new_message_id(chat_id), "…")
            )
            message["reply_to_message"] = _without_reply(replied)
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _bot_message(self, chat_id: int, message_id: int, text: str) -> JSONDict:
        self._bump_message_id(chat_id, message_id)
        message: JSONDict = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": dict(self.bot_user),
            "text": text,
        }
        self.messages[(chat_id, message_id)] = message
        return message

    def _media(self, kind: str) -> Any:
        n = next(self._serial)

        def ids(suffix: str = "") -> JSONDict:
            return {"file_id": f"{kind}-{n}{suffix}", "file_unique_id": f"u-{kind}-{n}{suffix}"}

        if kind == "sticker":
            return {
                **ids(),
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "👍",
            }
        if kind == "photo":
            return [
                {**ids("-s"), "width": 90, "height": 60, "file_size": 1200},
                {**ids("-m"), "width": 320, "height": 213, "file_size": 9800},
            ]
        if kind == "voice":
            return {**ids(), "duration": 3, "mime_type": "audio/ogg", "file_size": 4200}
        if kind == "document":
            return {
                **ids(),
                "file_name": "antrag.pdf",
                "mime_type": "application/pdf",
                "file_size": 2048,
            }
        return {"latitude": 50.1109, "longitude": 8.6821}  # location: Frankfurt am Main

    # ------------------------------------------------------------------ HTTP handling

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        method = request.match_info["method"]
        params = await self._read_params(request)
        queue = self._faults.get(method.lower())
        fault = queue.popleft() if queue else None
        if fault is not None:
            self.faults_injected += 1
        await self._record(
            Call(method, params, token, time.monotonic(), None if fault is None else fault.kind)
        )

        if fault is not None and fault.kind == "reset":
            if request.transport is not None:
                request.transport.close()
            # Never written: aiohttp notices the closed transport and drops the response.
            return web.Response(status=500)
        if fault is not None and fault.kind == "error":
            body = _error_body(fault.status, fault.description, fault.retry_after)
            return web.json_response(body, status=fault.status)

        try:
            result = await self._dispatch(method, params)
        except _ApiError as err:
            return web.json_response(_error_body(err.status, err.description), status=err.status)
        if fault is not None and fault.kind == "delay":
            await self._sleep(fault.seconds)
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        file_id = path.removeprefix("files/")
        return web.Response(body=self.files.get(file_id, f"stub file {file_id}".encode()))

    async def _read_params(self, request: web.Request) -> JSONDict:
        params: JSONDict = {
            key: _decode_form_value(key, value) for key, value in request.query.items()
        }
        if request.method != "POST" or not request.can_read_body:
            return params
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                params.update({key: _decode_json_value(key, val) for key, val in body.items()})
            return params
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                params[key] = Upload(value.filename, value.content_type, value.file.read())
            elif isinstance(value, str):
                params[key] = _decode_form_value(key, value)
            else:
                params[key] = _decode_form_value(key, bytes(value).decode("utf-8", "replace"))
        return params

    async def _record(self, call: Call) -> None:
        async with self._calls_cond:
            self.calls.append(call)
            self._calls_cond.notify_all()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._closing.wait()

    async def _dispatch(self, method: str, params: JSONDict) -> Any:
        key = method.lower()
        if key in self._results:
            override = self._results[key]
            return override(params) if callable(override) else copy.deepcopy(override)
        handler = self._handlers.get(key)
        if handler is None:
            return True  # answerCallbackQuery, answerInlineQuery, sendChatAction, close, ...
        return await handler(params)

    # ------------------------------------------------------------------ method implementations

    async def _get_me(self, params: JSONDict) -> Any:
        return dict(self.bot_user)

    async def _get_updates(self, params: JSONDict) -> Any:
        if self.webhook_url:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._updates and not self._closing.is_set():
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            self._updates_event.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._updates_event.wait()
        return copy.deepcopy(self._updates[:limit])

    async def _delete_webhook(self, params: JSONDict) -> Any:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _set_webhook(self, params: JSONDict) -> Any:
        self.webhook_url = str(params.get("url", ""))
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: JSONDict) -> Any:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    @staticmethod
    def _commands_key(params: JSONDict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def _set_my_commands(self, params: JSONDict) -> Any:
        self.commands[self._commands_key(params)] = list(params.get("commands") or [])
        return True

    async def _get_my_commands(self, params: JSONDict) -> Any:
        return copy.deepcopy(self.commands.get(self._commands_key(params), []))

    async def _delete_my_commands(self, params: JSONDict) -> Any:
        self.commands.pop(self._commands_key(params), None)
        return True

    def _target_chat(self, chat_id: Any) -> JSONDict:
        if isinstance(chat_id, str) and not chat_id.lstrip("-").isdigit():
            name = chat_id.removeprefix("@")
            for chat in self._chats.values():
                if chat.get("username") == name:
                    return dict(chat)
            new_id = -1_001_000_000_000 - len(self._chats)
            self._chats[new_id] = {"id": new_id, "type": "channel", "title": name, "username": name}
            return dict(self._chats[new_id])
        if chat_id is None:
            raise _ApiError(400, "Bad Request: chat_id is empty")
        return self._chat(int(chat_id))

    async def _send_message(self, params: JSONDict) -> Any:
        text = str(params.get("text") or "")
        if not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text) > MAX_MESSAGE_LENGTH:
            raise _ApiError(400, "Bad Request: message is too long")
        chat = self._target_chat(params.get("chat_id"))
        message: JSONDict = {
            "message_id": self._new_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": chat,
            "from": dict(self.bot_user),
            "text": text,
        }
        for key in ("entities", "message_thread_id", "link_preview_options"):
            if params.get(key) is not None:
                message[key] = params[key]
        markup = _inline_markup(params)
        if markup is not None:
            message["reply_markup"] = markup
        reply_params = params.get("reply_parameters")
        reply_to = params.get("reply_to_message_id") or (
            reply_params.get("message_id") if isinstance(reply_params, dict) else None
        )
        replied = self.messages.get((chat["id"], int(reply_to))) if reply_to else None
        if replied is not None:
            message["reply_to_message"] = _without_reply(replied)
        self.messages[(chat["id"], message["message_id"])] = message
        return copy.deepcopy(message)

    def _message_to_edit(self, params: JSONDict) -> JSONDict:
        chat = self._target_chat(params.get("chat_id"))
        message_id = int(params.get("message_id") or 0)
        if message_id <= 0:
            raise _ApiError(400, "Bad Request: message identifier is not specified")
        known = self.messages.get((chat["id"], message_id))
        return known if known is not None else self._bot_message(chat["id"], message_id, "…")

    async def _edit_message_text(self, params: JSONDict) -> Any:
        text = str(params.get("text") or "")
        if not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if params.get("inline_message_id"):
            return True
        message = self._message_to_edit(params)
        markup = _inline_markup(params)
        if message.get("text") == text and message.get("reply_markup") == markup:
            raise _ApiError(400, NOT_MODIFIED)
        message["text"] = text
        message.pop("entities", None)
        if params.get("entities"):
            message["entities"] = params["entities"]
        _set_markup(message, markup)
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    async def _edit_message_reply_markup(self, params: JSONDict) -> Any:
        if params.get("inline_message_id"):
            return True
        message = self._message_to_edit(params)
        markup = _inline_markup(params)
        if message.get("reply_markup") == markup:
            raise _ApiError(400, NOT_MODIFIED)
        _set_markup(message, markup)
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    async def _get_file(self, params: JSONDict) -> Any:
        file_id = str(params.get("file_id") or "")
        if not file_id:
            raise _ApiError(400, "Bad Request: invalid file_id")
        data = self.files.get(file_id, f"stub file {file_id}".encode())
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": len(data),
            "file_path": f"files/{file_id}",
        }


def _inline_markup(params: JSONDict) -> JSONDict | None:
    # Telegram only echoes inline keyboards in the returned Message; reply keyboards are not
    # part of Message.reply_markup (and PTB would fail to parse them as InlineKeyboardMarkup).
    markup = params.get("reply_markup")
    if isinstance(markup, dict) and markup.get("inline_keyboard"):
        return markup
    return None


def _set_markup(message: JSONDict, markup: JSONDict | None) -> None:
    if markup is None:
        message.pop("reply_markup", None)
    else:
        message["reply_markup"] = markup


def _without_reply(message: JSONDict) -> JSONDict:
    return {k: copy.deepcopy(v) for k, v in message.items() if k != "reply_to_message"}
