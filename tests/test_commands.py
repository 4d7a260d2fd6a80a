"""Commands, rooms, private messages and flood control: the rules without sockets
first (fast, many cases), then the main paths over real sockets."""

import pytest

from chatlesson import ChatClient, ChatRules, ChatServer
from chatlesson.core.commands import parse_command
from chatlesson.core.flood import FloodLimit, TokenBucket
from chatlesson.core.protocol import parse_line
from chatlesson.core.rooms import MAX_ROOM_LENGTH
from netutil import RawClient
from rulesutil import FakeClock, joined, only_to, say

# --- Parsing ------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("/help", ("help", "")),
    ("/MSG bob  hi  there ", ("msg", "bob  hi  there")),
    ("/join\t#games", ("join", "#games")),
    ("/", ("", "")),
    ("/ who", ("who", "")),
])
def test_parse_command(text, expected):
    assert parse_command(text) == expected


def test_unknown_and_empty_commands_are_errors_to_the_sender_only():
    rules = joined(ChatRules(), "ada", "bob")
    error = only_to(say(rules, "ada", "/dance"), "ada")
    assert error == "!!! unknown command /dance; type /help for the list"
    assert only_to(say(rules, "ada", "/"), "ada").startswith("!!! unknown command /;")
    long_name = only_to(say(rules, "ada", "/" + "x" * 500), "ada")
    assert len(long_name) < 100


def test_double_slash_is_chat_that_starts_with_a_slash():
    rules = joined(ChatRules(), "ada", "bob")
    out = say(rules, "ada", "//help is a command")
    assert out.sends == [("ada", "ada: /help is a command"), ("bob", "ada: /help is a command")]


def test_commands_are_case_insensitive():
    rules = joined(ChatRules(), "ada")
    assert only_to(say(rules, "ada", "/WHO"), "ada") == "*** Online in #lobby: ada"


# --- /help ----------------------------------------------------------------------


def test_help_lists_every_command_with_its_usage():
    rules = joined(ChatRules(), "ada", "bob")
    out = say(rules, "ada", "/help")
    lines = out.lines_for("ada")
    assert out.lines_for("bob") == []
    assert all(parse_line(line).kind == "notice" for line in lines)
    for usage in ["/help [COMMAND]", "/nick NEW", "/me ACTION", "/who", "/rooms", "/join ROOM",
                  "/msg NICK TEXT", "/quit [REASON]", "/admin PASSWORD", "/kick NICK [REASON]",
                  "/ban [-host] NICK [REASON]", "/unban NICK", "/mute NICK [DURATION]", "/unmute NICK",
                  "/pin TEXT", "/unpin", "/slow SECONDS"]:
        assert any(line.startswith(f"*** {usage} - ") for line in lines), usage
    assert any(line.startswith("*** /kick") and line.endswith("(admins only)") for line in lines)


def test_help_for_one_command_and_for_a_missing_one():
    rules = joined(ChatRules(), "ada")
    assert say(rules, "ada", "/help /msg").lines_for("ada") == [
        "*** /msg NICK TEXT - a private message only NICK and you see"]
    assert say(rules, "ada", "/help me").lines_for("ada")[0].startswith("*** /me ACTION - ")
    assert only_to(say(rules, "ada", "/help dance"), "ada").startswith("!!! there is no command /dance")


# --- /me ----------------------------------------------------------------------------


def test_me_is_an_action_to_the_room():
    rules = joined(ChatRules(), "ada", "bob")
    out = say(rules, "ada", "/me waves at everyone")
    assert out.sends == [("ada", "* ada waves at everyone"), ("bob", "* ada waves at everyone")]
    message = parse_line(out.sends[0][1])
    assert (message.kind, message.nick, message.text) == ("action", "ada", "waves at everyone")


def test_me_without_an_action_shows_its_usage():
    rules = joined(ChatRules(), "ada", "bob")
    assert only_to(say(rules, "ada", "/me"), "ada") == "!!! usage: /me ACTION (say what you do)"


# --- /nick -----------------------------------------------------------------------------


def test_nick_renames_and_tells_the_room_only():
    rules = joined(ChatRules(), "ada", "bob", "cy")
    say(rules, "cy", "/join attic")
    out = say(rules, "ada", "/nick Ada_L")
    assert out.sends == [("ada", "*** ada is now known as Ada_L"), ("bob", "*** ada is now known as Ada_L")]
    assert rules.nick_of("ada") == "Ada_L"
    assert parse_line(out.sends[0][1]).event == "renamed"
    assert say(rules, "bob", "/msg ada hi").lines_for("bob") == ["!!! no one called ada is online"]
    assert say(rules, "bob", "/msg ada_l hi").lines_for("ada") == ["[from bob] hi"]
    joined(rules, "ada")  # the old name is free again


