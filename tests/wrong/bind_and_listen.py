"""make_server_socket() answers for exercise 01: wrong ones in CAUGHT, right ones in RIGHT."""

import socket


def every_interface():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("0.0.0.0", 0))
    server.listen()
    return server


def empty_host():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("", 0))
    server.listen()
    return server


def fixed_port():
    """The tutorial's fixed port: the second call finds it taken."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 11826))
    server.listen()
    return server


def fixed_port_tutorial():
    """A fixed port and no SO_REUSEADDR: the verdict must not change from one run to the next."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 11829))
    server.listen()
    return server


def fixed_port_create_server():
    return socket.create_server(("127.0.0.1", 11828))


def no_listen():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    return server


def no_bind():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.listen()
    return server


def listen_before_bind():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.listen()
    server.bind(("127.0.0.1", 0))
    return server


def bind_two_arguments():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind("127.0.0.1", 0)
    server.listen()
    return server


def port_as_text():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", "0"))
    server.listen()
    return server


def no_return():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen()


def returns_what_listen_returns():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    return server.listen()


def returns_socket_and_port():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen()
    return server, server.getsockname()[1]


def returns_the_address():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen()
    return server.getsockname()


def with_block():
    """The `with` statement closes the socket as the function returns."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        return server


def closes_it():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.close()
    return server


def udp():
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    return server


def ipv6():
    server = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    server.bind(("::1", 0))
    server.listen()
    return server


def waits_for_a_client():
    """Calls accept(): blocks for ever, so the check must time out, not hang."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.accept()
    return server


_made = []


def one_socket_for_all():
    """Makes the socket once and hands the same one to every caller."""
    if not _made:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.bind(("127.0.0.1", 0))
        server.listen()
        _made.append(server)
    return _made[0]


def takes_host_and_port(host, port):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind((host, port))
    server.listen()
    return server


def reuse_port():
    """SO_REUSEPORT lets both calls listen on one fixed port (Linux, macOS)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    server.bind(("127.0.0.1", 11827))
    server.listen()
    return server


CAUGHT = {
    "every_interface": ("failed", "this computer only", "0.0.0.0"),
    "empty_host": ("failed", "this computer only", 'the host ""'),
    "fixed_port": ("failed", "the port is already in use", "port 0"),
    "fixed_port_tutorial": ("failed", "the port is already in use", "port 0"),
    "fixed_port_create_server": ("failed", "the port is already in use", "port 0"),
    "no_listen": ("failed", "not listening", "listen()"),
    "no_bind": ("failed", "this computer only", "Without bind()"),
    "listen_before_bind": ("error", "raised an exception while creating the server socket",
                           "Call bind() before listen()"),
    "bind_two_arguments": ("error", "raised an exception", "one argument, a tuple"),
    "port_as_text": ("error", "raised an exception", "a port (an int)"),
    "no_return": ("failed", "should return the listening socket", "return server"),
    "returns_what_listen_returns": ("failed", "should return the listening socket",
                                    "return server"),
    "returns_socket_and_port": ("failed", "listening socket alone", "getsockname()"),
    "returns_the_address": ("failed", "should return the listening socket", "return server"),
    "with_block": ("failed", "already closed", "`with socket.socket(...) as server:`"),
    "closes_it": ("failed", "already closed", "server.close()"),
    "udp": ("failed", "TCP socket", "SOCK_STREAM"),
    "ipv6": ("failed", "TCP socket for IPv4", "AF_INET"),
    "waits_for_a_client": ("timeout", "did not return", "accept()"),
    "one_socket_for_all": ("failed", "the same socket", "inside the function"),
    "takes_host_and_port": ("error", "raised an exception", "with no arguments"),
}
if hasattr(socket, "SO_REUSEPORT"):  # Windows has no SO_REUSEPORT
    CAUGHT["reuse_port"] = ("failed", "the same port", "port 0")


def create_server():
    """socket.create_server makes, binds and listens in one call (IPv4 TCP by default)."""
    return socket.create_server(("127.0.0.1", 0))


def default_arguments():
    """socket.socket() is AF_INET and SOCK_STREAM unless told otherwise; a backlog of 5."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    return server


def localhost():
    server = socket.socket(family=socket.AF_INET, type=socket.SOCK_STREAM)
    server.bind(("localhost", 0))
    server.listen()
    return server


def explicit_protocol():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    address = ("127.0.0.1", 0)
    server.bind(address)
    server.listen(1)
    return server


def closes_on_failure(host="127.0.0.1", port=0):
    """Default parameters, and the socket closed if bind or listen fails."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        server.bind((host, port))
        server.listen()
    except OSError:
        server.close()
        raise
    return server


def blocking_with_a_timeout_of_none():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.settimeout(None)
    server.bind(("127.0.0.1", 0))
    server.listen(socket.SOMAXCONN)
    return server


RIGHT = ["create_server", "default_arguments", "localhost", "explicit_protocol",
         "closes_on_failure", "blocking_with_a_timeout_of_none"]
