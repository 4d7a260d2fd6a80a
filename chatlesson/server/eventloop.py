"""The event-loop server: one thread, one asyncio loop, every client.

``ChatServer`` gives each client two threads; this server serves them all from one event loop
(``uvloop``'s when it is installed, which runs the same code faster; asyncio's own otherwise).
The chat itself is the same ``ChatRules``: the loop only moves bytes (``eventloop_connection``)
and carries out the rules' decisions (``eventloop_switchboard``).

Two ways to run it:

* ``EventLoopServer``: the same public API as ``ChatServer``. ``start()`` runs a fresh event
  loop in one background thread, so it works from a Jupyter kernel (which already runs a loop
  of its own in its main thread) and from the chat panel; ``stop()`` says goodbye, ends every
  task, closes every socket and joins the thread.
* ``serve(host, port, ready)``: a coroutine for code that runs its own loop
  (``asyncio.run(serve(...))``); it serves until cancelled.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

from ..core.flood import DEFAULT_FLOOD_LIMIT, FloodLimit
from ..core.limits import DEFAULT_LIMITS, Limits
from ..core.protocol import DEFAULT_HOST
from ..core.rules import ChatRules
from .eventloop_switchboard import Switchboard
from .listening import listening_socket

#: How many connections may wait to be accepted (a class joining at once must fit).
BACKLOG = 1024

log = logging.getLogger("chatlesson.server")


def make_rules(rules: ChatRules | None = None, *, admin_password: str | None = None,
               flood_limit: FloodLimit | None = DEFAULT_FLOOD_LIMIT,
               limits: Limits | None = None) -> ChatRules:
    """The rules to serve: the ones given, or new ones built from the options."""
    if rules is None:
        return ChatRules(admin_password=admin_password, flood_limit=flood_limit,
                         limits=limits if limits is not None else DEFAULT_LIMITS)
    if admin_password is not None or limits is not None or flood_limit is not DEFAULT_FLOOD_LIMIT:
        raise ValueError("give the admin password, flood limit and limits to your ChatRules, "
                         "not to the server as well")
    return rules


def new_event_loop(use_uvloop: bool | None = None) -> asyncio.AbstractEventLoop:
    """uvloop's loop if it is installed (or asked for: then it must be), else asyncio's."""
    if use_uvloop is not False:
        try:
            import uvloop
        except ImportError:
            if use_uvloop:
                raise
        else:
            return uvloop.new_event_loop()
    return asyncio.new_event_loop()


async def serve(host: str = DEFAULT_HOST, port: int = 0,
                ready: Callable[[int], Any] | None = None, **options: Any) -> None:
    """Serve the chat in the running loop until cancelled; ``ready(port)`` once listening.

    ``options`` are ``EventLoopServer``'s: ``rules``, ``admin_password``, ``flood_limit``,
    ``limits``. Cancelling the task says goodbye to everyone and closes every socket.
    """
    rules = make_rules(**options)
    listener = listening_socket(host, port)
    stop = asyncio.Event()
    try:
        await serve_socket(listener, rules, stop, ready)
    except asyncio.CancelledError:
        stop.set()
        raise


async def serve_socket(listener: socket.socket, rules: ChatRules, stop: asyncio.Event,
                       ready: Callable[[int], Any] | None = None) -> None:
    """Accept on ``listener`` (now owned here) until ``stop`` is set, then shut down cleanly."""
    loop = asyncio.get_running_loop()
    board = Switchboard(loop, rules)
    listener.setblocking(False)
    try:
        server = await loop.create_server(board.new_connection, sock=listener, backlog=BACKLOG)
    except BaseException:
        listener.close()
        raise
    try:
        if ready is not None:
            ready(listener.getsockname()[1])
        await stop.wait()
    finally:
        server.close()  # no new clients, and the listening socket is closed
        await asyncio.shield(board.shutdown())


class EventLoopServer:
    """A chat server that serves every client from one event loop in one background thread.

    >>> with EventLoopServer(port=0) as server:      # port 0: any free port
    ...     print(server.port > 0)
    True
    """

    def __init__(self, host: str = DEFAULT_HOST, port: int = 0, *,
                 rules: ChatRules | None = None, admin_password: str | None = None,
                 flood_limit: FloodLimit | None = DEFAULT_FLOOD_LIMIT,
                 limits: Limits | None = None, use_uvloop: bool | None = None) -> None:
        self.host = host
        self.requested_port = port
        self.rules = make_rules(rules, admin_password=admin_password, flood_limit=flood_limit,
                                limits=limits)
        self.use_uvloop = use_uvloop
        self._address: tuple[str, int] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    # --- Life cycle ------------------------------------------------------------

    def start(self) -> EventLoopServer:
        """Bind, listen and serve from a background thread; returns once listening."""
        if self._thread is not None:
            raise RuntimeError("this server is already started")
        listener = listening_socket(self.host, self.requested_port)
        self._reopen_rules()
        try:
            loop = new_event_loop(self.use_uvloop)
        except BaseException:
            listener.close()
            raise
        started: concurrent.futures.Future[None] = concurrent.futures.Future()
        thread = threading.Thread(target=self._run, args=(loop, listener, started),
                                  daemon=True, name="chatlesson-eventloop")
        self._address = listener.getsockname()[:2]
        self._stopped.clear()
        thread.start()
        try:
            started.result()  # re-raises whatever stopped the loop from listening
        except BaseException:
            thread.join()
            self._address = None
            raise
        self._loop, self._thread = loop, thread
        log.info("listening on %s:%d (%s)", *self._address, type(loop).__module__.split(".")[0])
        return self

    def stop(self) -> None:
        """Say goodbye to everyone, end every task, close every socket, join the thread."""
        thread, loop, stop = self._thread, self._loop, self._stop
        if thread is None or loop is None or stop is None:
            return
        if threading.current_thread() is thread:
            raise RuntimeError("stop() would wait for itself: call it from another thread")
        self._thread = self._loop = None
        try:
            loop.call_soon_threadsafe(stop.set)
        except RuntimeError:
            pass  # the loop has already ended
        thread.join()
        self._address = None
        self._stopped.set()
        log.info("stopped")

    def _reopen_rules(self) -> None:
        """Rules that saw ``shutdown()`` refuse newcomers: let them in again on a restart."""
        self.rules.reopen()

    def serve_forever(self) -> None:
        """Start if needed and block until ``stop()`` (for the command line)."""
        if self._thread is None:
            self.start()
        while not self._stopped.wait(0.25):
            pass  # wake up now and then: a Ctrl-C the OS gave to another thread is seen here

    def __enter__(self) -> EventLoopServer:
        return self.start() if self._thread is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- Questions ---------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def address(self) -> tuple[str, int]:
        if self._address is None:
            raise RuntimeError("the server is not running")
        return self._address

    @property
    def port(self) -> int:
        return self.address[1]

    def nicks(self) -> list[str]:
        """Who has joined, in joining order (asked in the loop's thread: the rules live there)."""
        return self.call(self.rules.nicks)

    def call(self, function: Callable[[], Any]) -> Any:
        """Run ``function()`` in the loop's thread and return its result (for a quick look)."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or threading.current_thread() is thread:
            return function()
        result: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def run() -> None:
            try:
                result.set_result(function())
            except BaseException as exc:
                result.set_exception(exc)

        try:
            loop.call_soon_threadsafe(run)
        except RuntimeError:  # the loop has just ended: nothing changes the rules any more
            return function()
        while True:
            try:
                return result.result(timeout=0.1)
            except concurrent.futures.TimeoutError:
                if not thread.is_alive():  # stopped before it got to our call
                    return function()

    def __repr__(self) -> str:
        where = "{}:{}".format(*self.address) if self.running else "stopped"
        return f"<EventLoopServer {where}>"

    # --- The loop's thread ---------------------------------------------------------

    def _run(self, loop: asyncio.AbstractEventLoop, listener: socket.socket,
             started: concurrent.futures.Future[None]) -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._main(listener, started))
        except BaseException as exc:
            if not started.done():
                started.set_exception(exc)
            else:
                log.exception("the event loop failed")
        finally:
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())  # no thread left behind
            finally:
                asyncio.set_event_loop(None)
                loop.close()

    async def _main(self, listener: socket.socket,
                    started: concurrent.futures.Future[None]) -> None:
        self._stop = asyncio.Event()
        await serve_socket(listener, self.rules, self._stop,
                           ready=lambda port: started.set_result(None))


__all__ = ["EventLoopServer", "make_rules", "new_event_loop", "serve"]
