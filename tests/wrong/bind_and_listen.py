"""Wrong make_server_socket() answers (exercise 01)."""

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


def no_listen():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    return server


def no_bind():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.listen()
    return server


def no_return():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen()


def udp():
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    return server


def waits_for_a_client():
    """Calls accept(): blocks for ever, so the check must time out, not hang."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.accept()
    return server


CAUGHT = {
    "every_interface": ("failed", "this computer only", "0.0.0.0"),
    "empty_host": ("failed", "this computer only", 'the host ""'),
    "fixed_port": ("failed", "a second time failed", "port 0"),
    "no_listen": ("failed", "not listening", "listen()"),
    "no_bind": ("failed", "this computer only", "Without bind()"),
    "no_return": ("failed", "should return the listening socket", "return server"),
    "udp": ("failed", "TCP socket", "SOCK_STREAM"),
    "waits_for_a_client": ("timeout", "did not return", "accept()"),
}


def create_server():
    """socket.create_server makes, binds and listens in one call (IPv4 TCP by default)."""
    return socket.create_server(("127.0.0.1", 0))


RIGHT = ["create_server"]
