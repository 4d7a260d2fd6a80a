"""Wrong serve_client(chat, reader, writer) answers (exercise 10), and right ones written differently.

They run in the namespace of the exercise's given code: asyncio, time, LineBuffer,
LINE_TOO_LONG, MAX_LINE_BYTES and CONNECTION_LOST are defined there.
"""


def not_async(chat, reader, writer):
    """A plain def: asyncio cannot run it as a task."""
    chat.carry_out(chat.rules.connect(writer, writer.get_extra_info("peername")))


async def never_connects(chat, reader, writer):
    lines = LineBuffer()
    while data := await reader.read(4096):
        for line in lines.feed(data):
            chat.carry_out(chat.rules.line(writer, line))
    chat.carry_out(chat.rules.disconnect(writer))
    writer.close()


async def connect_not_carried_out(chat, reader, writer):
    chat.rules.connect(writer, writer.get_extra_info("peername"))
    lines = LineBuffer()
    while data := await reader.read(4096):
        for line in lines.feed(data):
            chat.carry_out(chat.rules.line(writer, line))
    chat.carry_out(chat.rules.disconnect(writer))
    writer.close()


async def forgets_await(chat, reader, writer):
    chat.carry_out(chat.rules.connect(writer, writer.get_extra_info("peername")))
    lines = LineBuffer()
    while True:
        data = reader.read(4096)
        if not data:
            break
        for line in lines.feed(data):
            chat.carry_out(chat.rules.line(writer, line))
    chat.carry_out(chat.rules.disconnect(writer))
    writer.close()


async def decodes_lines(chat, reader, writer):
    chat.carry_out(chat.rules.connect(writer, writer.get_extra_info("peername")))
    lines = LineBuffer()
    while data := await reader.read(4096):
        for line in lines.feed(data):
            chat.carry_out(chat.rules.line(writer, line.decode("utf-8")))
    chat.carry_out(chat.rules.disconnect(writer))
    writer.close()


async def readline_keeps_ending(chat, reader, writer):
    """readline() returns the line with its b"\\n"."""
    chat.carry_out(chat.rules.connect(writer, writer.get_extra_info("peername")))
    while line := await reader.readline():
        chat.carry_out(chat.rules.line(writer, line))
    chat.carry_out(chat.rules.disconnect(writer))
    writer.close()


async def readline_no_limit(chat, reader, writer):
    """Strips the ending, but a 3000-byte line reaches the rules as chat."""
    chat.carry_out(chat.rules.connect(writer, writer.get_extra_info("peername")))
    reason = None
    while True:
        try:
            line = await reader.readline()
        except ConnectionError:
            reason = CONNECTION_LOST
            break
        if not line.endswith(b"\n"):
            break
        chat.carry_out(chat.rules.line(writer, line.rstrip(b"\r\n")))
    chat.carry_out(chat.rules.disconnect(writer, reason))
    writer.close()


async def split_per_chunk(chat, reader, writer):
    """Cuts each chunk into lines on its own: a line in two chunks is lost."""
    chat.carry_out(chat.rules.connect(writer, writer.get_extra_info("peername")))
    reason = None
    while True:
        try:
            data = await reader.read(4096)
        except ConnectionError:
            reason = CONNECTION_LOST
            break
        if not data:
            break
        for line in data.split(b"\n")[:-1]:
            chat.carry_out(chat.rules.line(writer, line.rstrip(b"\r")))
    chat.carry_out(chat.rules.disconnect(writer, reason))
    writer.close()


async def new_buffer_each_read(chat, reader, writer):
    chat.carry_out(chat.rules.connect(writer, writer.get_extra_info("peername")))
    reason = None
    while True:
        try:
            data = await reader.read(4096)
        except ConnectionError:
            reason = CONNECTION_LOST
            break
        if not data:
            break
        for line in LineBuffer().feed(data):
            chat.carry_out(chat.rules.line(writer, line))
    chat.carry_out(chat.rules.disconnect(writer, reason))
    writer.close()


async def first_line_only(chat, reader, writer):
    chat.carry_out(chat.rules.connect(writer, writer.get_extra_info("peername")))
    lines = LineBuffer()
    reason = None
    while True:
        try:
            data = await reader.read(4096)
        except ConnectionError:
            reason = CONNECTION_LOST
            break
        if not data:
            break
        complete = lines.feed(data)
        if complete:
            chat.carry_out(chat.rules.line(writer, complete[0]))
    chat.carry_out(chat.rules.disconnect(writer, reason))
    writer.close()


