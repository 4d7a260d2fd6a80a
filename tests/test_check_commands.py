"""The lesson 08 checkers: they pass right answers and catch the wrong ones in tests/wrong/."""

import importlib.util
from pathlib import Path

import pytest

from chatlesson.checks.commands import check_me, check_msg, check_refusal
from chatlesson.core import protocol
from chatlesson.core.commands import CommandError, UsageError
from chatlesson.core.roles import refusal as package_refusal

WRONG = Path(__file__).parent / "wrong"


def right_me(rules, who, args, out):
    if not args:
        raise UsageError("say what you do")
    member = rules.members[who]
    out.send_all(rules.room_members(member.room), protocol.action_line(member.nick, args))


def right_msg(rules, who, args, out):
    nick, _, text = args.partition(" ")
    if not nick or not text:
        raise UsageError("give a nickname and a message")
    target = rules.find(nick)
    if target is None:
        raise CommandError(f"no one called {nick} is online")
    out.send(who, protocol.private_to(rules.members[target].nick, text))
    out.send(target, protocol.private_from(rules.members[who].nick, text))


def not_done(*args):
    raise NotImplementedError()


CHECKS = {"commands_me": check_me, "commands_msg": check_msg, "commands_refusal": check_refusal}


def _load(name):
    spec = importlib.util.spec_from_file_location(f"wrong_{name}", WRONG / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("check, answer", [
    (check_me, right_me), (check_msg, right_msg), (check_refusal, package_refusal)])
def test_right_answers_pass(check, answer, capsys):
    result = check(answer)
    assert result.passed, result.text
    assert capsys.readouterr().out.strip().endswith("All checks passed. Well done!")


@pytest.mark.parametrize("check", CHECKS.values())
def test_unfinished_answers_are_not_done(check):
    assert check(not_done).status == "not done"


@pytest.mark.parametrize("check", CHECKS.values())
def test_not_a_function_is_a_clear_failure(check):
    result = check("me")
    assert result.status == "failed" and "Expected the function" in result.problem


def test_the_package_handlers_pass_their_own_checks():
    from chatlesson.core.member_commands import me, msg
    assert check_me(me).passed and check_msg(msg).passed


WRONG_ANSWERS = [(module, name) for module in CHECKS for name in _load(module).CAUGHT]


@pytest.mark.parametrize("module, name", WRONG_ANSWERS, ids=[f"{m}.{n}" for m, n in WRONG_ANSWERS])
def test_wrong_answers_are_caught_with_the_right_hint(module, name):
    wrong = _load(module)
    status, problem, hint = wrong.CAUGHT[name]
    result = CHECKS[module](getattr(wrong, name))
    assert result.status == status, result.text
    assert problem in result.problem, result.text
    assert hint in (result.hint or ""), result.text


def test_every_wrong_answer_is_listed():
    for module in CHECKS:
        wrong = _load(module)
        functions = {name for name, value in vars(wrong).items()
                     if callable(value) and not name.startswith("_")
                     and getattr(value, "__module__", None) == wrong.__name__}
        assert functions == set(wrong.CAUGHT) | set(getattr(wrong, "RIGHT", [])), module


RIGHT_ANSWERS = [(module, name) for module in CHECKS for name in getattr(_load(module), "RIGHT", [])]


@pytest.mark.parametrize("module, name", RIGHT_ANSWERS, ids=[f"{m}.{n}" for m, n in RIGHT_ANSWERS])
def test_right_answers_written_differently_pass(module, name):
    result = CHECKS[module](getattr(_load(module), name))
    assert result.passed, result.text