@pytest.mark.parametrize("command, error", [
    ("/nick", "!!! usage: /nick NEW (give one new nickname)"),
    ("/nick two words", "!!! usage: /nick NEW (give one new nickname)"),
    ("/nick BOB", "!!! the nickname BOB is taken"),
    ("/nick *star", "!!! a nickname must start with a letter, a digit or _"),
    ("/nick " + "a" * 25, "!!! a nickname can have at most 24 characters"),
])
def test_bad_nick_changes_are_errors(command, error):
    rules = joined(ChatRules(), "ada", "bob")
    assert only_to(say(rules, "ada", command), "ada") == error
    assert rules.nick_of("ada") == "ada"


def test_nick_change_of_case_only_and_to_the_same_name():
    rules = joined(ChatRules(), "ada")
    assert only_to(say(rules, "ada", "/nick ada"), "ada") == "*** you are already called ada"
    assert only_to(say(rules, "ada", "/nick ADA"), "ada") == "*** ada is now known as ADA"


# --- Rooms: /who, /rooms, /join ---------------------------------------------------------


def test_who_lists_the_current_room_only_with_admins_marked():
    rules = joined(ChatRules(admin_password="s3cret"), "ada", "bob", "cy")
    say(rules, "cy", "/join attic")
    say(rules, "ada", "/admin s3cret")
    assert only_to(say(rules, "bob", "/who"), "bob") == "*** Online in #lobby: @ada, bob"
    message = parse_line(say(rules, "bob", "/who").sends[0][1])
    assert (message.event, message.room, message.members, message.admins) == (
        "members", "lobby", ("ada", "bob"), ("ada",))
    assert only_to(say(rules, "cy", "/who"), "cy") == "*** Online in #attic: cy"
    assert only_to(say(rules, "cy", "/who attic"), "cy") == "!!! usage: /who (it takes no arguments)"


def test_rooms_lists_lobby_first_then_by_name_with_counts():
    rules = joined(ChatRules(), "ada", "bob", "cy", "dee")
    say(rules, "bob", "/join zoo")
    say(rules, "cy", "/join Attic")
    say(rules, "dee", "/join attic")  # the same room as cy's: names are compared like nicknames
    say(rules, "ada", "/join zoo")  # the lobby is empty now but still there
    out = say(rules, "ada", "/rooms")
    assert only_to(out, "ada") == "*** Rooms: #lobby (0), #Attic (2), #zoo (2)"
    assert parse_line(out.sends[0][1]).event == "rooms"
    assert only_to(say(rules, "ada", "/rooms now"), "ada") == "!!! usage: /rooms (it takes no arguments)"


def test_everyone_starts_in_the_lobby():
    rules = joined(ChatRules(), "ada")
    assert rules.nicks("lobby") == ["ada"]


def test_join_moves_and_tells_both_rooms():
    rules = joined(ChatRules(), "ada", "bob", "cy")
    say(rules, "cy", "/join games")
    out = say(rules, "ada", "/join #games")
    # in order of arrival on the server
    assert out.lines_for("ada") == ["*** You are now in #games. Online: ada, cy"]
    assert out.lines_for("bob") == ["*** ada left #lobby"]
    assert out.lines_for("cy") == ["*** ada joined #games"]
    moved = parse_line(out.lines_for("ada")[0])
    assert (moved.event, moved.room, moved.members) == ("moved", "games", ("ada", "cy"))
    assert rules.nicks("games") == ["ada", "cy"]
    assert rules.nicks("lobby") == ["bob"]


def test_join_creates_a_room_and_the_last_one_out_ends_it():
    rules = joined(ChatRules(), "ada")
    out = say(rules, "ada", "/join new-room")
    assert out.sends == [("ada", "*** You are now in #new-room. Online: ada")]
    say(rules, "ada", "/join lobby")
    assert only_to(say(rules, "ada", "/rooms"), "ada") == "*** Rooms: #lobby (1)"


@pytest.mark.parametrize("command, error", [
    ("/join", "!!! usage: /join ROOM (give one room name)"),
    ("/join two rooms", "!!! usage: /join ROOM (give one room name)"),
    ("/join #", "!!! a room name cannot be empty"),
    ("/join a" + "b" * MAX_ROOM_LENGTH, f"!!! a room name can have at most {MAX_ROOM_LENGTH} characters"),
    ("/join no:colons", "!!! a room name can only use letters, digits and _-."),
    ("/join ##double", "!!! a room name can only use letters, digits and _-."),
])
def test_bad_joins_are_errors_and_nobody_moves(command, error):
    rules = joined(ChatRules(), "ada", "bob")
    assert only_to(say(rules, "ada", command), "ada") == error
    assert rules.nicks("lobby") == ["ada", "bob"]