async def strips_lines(chat, reader, writer):
    chat.carry_out(chat.rules.connect(writer, writer.get_extra_info("peername")))
    lines = LineBuffer()
    reason = None
    while True:
        try:
            data = await reader.read(4096)
        except ConnectionError:
            reason = CONNECTION_LOST
            break
        if not data:
            break
        for line in lines.feed(data):
            chat.carry_out(chat.rules.line(writer, line.strip()))
    chat.carry_out(chat.rules.disconnect(writer, reason))
    writer.close()


async def never_disconnects(chat, reader, writer):
    chat.carry_out(chat.rules.connect(writer, writer.get_extra_info("peername")))
    lines = LineBuffer()
    try:
        while data := await reader.read(4096):
            for line in lines.feed(data):
                chat.carry_out(chat.rules.line(writer, line))
    except ConnectionError:
        pass
    writer.close()


async def disconnect_not_carried_out(chat, reader, writer):
    chat.carry_out(chat.rules.connect(writer, writer.get_extra_info("peername")))
    lines = LineBuffer()
    reason = None
    try:
        while data := await reader.read(4096):
            for line in lines.feed(data):
                chat.carry_out(chat.rules.line(writer, line))
    except ConnectionError:
        reason = CONNECTION_LOST
    chat.rules.disconnect(writer, reason)
    writer.close()


async def reset_not_caught(chat, reader, writer):
    chat.carry_out(chat.rules.connect(writer, writer.get_extra_info("peername")))
    lines = LineBuffer()
    while data := await reader.read(4096):
        for line in lines.feed(data):
            chat.carry_out(chat.rules.line(writer, line))
    chat.carry_out(chat.rules.disconnect(writer))
    writer.close()


async def reset_as_clean_close(chat, reader, writer):
    chat.carry_out(chat.rules.connect(writer, writer.get_extra_info("peername")))
    lines = LineBuffer()
    try:
        while data := await reader.read(4096):
            for line in lines.feed(data):
                chat.carry_out(chat.rules.line(writer, line))
    except ConnectionError:
        pass
    chat.carry_out(chat.rules.disconnect(writer))
    writer.close()


async def always_connection_lost(chat, reader, writer):
    chat.carry_out(chat.rules.connect(writer, writer.get_extra_info("peername")))
    lines = LineBuffer()
    try:
        while data := await reader.read(4096):
            for line in lines.feed(data):
                chat.carry_out(chat.rules.line(writer, line))
    except ConnectionError:
        pass
    chat.carry_out(chat.rules.disconnect(writer, CONNECTION_LOST))
    writer.close()


async def busy_after_end(chat, reader, writer):
    """Goes round again on b"": read returns b"" at once, for ever."""
    chat.carry_out(chat.rules.connect(writer, writer.get_extra_info("peername")))
    lines = LineBuffer()
    while True:
        try:
            data = await reader.read(4096)
        except ConnectionError:
            break
        if not data:
            continue
        for line in lines.feed(data):
            chat.carry_out(chat.rules.line(writer, line))
    chat.carry_out(chat.rules.disconnect(writer, CONNECTION_LOST))
    writer.close()


async def sleeps_in_the_loop(chat, reader, writer):
    """time.sleep blocks the whole loop; asyncio.sleep would not."""
    chat.carry_out(chat.rules.connect(writer, writer.get_extra_info("peername")))
    lines = LineBuffer()
    reason = None
    while True:
        try:
            data = await reader.read(4096)
        except ConnectionError:
            reason = CONNECTION_LOST
            break
        if not data:
            break
        time.sleep(1.5)  # "give the rest of the line time to arrive"
        for line in lines.feed(data):
            chat.carry_out(chat.rules.line(writer, line))
    chat.carry_out(chat.rules.disconnect(writer, reason))
    writer.close()


async def never_closes(chat, reader, writer):
    chat.carry_out(chat.rules.connect(writer, writer.get_extra_info("peername")))
    lines = LineBuffer()
    reason = None
    try:
        while data := await reader.read(4096):
            for line in lines.feed(data):
                chat.carry_out(chat.rules.line(writer, line))
    except ConnectionError:
        reason = CONNECTION_LOST
    chat.carry_out(chat.rules.disconnect(writer, reason))


async def reader_as_who(chat, reader, writer):
    chat.carry_out(chat.rules.connect(reader, writer.get_extra_info("peername")))
    lines = LineBuffer()
    while data := await reader.read(4096):
        for line in lines.feed(data):
            chat.carry_out(chat.rules.line(writer, line))
    chat.carry_out(chat.rules.disconnect(writer))
    writer.close()


async def address_as_who(chat, reader, writer):
    who = writer.get_extra_info("peername")
    chat.carry_out(chat.rules.connect(who, who))
    lines = LineBuffer()
    while data := await reader.read(4096):
        for line in lines.feed(data):
            chat.carry_out(chat.rules.line(who, line))
    chat.carry_out(chat.rules.disconnect(who))
    writer.close()


async def reads_to_the_end(chat, reader, writer):
    """read() without a size waits until the client closes."""
    chat.carry_out(chat.rules.connect(writer, writer.get_extra_info("peername")))
    lines = LineBuffer()
    while data := await reader.read():
        for line in lines.feed(data):
            chat.carry_out(chat.rules.line(writer, line))
    chat.carry_out(chat.rules.disconnect(writer))
    writer.close()


async def one_read_only(chat, reader, writer):
    """No loop: serves the first chunk, then returns."""
    chat.carry_out(chat.rules.connect(writer, writer.get_extra_info("peername")))
    lines = LineBuffer()
    data = await reader.read(4096)
    for line in lines.feed(data):
        chat.carry_out(chat.rules.line(writer, line))
    chat.carry_out(chat.rules.disconnect(writer))
    writer.close()


async def too_long_hangs_up(chat, reader, writer):
    """Decides itself what a too long line means (the rules' job): the client is cut off."""
    chat.carry_out(chat.rules.connect(writer, writer.get_extra_info("peername")))
    lines = LineBuffer()
    reason = None
    while True:
        try:
            data = await reader.read(4096)
        except ConnectionError:
            reason = CONNECTION_LOST
            break
        if not data:
            break
        complete = lines.feed(data)
        if LINE_TOO_LONG in complete:
            break
        for line in complete:
            chat.carry_out(chat.rules.line(writer, line))
    chat.carry_out(chat.rules.disconnect(writer, reason))
    writer.close()


async def awaits_carry_out(chat, reader, writer):
    """chat.carry_out is a plain function: awaiting its None fails."""
    await chat.carry_out(chat.rules.connect(writer, writer.get_extra_info("peername")))
    lines = LineBuffer()
    while data := await reader.read(4096):
        for line in lines.feed(data):
            await chat.carry_out(chat.rules.line(writer, line))
    await chat.carry_out(chat.rules.disconnect(writer))
    writer.close()


async def line_not_carried_out(chat, reader, writer):
    chat.carry_out(chat.rules.connect(writer, writer.get_extra_info("peername")))
    lines = LineBuffer()
    reason = None
    try:
        while data := await reader.read(4096):
            for line in lines.feed(data):
                chat.rules.line(writer, line)
    except ConnectionError:
        reason = CONNECTION_LOST
    chat.carry_out(chat.rules.disconnect(writer, reason))
    writer.close()