def test_joining_the_room_you_are_in_is_a_notice():
    rules = joined(ChatRules(), "ada", "bob")
    assert only_to(say(rules, "ada", "/join LOBBY"), "ada") == "*** you are already in #lobby"


def test_nothing_leaks_between_rooms():
    rules = joined(ChatRules(), "ada", "bob", "cy", "dee")
    say(rules, "cy", "/join attic")
    say(rules, "dee", "/join attic")
    lobby, attic = {"ada", "bob"}, {"cy", "dee"}
    for sender, room in [("ada", lobby), ("cy", attic)]:
        for text in ["hello", "/me waves"]:
            assert {to for to, _ in say(rules, sender, text).sends} == room
    assert {to for to, _ in say(rules, "ada", "/nick ada2").sends} == lobby
    assert {to for to, _ in rules.disconnect("dee").sends} == {"cy"}
    rules.connect("eve")
    assert {to for to, _ in say(rules, "eve", "eve").sends} == {"eve", "ada", "bob"}


# --- /msg -----------------------------------------------------------------------------------


def test_msg_reaches_only_the_two_even_across_rooms():
    rules = joined(ChatRules(), "ada", "bob", "cy")
    say(rules, "bob", "/join attic")
    out = say(rules, "ada", "/msg BOB meet me in the attic")
    assert out.sends == [("ada", "[to bob] meet me in the attic"), ("bob", "[from ada] meet me in the attic")]
    mine, theirs = (parse_line(line) for _, line in out.sends)
    assert (mine.kind, mine.nick, mine.outgoing) == ("private", "bob", True)
    assert (theirs.kind, theirs.nick, theirs.outgoing, theirs.text) == (
        "private", "ada", False, "meet me in the attic")


@pytest.mark.parametrize("command, error", [
    ("/msg", "!!! usage: /msg NICK TEXT (give a nickname and a message)"),
    ("/msg bob", "!!! usage: /msg NICK TEXT (the message is missing)"),
    ("/msg nobody hello", "!!! no one called nobody is online"),
    ("/msg ada hello me", "!!! that is you; a private message needs someone else"),
])
def test_bad_private_messages_are_errors_to_the_sender_only(command, error):
    rules = joined(ChatRules(), "ada", "bob")
    assert only_to(say(rules, "ada", command), "ada") == error


def test_msg_to_someone_still_in_the_handshake_is_refused():
    rules = joined(ChatRules(), "ada")
    rules.connect("shy")
    assert only_to(say(rules, "ada", "/msg shy hi"), "ada") == "!!! no one called shy is online"


# --- /quit --------------------------------------------------------------------------------


def test_quit_tells_only_the_room_and_closes():
    rules = joined(ChatRules(), "ada", "bob", "cy")
    say(rules, "cy", "/join attic")
    out = say(rules, "bob", "/quit")
    assert out.sends == [("bob", "*** Bye!"), ("ada", "*** bob left #lobby (quit)")]
    assert out.closes == ["bob"]


# --- Flood control ----------------------------------------------------------------------------


def test_token_bucket_allows_a_burst_then_the_rate():
    clock = FakeClock()
    bucket = TokenBucket(FloodLimit(burst=3, per_second=2), clock)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    clock.now += 0.5  # one token back
    assert [bucket.take() for _ in range(2)] == [True, False]
    clock.now += 100  # never more than the burst
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    clock.now -= 50  # a clock that goes back gives nothing
    assert bucket.take() is False


def test_a_flooder_is_throttled_with_one_error_and_others_keep_talking():
    clock = FakeClock()
    rules = joined(ChatRules(clock=clock), "ada", "bob")
    delivered = [say(rules, "ada", f"line {n}") for n in range(10)]
    assert all(out.lines_for("bob") == [f"ada: line {n}"] for n, out in enumerate(delivered))
    first_drop = say(rules, "ada", "line 10")
    error = only_to(first_drop, "ada")
    assert error == ("!!! you are sending too fast (at most 10 lines at once, then 5 a second); "
                     "lines are dropped until you slow down")
    assert parse_line(error).kind == "error"
    assert all(say(rules, "ada", f"more {n}").sends == [] for n in range(50))  # told once, then silence
    assert say(rules, "bob", "still here").lines_for("ada") == ["bob: still here"]  # bob is not slowed
    clock.now += 0.2  # one token (5 a second)
    assert say(rules, "ada", "calm now").lines_for("bob") == ["ada: calm now"]
    assert say(rules, "ada", "too soon").lines_for("ada")[0].startswith("!!! you are sending too fast")