CAUGHT = {
    "not_async": ("failed", "serve_client is a plain function", "async def"),
    "never_connects": ("failed", "never told the rules about the new connection",
                       "chat.rules.connect"),
    "connect_not_carried_out": ("failed", "ada received no line while ada connected",
                                "chat.carry_out(chat.rules.connect"),
    "forgets_await": ("error", "raised an exception", "await it"),
    "decodes_lines": ("failed", "gave chat.rules.line a str, not bytes", "as the bytes"),
    "readline_keeps_ending": ("failed", "still ends with its line ending", "LineBuffer"),
    "readline_no_limit": ("failed", "received the wrong line while ada sent a line of 3000 bytes",
                          "LINE_TOO_LONG"),
    "split_per_chunk": ("failed", "while ada sent a line in two pieces", "LineBuffer()"),
    "new_buffer_each_read": ("failed", "while ada sent a line in two pieces", "LineBuffer()"),
    "first_line_only": ("failed", "while ada sent two lines at once", "for each line"),
    "strips_lines": ("failed", "received the wrong line while ada sent a line in two pieces",
                     "no strip()"),
    "never_disconnects": ("failed", "received no line while cy closed the connection",
                          "chat.rules.disconnect(writer, reason)"),
    "disconnect_not_carried_out": ("failed", "received no line while cy closed the connection",
                                   "chat.carry_out(chat.rules.disconnect"),
    "reset_not_caught": ("error", "raised an exception while bob's connection was reset",
                         "Catch it"),
    "reset_as_clean_close": ("failed", "received the wrong line while bob's connection was reset",
                             "CONNECTION_LOST"),
    "always_connection_lost": ("failed", "received the wrong line while cy closed the connection",
                               "reason None"),
    "busy_after_end": ("timeout", "busy loop", "if not data: break"),
    "sleeps_in_the_loop": ("timeout", "The event loop stood still", "time.sleep"),
    "never_closes": ("failed", "returned without closing the connection", "writer.close()"),
    "reader_as_who": ("failed", "connect with the reader as who", "Use the writer as who"),
    "address_as_who": ("failed", "connect with a tuple as who", "Use the writer as who"),
    "reads_to_the_end": ("failed", "waited for the end of the stream", "await reader.read(4096)"),
    "one_read_only": ("failed", "returned while ada was still connected (ada answered Hii",
                      "in a loop"),
    "too_long_hangs_up": ("failed", "returned while ada was still connected", "LINE_TOO_LONG"),
    "awaits_carry_out": ("error", "raised an exception while ada connected", "without await"),
    "line_not_carried_out": ("failed", "ada received no line while ada answered Hii",
                             "chat.carry_out(chat.rules.line(writer, line))"),
}


# --- Right answers written differently: each must pass. ---------------------------------------

async def with_finally(chat, reader, writer):
    """try/finally: the rules hear of the end, and the writer is closed, whatever happens."""
    chat.carry_out(chat.rules.connect(writer, writer.get_extra_info("peername")))
    buffer = LineBuffer()
    reason = None
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                return
            for line in buffer.feed(data):
                chat.carry_out(chat.rules.line(writer, line))
    except ConnectionError:
        reason = CONNECTION_LOST
    finally:
        chat.carry_out(chat.rules.disconnect(writer, reason))
        writer.close()


async def walrus_and_wait_closed(chat, reader, writer):
    """A walrus loop, and waiting until the connection is really closed."""
    who = writer
    chat.carry_out(chat.rules.connect(who, writer.get_extra_info("peername")))
    buffer = LineBuffer()
    reason = None
    try:
        while chunk := await reader.read(1024):
            for line in buffer.feed(chunk):
                chat.carry_out(chat.rules.line(who, line))
    except (ConnectionResetError, ConnectionAbortedError, BrokenPipeError):
        reason = CONNECTION_LOST
    chat.carry_out(chat.rules.disconnect(who, reason))
    writer.close()
    try:
        await writer.wait_closed()
    except ConnectionError:
        pass


async def readline_with_limit(chat, reader, writer):
    """readline(), with the length limit and the line endings handled by hand."""
    chat.carry_out(chat.rules.connect(writer, writer.get_extra_info("peername")))
    reason = None
    while True:
        try:
            line = await reader.readline()
        except ConnectionError:
            reason = CONNECTION_LOST
            break
        if not line.endswith(b"\n"):
            break
        line = line[:-1]
        if line.endswith(b"\r"):
            line = line[:-1]
        if len(line) > MAX_LINE_BYTES:
            line = LINE_TOO_LONG
        chat.carry_out(chat.rules.line(writer, line))
    chat.carry_out(chat.rules.disconnect(writer, reason))
    writer.close()


async def closing_check_and_helper(chat, reader, writer):
    """A loop that stops once the connection is closing, and a helper that does one line."""
    def handle(line):
        chat.carry_out(chat.rules.line(writer, line))

    chat.carry_out(chat.rules.connect(writer, writer.get_extra_info("peername")))
    buffer = LineBuffer()
    reason = None
    while not writer.is_closing():
        try:
            data = await reader.read(4096)
        except OSError:
            reason = CONNECTION_LOST
            break
        if data == b"":
            break
        list(map(handle, buffer.feed(data)))
    chat.carry_out(chat.rules.disconnect(writer, reason))
    writer.close()


RIGHT = ["with_finally", "walrus_and_wait_closed", "readline_with_limit",
         "closing_check_and_helper"]