def test_commands_count_too_and_a_flooding_newcomer_is_asked_again():
    clock = FakeClock()
    rules = ChatRules(clock=clock, flood_limit=FloodLimit(burst=2, per_second=1))
    rules.connect("c")
    say(rules, "c", "bad nick")
    say(rules, "c", "bad nick")
    out = say(rules, "c", "ada")
    assert out.lines_for("c")[0].startswith("!!! you are sending too fast")
    assert out.lines_for("c")[1] == "Hii"  # a client in the handshake waits for an answer
    clock.now += 1
    assert say(rules, "c", "ada").lines_for("c")[0].startswith("*** Welcome")


def test_flood_control_can_be_turned_off():
    rules = joined(ChatRules(flood_limit=None), "ada")
    assert all(say(rules, "ada", f"{n}").sends == [("ada", f"ada: {n}")] for n in range(100))


# --- Over real sockets ---------------------------------------------------------------------------


def test_rooms_isolate_over_the_wire(server):
    with ChatClient(server.address, "ada") as ada, ChatClient(server.address, "bob") as bob, \
            ChatClient(server.address, "cy") as cy:
        assert [ada.messages.get(timeout=5).raw for _ in range(2)] == ["*** bob joined #lobby",
                                                                        "*** cy joined #lobby"]
        assert bob.messages.get(timeout=5).raw == "*** cy joined #lobby"
        cy.send("/join attic")
        assert cy.messages.get(timeout=5).event == "moved"
        assert bob.messages.get(timeout=5).raw == "*** cy left #lobby"
        bob.send("/join attic")
        assert bob.messages.get(timeout=5).raw == "*** You are now in #attic. Online: bob, cy"
        assert cy.messages.get(timeout=5).raw == "*** bob joined #attic"
        assert [ada.messages.get(timeout=5).raw for _ in range(2)] == ["*** cy left #lobby",
                                                                        "*** bob left #lobby"]
        bob.send("attic secret")
        assert cy.messages.get(timeout=5).raw == "bob: attic secret"
        assert bob.messages.get(timeout=5).raw == "bob: attic secret"
        ada.send("lobby talk")
        assert ada.messages.get(timeout=5).raw == "ada: lobby talk"  # and nothing from the attic before it
        assert ada.messages.empty() and bob.messages.empty() and cy.messages.empty()


def test_private_message_over_the_wire_reaches_only_the_two(server):
    with ChatClient(server.address, "ada") as ada, ChatClient(server.address, "bob") as bob, \
            ChatClient(server.address, "cy") as cy:
        ada.messages.get(timeout=5), ada.messages.get(timeout=5), bob.messages.get(timeout=5)
        ada.send("/msg bob psst")
        assert ada.messages.get(timeout=5).raw == "[to bob] psst"
        assert bob.messages.get(timeout=5).raw == "[from ada] psst"
        ada.send("public")  # cy's next line is this one: the private line never reached cy
        assert cy.messages.get(timeout=5).raw == "ada: public"


def test_flood_over_the_wire_is_throttled_and_others_keep_flowing():
    clock = FakeClock()  # frozen: the flooder gets exactly its burst
    with ChatServer(rules=ChatRules(clock=clock)) as server, \
            RawClient(server.address) as ada, RawClient(server.address) as bob, \
            RawClient(server.address) as cy:
        ada.join("ada"), bob.join("bob"), cy.join("cy")
        ada.lines(2), bob.line()
        ada.send_raw(b"".join(f"flood {n}\n".encode() for n in range(40)))
        seen = ada.until(lambda line: line.startswith("!!! "))
        assert seen[:-1] == [f"ada: flood {n}" for n in range(10)]
        assert seen[-1].startswith("!!! you are sending too fast")
        bob.send("still flowing")
        assert bob.until(lambda line: line.startswith("bob:")) == [f"ada: flood {n}" for n in range(10)] + [
            "bob: still flowing"]
        ada.close()  # processed after its last line: cy sees exactly the burst, then ada leave
        seen = cy.until(lambda line: line.startswith("*** ada left"))
        assert seen[:-1] == [f"ada: flood {n}" for n in range(10)] + ["bob: still flowing"]


def test_default_flood_limit_holds_with_the_real_clock(server):
    with RawClient(server.address) as ada:
        ada.join("ada")
        ada.send_raw(b"x\n" * 200)
        seen = ada.until(lambda line: line.startswith("!!! "))
        assert 10 <= len(seen) - 1 < 200
        assert seen[-1].startswith("!!! you are sending too fast")


def test_a_handler_that_crashes_costs_nobody_the_connection():
    rules = joined(ChatRules(), "ada", "bob")

    def broken(rules, who, args, out):
        raise KeyError("oops")

    from dataclasses import replace
    rules.commands["me"] = replace(rules.commands["me"], handler=broken)
    out = say(rules, "ada", "/me waves")
    assert only_to(out, "ada") == "!!! /me failed on the server and was not completed"
    assert out.closes == [] and "KeyError" in out.log[0]
    assert say(rules, "ada", "fine").lines_for("bob") == ["ada: fine"]
